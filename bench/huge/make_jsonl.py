"""A large JSON Lines input for analyze's streaming (docs/reliability.md):
records of PER English training articles joined (title of the first, bodies
one after another), until the file has TARGET bytes. Written to OUT, never
into the repo.

    python3 bench/huge/make_jsonl.py DATA_DIR OUT TARGET_BYTES [PER=20]
"""
import json
import os
import sys

data, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
per = int(sys.argv[4]) if len(sys.argv) > 4 else 20
folder = os.path.join(data, "en", "train-articles")
texts = []
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        texts.append(f.read())
n = size = k = 0
with open(out, "w", encoding="utf-8") as f:
    while size < target:
        parts = [texts[(k + i) % len(texts)] for i in range(per)]
        k += per
        title = parts[0].partition("\n")[0]
        body = "\n".join(p.partition("\n")[2] for p in parts)
        line = json.dumps({"id": f"r{n}", "title": title, "text": body}, ensure_ascii=False) + "\n"
        f.write(line)
        size += len(line.encode("utf-8"))
        n += 1
print(f"{out}: {n} records, {size} bytes")
