#!/usr/bin/env python3
"""Extraction quality and speed: rhetor's extractor and trafilatura
(Python, when installed: `pip install trafilatura`) on the same pages.

    cargo build --release && python3 bench/extract/run.py [--copies 50]

Quality: the shingle F1 of score.py on bench/extract/pages (every page's
gold body in NAME.gold.txt). Speed: each extractor in one process over
the pages copied --copies times (rhetor: `rhetor extract DIR`, which also
identifies each article's language; trafilatura: `extract()` per page).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from score import score  # noqa: E402


def rhetor_preds(binary, pages):
    out = subprocess.run([binary, "extract", pages], check=True, capture_output=True, text=True).stdout
    return {json.loads(l)["id"]: json.loads(l)["text"] for l in out.splitlines()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--pages", default=os.path.join(HERE, "pages"))
    ap.add_argument("--rhetor", default=os.path.join(ROOT, "target", "release", "rhetor"))
    args = ap.parse_args()
    names = sorted(f for f in os.listdir(args.pages) if f.endswith(".html"))
    result = {"pages": len(names)}

    preds = rhetor_preds(args.rhetor, args.pages)
    P, R, F, rows = score(args.pages, preds)
    result["rhetor"] = {"precision": round(P, 4), "recall": round(R, 4), "f1": round(F, 4),
                        "per_page": {n: [round(p, 3), round(r, 3)] for n, p, r in rows}}

    with tempfile.TemporaryDirectory() as tmp:
        for c in range(args.copies):
            for n in names:
                shutil.copy(os.path.join(args.pages, n), os.path.join(tmp, f"{c:03d}-{n}"))
        total = len(names) * args.copies
        t = time.perf_counter()
        subprocess.run([args.rhetor, "extract", tmp], check=True, stdout=subprocess.DEVNULL)
        el = time.perf_counter() - t
        result["rhetor"]["pages_per_s"] = round(total / el, 1)
        result["timed_pages"] = total

        try:
            import trafilatura
        except ImportError:
            print("trafilatura is not installed (pip install trafilatura): rhetor only", file=sys.stderr)
            print(json.dumps(result, indent=1))
            return
        result["trafilatura_version"] = trafilatura.__version__
        tpreds = {}
        for n in names:
            html = open(os.path.join(args.pages, n), "rb").read()
            tpreds[n[:-5]] = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
        P, R, F, rows = score(args.pages, tpreds)
        result["trafilatura"] = {"precision": round(P, 4), "recall": round(R, 4), "f1": round(F, 4),
                                 "per_page": {n: [round(p, 3), round(r, 3)] for n, p, r in rows}}
        files = sorted(os.listdir(tmp))
        t = time.perf_counter()
        for f in files:
            trafilatura.extract(open(os.path.join(tmp, f), "rb").read(), include_comments=False, include_tables=False)
        el = time.perf_counter() - t
        result["trafilatura"]["pages_per_s"] = round(total / el, 1)
        result["speedup"] = round(result["rhetor"]["pages_per_s"] / result["trafilatura"]["pages_per_s"], 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
