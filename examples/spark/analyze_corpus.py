#!/usr/bin/env python3
"""Analyse a news corpus with rhetor on Spark.

    analyze_corpus.py --input PATH --output DIR [--model fast|accurate|auto|FILE]
                      [--master local[2]] [--partitions N] [--batch-size N]

Reads JSON Lines or Parquet (columns ``id``, ``title``, ``text``, ``source``,
``published``; only ``text`` is required), or WARC/WARC.gz files (a file, a
folder or a glob whose names end in ``.warc`` or ``.warc.gz``: every HTML
response becomes an article through ``rhetor.extract``, on the executors),
runs rhetor on every executor with
``mapInArrow`` (one ``rhetor.Analyzer`` per Python worker, loaded once, fed
Arrow batches: no Python object per article), and writes Parquet:

* ``DIR/articles``: one row per article, the columns of
  ``Analyzer.analyze_arrow`` plus the input's ``source`` and ``published``;
* ``DIR/rates``: per source and month (``published``'s first 7 characters,
  ``YYYY-MM``), for every technique and frame, the number of articles and the
  share of them where it was found (``kind``, ``label``, ``articles``,
  ``articles_with``, ``rate``).

Articles whose text is blank are dropped (and counted on stderr). It runs
unchanged on ``local[*]`` and on a cluster: there, leave ``--master`` out and
let ``spark-submit`` choose, with the ``rhetor`` wheel installed on every
node or shipped with the job (see docs/python.md).
"""

import argparse
import os
import sys

# Spark's Python workers run this interpreter (where rhetor is installed)
# unless the cluster says otherwise.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

ARTICLE_COLUMNS = ["id", "title", "text", "source", "published"]

LABEL_SCORE = "array<struct<label:string,score:float>>"
OUTPUT_SCHEMA = (
    "id string, title string, language string, model string, genre string, genre_score float, "
    f"frames {LABEL_SCORE}, "
    f"paragraphs array<struct<line:int,start:bigint,text:string,techniques:{LABEL_SCORE}>>, "
    "spans array<struct<technique:string,start:bigint,end:bigint,text:string,score:float>>, "
    "source string, published string"
)

_ANALYZERS = {}


def worker_analyzer(model):
    """One Analyzer per Python worker process (reused by every task the
    worker runs; rhetor also loads each model once per process)."""
    import rhetor

    if model not in _ANALYZERS:
        _ANALYZERS[model] = rhetor.Analyzer(model)
    return _ANALYZERS[model]


# A character that is not white space as rhetor means it (Rust's
# char::is_whitespace, the Unicode White_Space property: tab to carriage
# return, NEL, the Zs spaces, the line and paragraph separators) nor a BOM.
# RE2 syntax, as pyarrow's match_substring_regex reads it.
NOT_BLANK = r"[^\x{09}-\x{0D}\x{85}\p{Zs}\x{2028}\x{2029}\x{FEFF}]"


def analyze_batches(model, batch_size, blanks=None):
    """The function mapInArrow runs on each partition's Arrow batches.
    Articles whose text is missing or blank (white space, BOMs) are dropped
    here, in the same pass, and counted in the accumulator ``blanks``
    (rhetor would refuse them)."""

    def run(batches):
        import pyarrow as pa
        import pyarrow.compute as pc

        analyzer = worker_analyzer(model)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            text = batch.column(batch.schema.get_field_index("text"))
            keep = pc.fill_null(pc.match_substring_regex(text, NOT_BLANK), False)
            dropped = batch.num_rows - pc.sum(keep).as_py() if batch.num_rows else 0
            if dropped:
                if blanks is not None:
                    blanks.add(dropped)
                batch = batch.filter(keep)
                if batch.num_rows == 0:
                    continue
            out = analyzer.analyze_arrow(
                pa.Table.from_batches([batch]),
                text_column="text",
                title_column="title",
                id_column="id",
                keep=["source", "published"],
            )
            yield from out.to_batches(max_chunksize=batch_size)

    return run


WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc_input(path):
    """A WARC file, glob, or local folder holding WARC files."""
    if path.rstrip("/").endswith(WARC_SUFFIXES):
        return True
    return os.path.isdir(path) and any(n.endswith(WARC_SUFFIXES) for n in os.listdir(path))


def extract_warc_files(pairs):
    """(path, bytes) of WARC files → article rows, by rhetor.extract (a file
    cut in the middle keeps its complete records, with a warning)."""
    import tempfile

    import rhetor

    for name, data in pairs:
        if not name.endswith(WARC_SUFFIXES):
            continue
        suffix = ".warc.gz" if name.endswith(".gz") else ".warc"
        with tempfile.NamedTemporaryFile(suffix=suffix) as f:
            f.write(data)
            f.flush()
            for r in rhetor.extract(f.name, keep_going=True):
                yield (r["id"], r.get("title"), r["text"], r.get("source"), r.get("published"))


