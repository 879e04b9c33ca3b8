/**
 * Kernel-level checks of the operations TRM runs (ALGORITHM §2, §4.6), each on the active backend against a
 * float64 reference from reference.ts. Sizes are odd on purpose, so that tiled GPU kernels hit their edges.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear, logStablemax, mm, rmsNorm } from '@trm-ts/core/internal';
import * as ref from './reference.js';

export interface KernelResult {
  got: ArrayLike<number>;
  want: ArrayLike<number>;
}

export interface KernelCheck {
  name: string;
  /** Which tolerance of the backend applies; 'exact' = bitwise (data movement, no arithmetic). */
  tolerance: 'kernel' | 'gradient' | 'exact';
  run(): Promise<KernelResult>;
}

/** Reads a tensor computed inside `tf.tidy` and disposes it. */
async function read(make: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(make);
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

const [M, K, N] = [33, 47, 29];
const a = ref.randn(M * K, 1);
const b = ref.randn(K * N, 2);
const ab = ref.matmul(a, b, M, K, N);

/** The composite of §2: linear → rmsNorm → SiLU → linear → log stablemax → label pick, mean over rows. */
const COMPOSITE = { rows: 6, inDim: 8, hidden: 12, vocab: 5, eps: 1e-5 };
const cx = ref.randn(COMPOSITE.rows * COMPOSITE.inDim, 10);
const cw = ref.randn(COMPOSITE.inDim * COMPOSITE.hidden, 11, 0.4);
const cu = ref.randn(COMPOSITE.hidden * COMPOSITE.vocab, 12, 0.4);
const clabels = Int32Array.from({ length: COMPOSITE.rows }, (_, i) => (3 * i + 1) % COMPOSITE.vocab);

function compositeTf(w: tf.Tensor, u: tf.Tensor): tf.Scalar {
  const { rows, inDim, vocab, eps } = COMPOSITE;
  const h = rmsNorm(linear(tf.tensor2d(cx, [rows, inDim]), w), eps);
  const logp = logStablemax(linear(tf.mul(h, tf.sigmoid(h)), u)); // [rows, vocab]
  const pick = tf.oneHot(tf.tensor1d(clabels, 'int32'), vocab);
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, pick), -1))) as tf.Scalar;
}

function compositeRef(params: Float64Array): number {
  const { rows, inDim, hidden, vocab, eps } = COMPOSITE;
  const w = params.subarray(0, inDim * hidden);
  const u = params.subarray(inDim * hidden);
  const h = ref.rows(ref.matmul(cx, w, rows, inDim, hidden), hidden, ref.rmsNorm(eps));
  const act = h.map((v) => v * ref.sigmoid(v));
  const logp = ref.rows(ref.matmul(act, u, rows, hidden, vocab), vocab, ref.logStablemax);
  let loss = 0;
  for (let r = 0; r < rows; r++) loss -= logp[r * vocab + clabels[r]!]!;
  return loss / rows;
}

/** Logits spanning the stablemax branches, the v = 0 / v = 1 corners (§12.11) and float32-sized magnitudes. */
const SM_V = 7;
const smLogits = Float32Array.from([
  ...[0, 1, -1, 0.5, -0.5, 2, -2],
  ...[1e4, -1e4, 3e3, -3e3, 0, 1, -1],
  ...[-60, -70, -80, -90, -100, -110, -50],
  ...[1, 1, 1, 1, 1, 1, 1],
  ...Array.from(ref.randn(SM_V, 20, 5)),
]);
const smLabels = Int32Array.from([1, 0, 6, 3, 2]);

