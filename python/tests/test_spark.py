"""The Spark job (examples/spark/analyze_corpus.py) on local[2], checked row
for row against the CLI on the same articles."""

import json
import subprocess
import sys
from collections import defaultdict

import pytest

from conftest import ARTICLES, REPO, cli_json, require, write_jsonl

JOB = REPO / "examples" / "spark" / "analyze_corpus.py"


def corpus():
    """24 articles: the fixtures under several ids, sources and months."""
    rows = []
    for i in range(6):
        for j, a in enumerate(ARTICLES):
            rows.append({
                "id": f"{a['id']}-{i}",
                "title": a.get("title"),
                "text": a["text"],
                "source": ["daily.example", "weekly.example"][(i + j) % 2],
                "published": f"2026-0{1 + i % 3}-1{j}T08:00:00Z",
            })
    return rows


def test_spark_job_matches_the_cli_row_for_row(tmp_path, rhetor_bin):
    try:
        import pyspark  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError as e:
        require(False, f"pyspark/pyarrow not installed ({e}); pip install pyspark pyarrow 'pandas>=2.2'")
    import shutil

    require(shutil.which("java") is not None, "java is not installed (PySpark needs Java 17)")
    rows = corpus()
    # Blank texts as rhetor means it (white space of any kind, a lone BOM)
    # and a record without text: dropped and counted, never sent to rhetor
    # (which refuses them, failing the job).
    blanks = [{"id": "blank", "text": "   ", "source": "x"}, {"id": "bom", "text": "\ufeff", "source": "x"},
              {"id": "tabs", "text": "\t\u00a0\t", "source": "x"}, {"id": "no-text", "source": "x"}]
    inp = write_jsonl(tmp_path / "corpus.jsonl", rows + blanks)
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(JOB), "--input", str(inp), "--output", str(out), "--model", "fast",
         "--master", "local[2]", "--partitions", "3"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    assert "24 articles" in run.stderr and "4 blank skipped" in run.stderr, run.stderr[-3000:]

    # The CLI on the same articles (ids, titles, texts).
    cli_in = write_jsonl(tmp_path / "cli.jsonl", [{k: r[k] for k in ("id", "title", "text") if r.get(k) is not None} for r in rows])
    expected = {d["id"]: d for d in cli_json(rhetor_bin, cli_in)}
    table = pq.read_table(out / "articles")
    got = {r["id"]: r for r in table.to_pylist()}
    assert sorted(got) == sorted(expected)
    meta = {r["id"]: r for r in rows}
    for id_, row in got.items():
        doc = expected[id_]
        assert row["source"] == meta[id_]["source"] and row["published"] == meta[id_]["published"]
        assert (row["title"], row["language"], row["model"], row["genre"]) == (
            doc["title"], doc["language"], doc["model"], doc["genre"]["label"])
        assert row["genre_score"] == pytest.approx(doc["genre"]["scores"][doc["genre"]["label"]], rel=1e-6)
        assert [(f["label"], pytest.approx(f["score"], rel=1e-6)) for f in row["frames"]] == [
            (f["label"], f["score"]) for f in doc["frames"]]
        assert [(p["line"], p["start"], p["text"], [t["label"] for t in p["techniques"]]) for p in row["paragraphs"]] == [
            (p["line"], p["start"], p["text"], [t["label"] for t in p["techniques"]]) for p in doc["paragraphs"]]
        assert [(s["technique"], s["start"], s["end"], s["text"]) for s in row["spans"]] == [
            (s["technique"], s["start"], s["end"], s["text"]) for s in doc["spans"]]

    # Rates, recomputed here from the CLI's output.
    rates = pq.read_table(out / "rates").to_pylist()
    articles = defaultdict(int)
    with_label = defaultdict(int)
    for r in rows:
        key = (r["source"], r["published"][:7])
        articles[key] += 1
        doc = expected[r["id"]]
        for t in {t["label"] for p in doc["paragraphs"] for t in p["techniques"]}:
            with_label[key + ("technique", t)] += 1
        for f in {f["label"] for f in doc["frames"]}:
            with_label[key + ("frame", f)] += 1
    assert len(rates) == len(articles) * (23 + 14)
    nonzero = 0
    for r in rates:
        key = (r["source"], r["month"])
        assert r["articles"] == articles[key]
        assert r["articles_with"] == with_label[key + (r["kind"], r["label"])]
        assert r["rate"] == pytest.approx(r["articles_with"] / r["articles"])
        nonzero += r["articles_with"] > 0
    assert nonzero > 0


def test_spark_job_reads_warc_through_extract(tmp_path, rhetor_bin):
    """A WARC.gz (examples/news, written for the project) as the input: the
    articles are rhetor.extract's records, analysed as the CLI would."""
    try:
        import pyspark  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError as e:
        require(False, f"pyspark/pyarrow not installed ({e}); pip install pyspark pyarrow 'pandas>=2.2'")
    import shutil

    import rhetor

    require(shutil.which("java") is not None, "java is not installed (PySpark needs Java 17)")
    warc = REPO / "examples" / "news" / "crawl.warc.gz"
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(warc, inp / "crawl.warc.gz")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(JOB), "--input", str(inp), "--output", str(out), "--model", "fast",
         "--master", "local[2]"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    records = rhetor.extract(warc)
    assert records
    cli_in = write_jsonl(tmp_path / "cli.jsonl", [{k: r[k] for k in ("id", "title", "text")} for r in records])
    expected = {d["id"]: d for d in cli_json(rhetor_bin, cli_in)}
    got = {r["id"]: r for r in pq.read_table(out / "articles").to_pylist()}
    assert sorted(got) == sorted(expected)
    meta = {r["id"]: r for r in records}
    for id_, row in got.items():
        assert (row["source"], row["published"]) == (meta[id_]["source"], meta[id_]["published"])
        assert [p["text"] for p in row["paragraphs"]] == [p["text"] for p in expected[id_]["paragraphs"]]
        assert [(s["technique"], s["start"], s["end"]) for s in row["spans"]] == [
            (s["technique"], s["start"], s["end"]) for s in expected[id_]["spans"]]
