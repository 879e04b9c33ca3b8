// Loads every parity fixture (weights and inputs produced by the official PyTorch TRM), runs the model here,
// prints the first outputs next to the expected ones, and the worst error of every check against the
// fixture's own tolerances. Usage: node main.mjs [fixture-dir ...]  (default: ../shared/fixtures/parity/*)
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { TrmNetwork, fromOfficialConfig, loadSafetensorsInto, batchTensors, evalStep, parseSafetensors, toFloat32 } from '@trm-ts/core';
import { listFixtureDirs, readFixture, runParity } from '@trm-ts/core/parity';

const info = await useWasmBackend();
console.log(`backend: ${info.backend} (SIMD ${info.details.simd})`);
const dirs = process.argv.length > 2 ? process.argv.slice(2) : listFixtureDirs();
let allPass = true;
for (const dir of dirs) {
  const fx = readFixture(dir);
  const net = new TrmNetwork(fromOfficialConfig(fx.config));
  loadSafetensorsInto(net, fx.weights);
  const io = parseSafetensors(fx.io);
  const t = (k) => ({ shape: io.tensors.get(k).shape, data: toFloat32(io.tensors.get(k)) });
  const inputs = t('inputs');
  const [B, L] = inputs.shape;
  const batch = batchTensors(net, { batchSize: B, seqLen: L, inputs: Int32Array.from(inputs.data), labels: Int32Array.from(t('labels').data), puzzleIds: Int32Array.from(t('puzzle_identifiers').data) });
  const lat = net.initialLatents(B);
  const out = evalStep(net, batch, lat);
  const logits = await out.logits.data();
  const qHalt = await out.qHalt.data();
  const ref = t('step1_logits').data;
  const refQ = t('step1_q_halt').data;
  console.log(`\n${fx.name}: ${net.config.mixer}, pos ${net.config.posEncodings}, D ${net.config.hiddenSize}, ${net.numParams()} params`);
  console.log('  step-1 logits of row 0, cell 0   here:', Array.from(logits.slice(0, net.config.vocabSize), (v) => v.toFixed(5)).join(' '));
  console.log('                                official:', Array.from(ref.slice(0, net.config.vocabSize), (v) => v.toFixed(5)).join(' '));
  console.log('  step-1 q_halt                    here:', Array.from(qHalt, (v) => v.toFixed(5)).join(' '));
  console.log('                                official:', Array.from(refQ, (v) => v.toFixed(5)).join(' '));
  tf.dispose([out.y, out.z, out.logits, out.qHalt, out.qContinue, lat.y, lat.z, batch.inputs, batch.labels, batch.puzzleIds]);
  net.dispose();
  const report = await runParity(fx);
  const worst = [...report.checks].filter((c) => !c.name.startsWith('preds')).sort((a, b) => b.worst - a.worst)[0];
  const failed = report.checks.filter((c) => !c.pass);
  console.log(`  ${report.checks.length} checks (step 1, free-running, teacher-forced, loss, every gradient): ${failed.length === 0 ? 'all within tolerances.json' : `${failed.length} FAILED`}; worst = ${(worst.worst * 100).toFixed(1)}% of its tolerance (${worst.name})`);
  if (failed.length) allPass = false;
}
process.exit(allPass ? 0 : 1);