export const KERNEL_CHECKS: KernelCheck[] = [
  {
    name: 'matMul [33,47]·[47,29]',
    tolerance: 'kernel',
    run: async () => ({ got: await read(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N]))), want: ab }),
  },
  {
    name: 'matMul transposeA',
    tolerance: 'kernel',
    run: async () => ({
      got: await read(() => tf.matMul(tf.tensor2d(ref.transpose2d(a, M, K), [K, M]), tf.tensor2d(b, [K, N]), true, false)),
      want: ab,
    }),
  },
  {
    name: 'matMul transposeB',
    tolerance: 'kernel',
    run: async () => ({
      got: await read(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(ref.transpose2d(b, K, N), [N, K]), false, true)),
      want: ab,
    }),
  },
  {
    name: 'matMul transposeA + transposeB',
    tolerance: 'kernel',
    run: async () => ({
      got: await read(() =>
        tf.matMul(tf.tensor2d(ref.transpose2d(a, M, K), [K, M]), tf.tensor2d(ref.transpose2d(b, K, N), [N, K]), true, true),
      ),
      want: ab,
    }),
  },
  {
    name: 'batchMatMul [3,17,24]·[3,24,19] (core mm)',
    tolerance: 'kernel',
    run: async () => {
      const [B, m, k, n] = [3, 17, 24, 19];
      const x = ref.randn(B * m * k, 3);
      const y = ref.randn(B * k * n, 4);
      const want = new Float64Array(B * m * n);
      for (let i = 0; i < B; i++)
        want.set(ref.matmul(x.subarray(i * m * k, (i + 1) * m * k), y.subarray(i * k * n, (i + 1) * k * n), m, k, n), i * m * n);
      return { got: await read(() => mm(tf.tensor3d(x, [B, m, k]), tf.tensor3d(y, [B, k, n]))), want };
    },
  },
  {
    name: 'softmax over the last axis (attention scores)',
    tolerance: 'kernel',
    run: async () => {
      const x = ref.randn(5 * 37, 5, 8);
      return { got: await read(() => tf.softmax(tf.tensor2d(x, [5, 37]))), want: ref.rows(x, 37, ref.softmax) };
    },
  },
  {
    name: 'sigmoid on [-30, 30] (SiLU, q-halt)',
    tolerance: 'kernel',
    run: async () => {
      const x = Float32Array.from({ length: 121 }, (_, i) => -30 + i / 2);
      return { got: await read(() => tf.sigmoid(tf.tensor1d(x))), want: Array.from(x, ref.sigmoid) };
    },
  },
  {
    name: 'rmsNorm: mean, rsqrt over D (core rmsNorm)',
    tolerance: 'kernel',
    run: async () => {
      const x = ref.randn(4 * 7 * 64, 6, 3);
      return { got: await read(() => rmsNorm(tf.tensor3d(x, [4, 7, 64]), 1e-5)), want: ref.rows(x, 64, ref.rmsNorm(1e-5)) };
    },
  },
  {
    name: 'log of (0, 1e30]',
    tolerance: 'kernel',
    run: async () => {
      const x = Float32Array.from([1e-30, 1e-10, 1e-3, 0.5, 1, 2, 1e3, 1e10, 1e30]);
      return { got: await read(() => tf.log(tf.tensor1d(x))), want: Array.from(x, Math.log) };
    },
  },
  {
    name: 'where / minimum / maximum (stablemax branches)',
    tolerance: 'kernel',
    run: async () => {
      const got = await read(() => {
        const [v, zero, one] = [tf.tensor1d(smLogits), tf.scalar(0), tf.scalar(1)];
        return tf.where(tf.less(v, zero), tf.div(one, tf.sub(one, tf.minimum(v, zero))), tf.add(tf.maximum(v, zero), one));
      });
      return { got, want: Array.from(smLogits, ref.stablemaxS) };
    },
  },
  {
    name: 'float32 stablemax log-probabilities (core logStablemax)',
    tolerance: 'kernel',
    run: async () => ({
      got: await read(() => logStablemax(tf.tensor2d(smLogits, [smLogits.length / SM_V, SM_V]))),
      want: ref.rows(smLogits, SM_V, ref.logStablemax),
    }),
  },
  {
    name: 'float32 stablemax cross-entropy gradient (finite at v = 0 and v = 1)',
    tolerance: 'gradient',
    run: async () => {
      const rowsN = smLogits.length / SM_V;
      const got = await read(() =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(logStablemax(v), tf.oneHot(tf.tensor1d(smLabels, 'int32'), SM_V))))(
          tf.tensor2d(smLogits, [rowsN, SM_V]),
        ),
      );
      const want = new Float64Array(smLogits.length);
      for (let r = 0; r < rowsN; r++) want.set(ref.logStablemaxGrad(Array.from(smLogits.subarray(r * SM_V, (r + 1) * SM_V)), smLabels[r]!), r * SM_V);
      return { got, want };
    },
  },
  {
    name: 'gather rows (puzzle embedding), repeated ids',
    tolerance: 'exact',
    run: async () => {
      const table = ref.randn(11 * 16, 7);
      const ids = [3, 0, 3, 10, 7, 7, 1];
      const want = ids.flatMap((i) => Array.from(table.subarray(i * 16, (i + 1) * 16)));
      return { got: await read(() => tf.gather(tf.tensor2d(table, [11, 16]), tf.tensor1d(ids, 'int32'))), want };
    },
  },
  {
    name: 'gather gradient (scatter-add of repeated ids)',
    tolerance: 'kernel',
    run: async () => {
      const ids = [3, 0, 3, 4];
      const got = await read(() =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]))))(
          tf.zeros([5, 2]),
        ),
      );
      // Row 3 receives upstream rows 0 and 2 ([1+5, 2+6]); rows 1 and 2 of the table are never gathered.
      return { got, want: [3, 4, 0, 0, 0, 0, 6, 8, 7, 8] };
    },
  },
  {
    name: 'concat along the sequence axis (puzzle prefix + tokens)',
    tolerance: 'exact',
    run: async () => {
      const x = ref.randn(2 * 3 * 4, 8);
      const y = ref.randn(2 * 5 * 4, 9);
      const want: number[] = [];
      for (let i = 0; i < 2; i++) want.push(...x.subarray(i * 12, (i + 1) * 12), ...y.subarray(i * 20, (i + 1) * 20));
      return { got: await read(() => tf.concat([tf.tensor3d(x, [2, 3, 4]), tf.tensor3d(y, [2, 5, 4])], 1)), want };
    },
  },
  {
    name: 'transpose rank 5 (attention heads [B,P,3,H,hd] → [3,B,H,P,hd])',
    tolerance: 'exact',
    run: async () => {
      const s = [2, 5, 3, 2, 4];
      const x = Float32Array.from({ length: 240 }, (_, i) => i);
      const want: number[] = [];
      for (let j = 0; j < 3; j++)
        for (let bb = 0; bb < 2; bb++)
          for (let h = 0; h < 2; h++)
            for (let p = 0; p < 5; p++) for (let d = 0; d < 4; d++) want.push(x[(((bb * 5 + p) * 3 + j) * 2 + h) * 4 + d]!);
      return { got: await read(() => tf.transpose(tf.tensor(x, s), [2, 0, 3, 1, 4])), want };
    },
  },
  {
    name: 'slice of a rank-5 tensor, gradient (pad)',
    tolerance: 'exact',
    run: async () => {
      const s = [3, 2, 2, 3, 2];
      const upstream = Float32Array.from({ length: 24 }, (_, i) => i + 1);
      const got = await read(() =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [1, 0, 0, 0, 0], [1, -1, -1, -1, -1]), tf.tensor(upstream, [1, 2, 2, 3, 2]))))(
          tf.zeros(s),
        ),
      );
      return { got, want: [...new Array(24).fill(0), ...upstream, ...new Array(24).fill(0)] };
    },
  },
  {
    name: 'gradient of linear → rmsNorm → SiLU → linear → stablemax CE vs finite differences',
    tolerance: 'gradient',
    run: async () => {
      const { inDim, hidden, vocab } = COMPOSITE;
      const got = await read(() => {
        const [gw, gu] = tf.grads((w: tf.Tensor, u: tf.Tensor) => compositeTf(w, u))([
          tf.tensor2d(cw, [inDim, hidden]),
          tf.tensor2d(cu, [hidden, vocab]),
        ]);
        return tf.concat([tf.reshape(gw!, [-1]), tf.reshape(gu!, [-1])]);
      });
      return { got, want: ref.finiteDifferences(compositeRef, [...cw, ...cu]) };
    },
  },
];
