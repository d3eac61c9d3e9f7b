#!/usr/bin/env bash
# Issue 10's huge inputs: peak RSS and time of `rhetor analyze` on a 50 MB
# one-line paragraph and on an article of 200,000 lines (generated from the
# English SemEval training articles into a temporary folder, never the
# repo), then the RSS of `rhetor serve` after one 5 MB request.
#   bench/huge/run.sh [DATA_DIR]
#   MODELS="fast accurate"  models to run (default: fast)
#   BIN=path/to/rhetor       another binary (e.g. an older build, to compare)
#   LIMIT_S=600 LIMIT_GB=7   each run is capped (timeout, address space)
#   INPUTS="para50mb lines200k"  which inputs to run (default: both)
#   SERVE=0                  skip the server measurement
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
BIN=${BIN:-target/release/rhetor}
MODELS=${MODELS:-fast}
LIMIT_S=${LIMIT_S:-600}
LIMIT_GB=${LIMIT_GB:-7}
INPUTS=${INPUTS:-para50mb lines200k}
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
[ "$BIN" != target/release/rhetor ] || cargo build --release -q
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
python3 bench/huge/make_inputs.py "$DATA" "$OUT"

for model in $MODELS; do
  for input in $INPUTS; do
    /usr/bin/time -v -o "$OUT/time" timeout "$LIMIT_S" prlimit --as=$((LIMIT_GB << 30)) \
      "$BIN" analyze --model "$model" --format jsonl "$OUT/$input/article.txt" \
      2>"$OUT/stderr" | wc -c >"$OUT/bytes" || true
    status=$(sed -n 's/.*Exit status: //p' "$OUT/time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$OUT/time")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$OUT/time")
    echo "$model $input: exit $status, wall $wall, cpu ${cpu} s, peak RSS ${rss} MB, output $(cat "$OUT/bytes") bytes"
    grep -m3 . "$OUT/stderr" | sed 's/^/    /' || true
  done
done

[ "${SERVE:-1}" = 1 ] || exit 0

# The server: RSS before and after one 5 MB one-line request (fast model).
PORT=${PORT:-18183}
head -c 5000000 "$OUT/para50mb/article.txt" | python3 -c '
import json, sys
print(json.dumps({"text": sys.stdin.buffer.read().decode("utf-8", "ignore")}))' >"$OUT/req.json"
RUST_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --model fast 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "serve: RSS at start $(( $(ps -o rss= -p $SERVER) / 1024 )) MB"
start=$(date +%s.%N)
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$OUT/req.json" "http://127.0.0.1:$PORT/v1/analyze")
echo "serve: 5 MB request answered $code in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
for s in 1 5 10; do
  sleep $(( s == 1 ? 1 : s == 5 ? 4 : 5 ))
  echo "serve: RSS ${s} s after the answer $(( $(ps -o rss= -p $SERVER) / 1024 )) MB, cpu $(ps -o time= -p $SERVER)"
done
