#!/usr/bin/env python3
"""Body-text F1 with the shingle metric of public article-extraction
benchmarks: each text becomes the set of its word 4-grams (lower-cased
words); per page TP = shared shingles, FP = predicted only, FN = gold only;
precision and recall are averaged over pages and F1 is computed from the
averages.

    python3 bench/extract/score.py PAGES_DIR PRED_DIR   # PRED_DIR/NAME.txt per page
"""
import os
import re
import sys

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=4):
    words = WORD.findall(text.lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def page_pr(gold, pred):
    g, p = shingles(gold), shingles(pred)
    tp = len(g & p)
    precision = tp / len(p) if p else (1.0 if not g else 0.0)
    recall = tp / len(g) if g else 1.0
    return precision, recall


def score(pages_dir, preds):
    """preds: {name: text}. Returns (P, R, F1, per-page list)."""
    rows = []
    for f in sorted(os.listdir(pages_dir)):
        if not f.endswith(".gold.txt"):
            continue
        name = f[: -len(".gold.txt")]
        gold = open(os.path.join(pages_dir, f), encoding="utf-8").read()
        p, r = page_pr(gold, preds.get(name, ""))
        rows.append((name, p, r))
    P = sum(r[1] for r in rows) / len(rows)
    R = sum(r[2] for r in rows) / len(rows)
    F = 2 * P * R / (P + R) if P + R else 0.0
    return P, R, F, rows


if __name__ == "__main__":
    pages, pred_dir = sys.argv[1], sys.argv[2]
    preds = {}
    for f in os.listdir(pred_dir):
        if f.endswith(".txt"):
            preds[f[:-4]] = open(os.path.join(pred_dir, f), encoding="utf-8").read()
    P, R, F, rows = score(pages, preds)
    for name, p, r in rows:
        print(f"{name:28} P={p:.3f} R={r:.3f}")
    print(f"pages={len(rows)} P={P:.4f} R={R:.4f} F1={F:.4f}")
