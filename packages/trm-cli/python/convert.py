#!/usr/bin/env python3
"""Official TRM PyTorch checkpoint <-> safetensors (ALGORITHM.md section 6.6), for `trm convert`.

    python3 convert.py to-safetensors step_1000 model.safetensors   # torch.load (CPU) -> safetensors
    python3 convert.py to-torch model.safetensors step_1000         # safetensors -> torch.save

Needs PyTorch only (Debian: apt-get install python3-torch). The safetensors container is written and read here
directly (8-byte little-endian header length, JSON header, row-major little-endian data), so the `safetensors`
package is not needed. Tensor names, dtypes (BF16 H_init / L_init included) and shapes are kept as they are.
Prints one JSON line: {"tensors": N, "bytes": B}.
"""
import json
import struct
import sys

import torch

DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}
BY_NAME = {v: k for k, v in DTYPES.items()}
# Bit-compatible carriers for dtypes numpy lacks (bfloat16) or that need a fixed width.
CARRIER = {torch.bfloat16: torch.int16}


def fail(message):
    print(f"convert.py: {message}", file=sys.stderr)
    sys.exit(2)


def tensor_bytes(t):
    t = t.detach().to("cpu").contiguous()
    if t.dtype in CARRIER:
        t = t.view(CARRIER[t.dtype])
    return t.numpy().tobytes()


def to_safetensors(src, dst):
    try:
        state = torch.load(src, map_location="cpu")
    except Exception as e:  # a pickle error names no file; say which one
        fail(f"{src}: not a PyTorch checkpoint ({type(e).__name__}: {e})")
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        fail(f"{src}: expected a state dict (name -> tensor), got {type(state).__name__}")
    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        if t.dtype not in DTYPES:
            fail(f"{src}: tensor {name}: dtype {t.dtype} has no safetensors name")
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt", "source": "trm convert (official PyTorch checkpoint)"}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # align the data section to 8 bytes, as the safetensors package does
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)
    print(json.dumps({"tensors": len(state), "bytes": 8 + len(raw) + offset}))


def to_torch(src, dst):
    with open(src, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        fail(f"{src}: not a safetensors file (shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        fail(f"{src}: not a safetensors file (header length {n} beyond the file's {len(buf)} bytes)")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except ValueError as e:
        fail(f"{src}: not a safetensors file (header is not JSON: {e})")
    base = 8 + n
    state = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype = BY_NAME.get(e["dtype"])
        if dtype is None:
            fail(f"{src}: tensor {name}: unknown dtype {e['dtype']}")
        begin, end = e["data_offsets"]
        carrier = CARRIER.get(dtype, dtype)
        t = torch.frombuffer(bytearray(buf[base + begin:base + end]), dtype=carrier) if end > begin else torch.empty(0, dtype=carrier)
        state[name] = t.view(dtype).reshape(e["shape"]).clone()
    torch.save(state, dst)
    print(json.dumps({"tensors": len(state), "bytes": sum(t.numel() * t.element_size() for t in state.values())}))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("to-safetensors", "to-torch"):
        fail("usage: convert.py to-safetensors|to-torch <in> <out>")
    (to_safetensors if argv[1] == "to-safetensors" else to_torch)(argv[2], argv[3])


if __name__ == "__main__":
    main(sys.argv)
