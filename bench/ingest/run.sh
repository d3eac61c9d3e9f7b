#!/usr/bin/env bash
# Ingest throughput with the fast model on N cores (default 2): JSON Lines
# and WARC.gz (HTML pages) corpora of 20,000 articles built from the SemEval
# texts in ../shared; database bytes per article; peak RSS.
#
#   bash bench/ingest/run.sh [JOBS] [N]
#
# RHETOR_BIN=path runs that binary instead of building target/release/rhetor
# (to measure an older build on the same corpus).
set -euo pipefail
cd "$(dirname "$0")/../.."
JOBS="${1:-2}"
N="${2:-20000}"
DATA="${RHETOR_DATA:-../shared/data/semeval2023-task3}"
WORK="${BENCH_DIR:-target/bench-ingest}"
BIN="${RHETOR_BIN:-target/release/rhetor}"
[ -n "${RHETOR_BIN:-}" ] || cargo build --release -q -p rhetor
mkdir -p "$WORK"
[ -f "$WORK/corpus.jsonl" ] && [ "$(wc -l < "$WORK/corpus.jsonl")" = "$N" ] || python3 bench/ingest/make_corpus.py "$DATA" "$WORK" "$N"
# Paragraphs analysed per article: the title line and every body line.
paragraphs=$(python3 -c 'import json,sys; print(sum(1 + len([l for l in json.loads(r)["text"].split("\n") if l.strip()]) for r in open(sys.argv[1], encoding="utf-8")))' "$WORK/corpus.jsonl")
for input in corpus.jsonl corpus.warc.gz; do
  db="$WORK/$input.db"
  rm -f "$db" "$db-wal" "$db-shm"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" \
    "$BIN" ingest "$WORK/$input" --db "$db" --model fast --jobs "$JOBS" 2> "$WORK/ingest.log"
  tail -1 "$WORK/ingest.log"
  read -r wall user sys rss < "$WORK/time.txt"
  articles=$("$BIN" db info --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])')
  bytes=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
  # On a shared machine wall time depends on the others' load; CPU time
  # (user + system) does not: both are printed.
  echo "$input: $articles articles in ${wall} s wall ($(python3 -c "print(round($articles/$wall))") articles/s, $(python3 -c "print(round($paragraphs*$articles/$N/$wall))") paragraphs/s), ${user} s user + ${sys} s sys ($(python3 -c "print(round($articles/($user+$sys)))") articles, $(python3 -c "print(round($paragraphs*$articles/$N/($user+$sys)))") paragraphs per CPU-second), peak RSS $(( rss / 1024 )) MB, $(( bytes / articles )) DB bytes/article; load average before: $load"
done