def read_warc(spark, path, partitions):
    files = spark.sparkContext.binaryFiles(path, minPartitions=partitions or None)
    schema = "id string, title string, text string, source string, published string"
    return spark.createDataFrame(files.mapPartitions(extract_warc_files), schema)


def read_articles(spark, path, partitions=None):
    from pyspark.sql import functions as F

    if is_warc_input(path):
        return read_warc(spark, path, partitions)
    is_parquet = path.endswith(".parquet") or (
        os.path.isdir(path) and any(n.endswith(".parquet") for n in os.listdir(path))
    )
    df = spark.read.parquet(path) if is_parquet else spark.read.json(path)
    if "text" not in df.columns:
        raise SystemExit(f"analyze_corpus: {path} has no 'text' column (columns: {', '.join(df.columns)})")
    for name in ARTICLE_COLUMNS:
        if name not in df.columns:
            df = df.withColumn(name, F.lit(None).cast("string"))
    cols = [F.col(c).cast("string").alias(c) for c in ARTICLE_COLUMNS]
    df = df.select(*cols)
    # Articles without an id are numbered (stable within one run).
    df = df.withColumn("id", F.coalesce(F.col("id"), F.monotonically_increasing_id().cast("string")))
    return df


def rates(spark, articles):
    """Per source and month, the share of articles with each technique and frame."""
    from pyspark.sql import functions as F

    import rhetor

    labels = rhetor.labels()
    inventory = spark.createDataFrame(
        [("technique", t["label"]) for t in labels["techniques"]] + [("frame", f["label"]) for f in labels["frames"]],
        "kind string, label string",
    )
    a = articles.select(
        F.coalesce("source", F.lit("")).alias("source"),
        F.coalesce(F.substring("published", 1, 7), F.lit("")).alias("month"),
        F.array_distinct(F.flatten(F.transform("paragraphs", lambda p: F.transform(p["techniques"], lambda t: t["label"])))).alias("techniques"),
        F.transform("frames", lambda f: f["label"]).alias("frames"),
    )
    groups = a.groupBy("source", "month").agg(F.count(F.lit(1)).alias("articles"))
    found = a.select("source", "month", F.lit("technique").alias("kind"), F.explode("techniques").alias("label")).unionByName(
        a.select("source", "month", F.lit("frame").alias("kind"), F.explode("frames").alias("label"))
    )
    counts = found.groupBy("source", "month", "kind", "label").agg(F.count(F.lit(1)).alias("articles_with"))
    return (
        groups.crossJoin(inventory)
        .join(counts, ["source", "month", "kind", "label"], "left")
        .withColumn("articles_with", F.coalesce("articles_with", F.lit(0)).cast("long"))
        .withColumn("rate", F.col("articles_with") / F.col("articles"))
        .select("source", "month", "kind", "label", "articles", "articles_with", "rate")
    )


def main(argv=None):
    p = argparse.ArgumentParser(description="Analyse a news corpus with rhetor on Spark.")
    p.add_argument("--input", required=True, help="JSON Lines, Parquet or WARC/WARC.gz file or folder")
    p.add_argument("--output", required=True, help="output folder (articles/ and rates/ are written in it)")
    p.add_argument("--model", default="auto", help="auto, fast, accurate or a model file (default: auto)")
    p.add_argument("--master", default=None, help="Spark master, e.g. local[2] (default: spark-submit's)")
    p.add_argument("--partitions", type=int, default=None, help="repartition the input into N partitions")
    p.add_argument("--batch-size", type=int, default=1024, help="articles per Arrow batch (default: 1024)")
    args = p.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    builder = SparkSession.builder.appName("rhetor analyze_corpus")
    if args.master:
        builder = builder.master(args.master)
    spark = (
        builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch_size))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        df = read_articles(spark, args.input, args.partitions)
        if args.partitions:
            df = df.repartition(args.partitions)
        # Blank articles are dropped and counted while the job runs, not by
        # a second pass over the input.
        blanks = spark.sparkContext.accumulator(0)
        articles = df.mapInArrow(analyze_batches(args.model, args.batch_size, blanks), OUTPUT_SCHEMA)
        out_articles = os.path.join(args.output, "articles")
        articles.write.mode("overwrite").parquet(out_articles)
        written = spark.read.parquet(out_articles)
        rates(spark, written).write.mode("overwrite").parquet(os.path.join(args.output, "rates"))
        n = written.count()
        skipped = blanks.value
        print(f"analyze_corpus: {n} articles -> {out_articles}" + (f"; {skipped} blank skipped" if skipped else ""), file=sys.stderr)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
