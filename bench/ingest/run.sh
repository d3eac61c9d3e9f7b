#!/usr/bin/env bash
# Ingest throughput with the fast model on N cores (default 2): JSON Lines
# and WARC.gz (HTML pages) corpora of 20,000 articles built from the SemEval
# texts in ../shared; database bytes per article; peak RSS.
#
#   bash bench/ingest/run.sh [JOBS] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
JOBS="${1:-2}"
N="${2:-20000}"
DATA="${RHETOR_DATA:-../shared/data/semeval2023-task3}"
WORK="${BENCH_DIR:-target/bench-ingest}"
cargo build --release -q -p rhetor
mkdir -p "$WORK"
[ -f "$WORK/corpus.jsonl" ] && [ "$(wc -l < "$WORK/corpus.jsonl")" = "$N" ] || python3 bench/ingest/make_corpus.py "$DATA" "$WORK" "$N"
for input in corpus.jsonl corpus.warc.gz; do
  db="$WORK/$input.db"
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/time -f "%e s wall, %M KB peak RSS" -o "$WORK/time.txt" \
    target/release/rhetor ingest "$WORK/$input" --db "$db" --model fast --jobs "$JOBS" 2> "$WORK/ingest.log"
  tail -1 "$WORK/ingest.log"
  wall=$(cut -d' ' -f1 "$WORK/time.txt")
  articles=$(target/release/rhetor db info --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])')
  bytes=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
  echo "$input: $articles articles, $(cat "$WORK/time.txt"), $(python3 -c "print(round($articles/$wall))") articles/s, $(( bytes / articles )) DB bytes/article"
done
