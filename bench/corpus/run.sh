#!/usr/bin/env bash
# Corpus queries on a generated corpus (default 100,000 articles): stats,
# search, narratives (full, then incremental after 1,000 more articles)
# and the dashboard's pages. The corpus is written by
# crates/rhetor-corpus/examples/make_corpus.rs through the store API with
# generated analyses (the model is not run: this times queries, not
# analysis). Each figure is the median of RUNS runs (default 5) of the
# command, process start included; CPU seconds are printed beside wall
# seconds because the development machine is shared.
#
#   bash bench/corpus/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-100000}"
RUNS="${RUNS:-5}"
WORK="${BENCH_DIR:-target/bench-corpus}"
BIN=target/release/rhetor
cargo build --release -q -p rhetor
cargo build --release -q -p rhetor-corpus --example make_corpus
mkdir -p "$WORK"
DB="$WORK/corpus-$N.db"
if [ ! -f "$DB.done" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  target/release/examples/make_corpus "$DB" "$N"
  touch "$DB.done"
fi

# median NAME COMMAND...: median wall and CPU seconds of RUNS runs.
median() {
  local name=$1; shift
  : > "$WORK/runs"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    cat "$WORK/time" >> "$WORK/runs"
  done
  python3 - "$name" "$WORK/runs" <<'PY'
import statistics, sys
runs = [list(map(float, l.split())) for l in open(sys.argv[2])]
wall = statistics.median(r[0] for r in runs)
cpu = statistics.median(r[1] + r[2] for r in runs)
print(f"{sys.argv[1]}: median {wall*1000:.0f} ms wall, {cpu*1000:.0f} ms CPU ({len(runs)} runs: {', '.join(f'{r[0]:.2f}' for r in runs)} s)")
PY
}

echo "corpus: $N articles, $(du -m "$DB" | cut -f1) MB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
median "stats --by source,month (json)" $BIN stats --db "$DB" --by source,month --format json
median "stats --by source --task frames (table)" $BIN stats --db "$DB" --by source --task frames
median "stats --by week" $BIN stats --db "$DB" --by week --format json
# "kalo" is the most frequent generated word (in 75,000 of the 700,000
# lines): the worst case; "retufe" is in about 1,100 lines.
median "search the most common word" $BIN search kalo --db "$DB" --limit 20
median "search a word in 1,100 lines" $BIN search retufe --db "$DB" --limit 20
median "search the most common word, technique and source filters" $BIN search kalo --db "$DB" --technique Appeal_to_Fear-Prejudice --source "Outlet 07" --limit 20
RUNS=1 median "narratives --full (lexical)" $BIN narratives --db "$DB" --full --format jsonl
grep -o 'recomputed.*' "$WORK/err" || true
wc -l < "$WORK/out" | sed 's/^/clusters of 2 or more: /'
# 1,000 new articles, then an incremental update.
INC="$WORK/inc-$N.db"
cp "$DB" "$INC"
target/release/examples/make_corpus "$INC" 1000 "$N"
RUNS=1 median "narratives, 1,000 new articles (incremental)" $BIN narratives --db "$INC" --format jsonl
grep -o 'updated.*' "$WORK/err" || true
rm -f "$INC" "$INC-wal" "$INC-shm"

# The dashboard: the page and every JSON request it makes on load.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$BIN serve --db "$DB" --model fast --addr "127.0.0.1:$PORT" 2> "$WORK/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done
for path in "/corpus" "/v1/stats?by=source&task=techniques&limit=1000" "/v1/stats?by=source&task=techniques&source=Outlet%2007" \
            "/v1/stats?by=none&task=techniques" "/v1/stats?by=month&task=techniques&limit=1000" \
            "/v1/stats?by=month&task=techniques&source=Outlet%2007&limit=1000" "/v1/articles?limit=50" \
            "/v1/search?q=kalo&limit=50" "/v1/search?q=retufe&limit=50" "/v1/narratives?limit=20" "/v1/articles/1" "/articles/1"; do
  : > "$WORK/runs"
  for _ in $(seq "$RUNS"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$PORT$path" >> "$WORK/runs"
  done
  python3 - "$path" "$WORK/runs" <<'PY'
import statistics, sys
runs = [l.split() for l in open(sys.argv[2])]
assert all(r[0] == "200" for r in runs), runs
print(f"GET {sys.argv[1]}: median {statistics.median(float(r[1]) for r in runs)*1000:.0f} ms")
PY
done
