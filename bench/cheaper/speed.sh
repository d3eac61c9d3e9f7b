#!/usr/bin/env bash
# CPU time of the fast model's variants (issue 12's cheaper-model study,
# docs/ingest.md), paired: the model files alternate, ROUNDS rounds.
#
#   bash bench/cheaper/speed.sh MODELDIR [ROUNDS] [N] VARIANT...
#
# MODELDIR holds VARIANT.bin files written by
# `cargo run --release -p rhetor-model --example cheaper_fast`. Per run:
# `ingest` of the first N lines (default 3000) of bench/ingest's corpus into a
# fresh database, then `analyze --format jsonl` of the same lines (the model,
# language identification and printing, no SQLite). CPU = user + system.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="$1"; ROUNDS="${2:-2}"; N="${3:-3000}"; shift 3
BIN="${RHETOR_BIN:-target/release/rhetor}"
WORK="${BENCH_DIR:-target/bench-ingest}"
[ -f "$WORK/corpus.jsonl" ] || { echo "run bench/ingest/run.sh first (it writes $WORK/corpus.jsonl)" >&2; exit 1; }
head -n "$N" "$WORK/corpus.jsonl" > "$WORK/first.jsonl"
cpu() { read -r u s m < "$WORK/t.txt"; python3 -c "print(f'{$u+$s:.2f} {$m//1024}')"; }
echo "round variant ingest_cpu_s ingest_rss_mb analyze_cpu_s analyze_rss_mb articles_per_cpu_s_ingest"
for r in $(seq "$ROUNDS"); do
  for v in "$@"; do
    db="$WORK/cheaper.db"; rm -f "$db" "$db-wal" "$db-shm"
    /usr/bin/time -f "%U %S %M" -o "$WORK/t.txt" "$BIN" ingest "$WORK/first.jsonl" --db "$db" --model "$DIR/$v.bin" --jobs 2 2>/dev/null
    read -r ic irss < <(cpu)
    /usr/bin/time -f "%U %S %M" -o "$WORK/t.txt" "$BIN" analyze --format jsonl --model "$DIR/$v.bin" - < "$WORK/first.jsonl" > /dev/null
    read -r ac arss < <(cpu)
    echo "$r $v $ic $irss $ac $arss $(python3 -c "print(round($N/$ic))")"
  done
done
