#!/usr/bin/env python3
"""Spark tax: articles/s of examples/spark/analyze_corpus.py on local[2]
against `rhetor analyze` on the same generated corpus, with the fast model.

    spark.py [--articles 20000] [--model fast] [DATA_DIR]

The corpus is generated in a temporary folder (never in the repository) from
the SemEval articles in DATA_DIR (default ../shared/data/semeval2023-task3):
every train and unlabeled article, repeated under new ids, sources and
months until there are --articles of them. Both figures include starting up
(the JVM and Python workers for Spark, loading the model for both).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def generate(data: Path, n: int, path: Path, cli_path: Path) -> int:
    """Writes the Spark input (with source and published) and the same
    articles for the CLI (id and text only: it refuses other fields)."""
    texts = []
    for lang in sorted(p for p in data.iterdir() if p.is_dir()):
        for sub in ("train-articles", "unlabeled-articles"):
            for f in sorted((lang / sub).glob("*.txt")):
                texts.append((lang.name, f.read_text(encoding="utf-8")))
    with open(path, "w", encoding="utf-8") as out, open(cli_path, "w", encoding="utf-8") as cli:
        for i in range(n):
            lang, text = texts[i % len(texts)]
            article = {"id": str(i + 1), "text": text}
            cli.write(json.dumps(article, ensure_ascii=False) + "\n")
            article.update(source=f"{lang}-{i % 7}.example", published=f"2026-{1 + i % 12:02d}-15")
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return len(texts)


def timed(cmd, **kw):
    """Wall seconds and CPU seconds (user + system of the command and every
    process it waited for: Spark's JVM and Python workers included). On a
    shared machine the CPU figure is the steadier measure of cost."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=20000)
    p.add_argument("--model", default="fast")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("data", nargs="?", default=str(REPO.parent / "shared/data/semeval2023-task3"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.jsonl"
        distinct = generate(Path(a.data), a.articles, corpus, tmp / "cli-input.jsonl")
        print(f"corpus: {a.articles} articles ({distinct} distinct texts), {corpus.stat().st_size / 1e6:.0f} MB")
        cli = timed([str(REPO / "target/release/rhetor"), "analyze", "--model", a.model, "--format", "jsonl",
                     "-o", str(tmp / "cli.jsonl"), str(tmp / "cli-input.jsonl")])
        cli, cli_cpu = cli
        print(f"CLI: {cli:.1f} s -> {a.articles / cli:,.0f} articles/s; CPU {cli_cpu:.1f} s -> {a.articles / cli_cpu:,.0f} articles per CPU-second")
        spark = timed([sys.executable, str(REPO / "examples/spark/analyze_corpus.py"), "--input", str(corpus),
                       "--output", str(tmp / "out"), "--model", a.model, "--master", "local[2]",
                       "--partitions", str(a.partitions)], stderr=subprocess.PIPE)
        spark, spark_cpu = spark
        print(f"Spark local[2]: {spark:.1f} s -> {a.articles / spark:,.0f} articles/s "
              f"(articles and rates tables; Spark/CLI = {cli / spark:.0%}); "
              f"CPU {spark_cpu:.1f} s -> {a.articles / spark_cpu:,.0f} articles per CPU-second (Spark/CLI = {cli_cpu / spark_cpu:.0%})")
    print(f"cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
