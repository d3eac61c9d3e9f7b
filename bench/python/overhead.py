#!/usr/bin/env python3
"""Python overhead: analyze_many / analyze_arrow against `rhetor analyze` on
the same articles, same model, same cores, in fresh processes (model loading
and reading the files included in every figure, as for the CLI).

    overhead.py --model fast --runs 5 DIR...      (DIRs of SemEval *.txt articles)

Prints the median of RUNS runs for each front end and the ratio to the CLI.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys, time, resource
from pathlib import Path
import rhetor
mode, model, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
if mode == "arrow":
    import pyarrow as pa, pyarrow.compute as pc
# In-process time: reading the files, loading the model, analysing (what the
# CLI's time covers, less the interpreter's start and imports).
t0 = time.perf_counter()
paths = sorted(p for d in dirs for p in sorted(Path(d).glob("*.txt")))
articles = [{"id": p.stem.removeprefix("article"), "text": p.read_text(encoding="utf-8")} for p in paths]
an = rhetor.Analyzer(model)
if mode == "many":
    docs = an.analyze_many(articles)
    paragraphs = sum(len(d["paragraphs"]) for d in docs)
else:
    table = pa.table({"id": [a["id"] for a in articles], "text": [a["text"] for a in articles]})
    out = an.analyze_arrow(table)
    paragraphs = pc.sum(pc.list_value_length(out.column("paragraphs"))).as_py()
secs = time.perf_counter() - t0
print(json.dumps({"secs": secs, "paragraphs": paragraphs, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cpu_children():
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cli(model, dirs):
    c0 = cpu_children()
    t0 = time.perf_counter()
    out = subprocess.run(
        [str(REPO / "target/release/rhetor"), "analyze", "--model", model, "--format", "jsonl", *dirs],
        check=True, capture_output=True,
    ).stdout
    secs = time.perf_counter() - t0
    cpu = cpu_children() - c0
    paragraphs = sum(len(json.loads(l)["paragraphs"]) for l in out.splitlines())
    return {"secs": secs, "cpu": cpu, "paragraphs": paragraphs}


def run_py(mode, model, dirs):
    c0 = cpu_children()
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, mode, model, *dirs], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["inproc"], r["secs"] = r["secs"], time.perf_counter() - t0
    r["cpu"] = cpu_children() - c0
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="fast")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("dirs", nargs="+")
    a = p.parse_args()
    fronts = [("cli", lambda: run_cli(a.model, a.dirs)),
              ("analyze_many", lambda: run_py("many", a.model, a.dirs)),
              ("analyze_arrow", lambda: run_py("arrow", a.model, a.dirs))]
    # Interleaved, so a busy spell on a shared machine hits all three alike.
    runs = {name: [] for name, _ in fronts}
    for _ in range(a.runs):
        for name, fn in fronts:
            runs[name].append(fn())
    results = {}
    for name, _ in fronts:
        secs = [r["secs"] for r in runs[name]]
        med = statistics.median(secs)
        n = runs[name][0]["paragraphs"]
        results[name] = n / med
        cpu = statistics.median(r["cpu"] for r in runs[name])
        results[name + " (CPU)"] = n / cpu
        print(f"  CPU (user + system, the whole process): median {cpu:.2f} s -> {n / cpu:,.0f} paragraphs per CPU-second")
        rss = max(r.get("rss_mb", 0) for r in runs[name])
        print(f"{name}: {n} paragraphs, median {med:.2f} s ({', '.join(f'{s:.2f}' for s in secs)}) -> {n / med:,.0f} paragraphs/s"
              + (f", peak RSS {rss:.0f} MB" if rss else ""))
        if name != "cli":
            inproc = statistics.median(r["inproc"] for r in runs[name])
            results[name + " (in-process)"] = n / inproc
            print(f"  in-process (files, model, analysis; no interpreter start or imports): median {inproc:.2f} s -> {n / inproc:,.0f} paragraphs/s")
    for name in results:
        if name.startswith("cli"):
            continue
        base = "cli (CPU)" if name.endswith("(CPU)") else "cli"
        print(f"{name} / {base} = {results[name] / results[base]:.0%}")
    print(f"cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
