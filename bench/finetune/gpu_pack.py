"""Packs what the whole-encoder fine-tuning (`gpu_finetune.py`) needs into
one folder small enough to travel to a GPU machine (issue 15 item 4;
docs/evaluation.md, "Fine-tuning the whole encoder on a GPU").

Reads `finetune_cache DATA ids`'s output (token ids of every window, labels,
folds, check embeddings) and the shipped 4-bit encoder file
(`e5-small-q4.bin`, layout in crates/rhetor-encoder/src/q4file.rs), and
writes to OUT:

- `weights.npz`: every tensor of the encoder as the file holds it (4-bit
  Q4_0 blocks as raw bytes, the rest f32), except the 250k-row word table,
  of which only the rows the corpus uses are kept (`word_rows` maps them
  back to token ids);
- `ids.npy`: the windows' token ids renumbered into those rows;
- `meta.json`, `check.f32`: copied.

Nothing here holds text; nothing here is committed (OUT is git-ignored).

Usage: python3 gpu_pack.py IDS_DIR ENCODER_FILE OUT
"""

import json
import os
import shutil
import struct
import sys

import numpy as np

Q4_BLOCK, Q4_BYTES = 32, 18


def read_q4_file(path):
    """The header and every tensor (name → (dtype, element count, bytes))."""
    b = open(path, "rb").read()
    assert b[:4] == b"E5S1", "not an E5S1 file"
    pos = 4

    def take(n):
        nonlocal pos
        s = b[pos : pos + n]
        assert len(s) == n, f"truncated at {pos}"
        pos += n
        return s

    u32 = lambda: struct.unpack("<I", take(4))[0]
    i32 = lambda: struct.unpack("<i", take(4))[0]
    assert u32() == 1, "E5S1 version"
    hidden, layers, heads, inter, vocab, max_pos, _types = (i32() for _ in range(7))
    eps = struct.unpack("<f", take(4))[0]
    assert i32() == Q4_BLOCK
    pieces = i32()
    take(16)
    blob = struct.unpack("<Q", take(8))[0]
    take((pieces + 1) * 4 + pieces * 4 + blob)
    i32()
    take(u32())
    tensors = {}
    for _ in range(i32()):
        n = struct.unpack("<H", take(2))[0]
        name = take(n).decode()
        dtype = take(1)[0]
        elems = u32()
        off, nbytes = struct.unpack("<QQ", take(16))
        tensors[name] = (dtype, elems, b[off : off + nbytes])
    config = dict(hidden=hidden, layers=layers, heads=heads, intermediate=inter,
                  vocab=vocab, max_positions=max_pos, eps=eps)
    return config, tensors


def main():
    ids_dir, encoder, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    config, tensors = read_q4_file(encoder)
    ids = np.fromfile(os.path.join(ids_dir, "ids.u32"), dtype="<u4")
    rows, renumbered = np.unique(ids, return_inverse=True)
    h = config["hidden"]
    arrays = {"config": np.array(json.dumps(config)), "word_rows": rows.astype(np.int32)}
    for name, (dtype, elems, data) in tensors.items():
        raw = np.frombuffer(data, np.uint8)
        if name == "emb.word":
            assert dtype == 1, "word table expected in Q4_0"
            per_row = h // Q4_BLOCK * Q4_BYTES
            arrays["q4:" + name] = raw.reshape(-1, per_row)[rows].copy()
        elif dtype == 1:
            arrays["q4:" + name] = raw.copy()
        else:
            arrays["f32:" + name] = np.frombuffer(data, "<f4").copy()
    np.savez(os.path.join(out, "weights.npz"), **arrays)
    dtype = np.uint16 if len(rows) <= 65536 else np.uint32
    np.save(os.path.join(out, "ids.npy"), renumbered.astype(dtype))
    for f in ("meta.json", "check.f32"):
        shutil.copy(os.path.join(ids_dir, f), os.path.join(out, f))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"{len(rows)} word rows of {config['vocab']}, {len(ids)} ids; {out}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
