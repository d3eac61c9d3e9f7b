#!/usr/bin/env python3
"""Writes the two huge inputs of issue 10 into a folder (never the repo):

* para50mb/article.txt: a title, a blank line, then ONE paragraph of 50 MB
  (the English training articles' paragraphs joined with spaces, repeated);
* lines200k/article.txt: a title, a blank line, then 200,000 paragraphs
  (the same paragraphs, one per line, cycled).

Usage: make_inputs.py DATA_DIR OUT_DIR
"""
import pathlib
import sys

data, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
paras = []
for f in sorted((data / "en" / "train-articles").glob("*.txt")):
    lines = f.read_text(encoding="utf-8").split("\n")
    paras += [l.strip() for l in lines[1:] if l.strip()]
if not paras:
    sys.exit(f"no English training articles under {data}")

target = 50 * 1000 * 1000
(out / "para50mb").mkdir(parents=True, exist_ok=True)
with open(out / "para50mb" / "article.txt", "w", encoding="utf-8") as w:
    w.write("One very long paragraph\n\n")
    n, i = 0, 0
    while n < target:
        p = paras[i % len(paras)] + " "
        w.write(p)
        n += len(p.encode())
        i += 1
    w.write("\n")

(out / "lines200k").mkdir(parents=True, exist_ok=True)
with open(out / "lines200k" / "article.txt", "w", encoding="utf-8") as w:
    w.write("An article of 200,000 lines\n\n")
    for i in range(200_000):
        w.write(paras[i % len(paras)] + "\n")
