#!/usr/bin/env bash
# Load test of POST /v1/analyze on loopback: 64 connections for 2 minutes
# (override with DURATION=30s CONNECTIONS=16), RSS of the server sampled
# every 10 s. Uses the release build. Needs `wrk` (apt-get install wrk).
# Prints the figures recorded in the README's "HTTP API" section.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-120s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18181}
MODEL=${MODEL:-fast}
BIN=target/release/rhetor
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release
LOG=$(mktemp)
# Request logs off (RUST_LOG=warn): at thousands of requests per second the
# log lines would measure the terminal, not the server.
RUST_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --model "$MODEL" 2>"$LOG" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "server: $(curl -sf "http://127.0.0.1:$PORT/healthz")"
echo "rss_kib at start: $(ps -o rss= -p $SERVER)"
(
  t=0
  while kill -0 $SERVER 2>/dev/null; do
    sleep 10
    t=$((t + 10))
    echo "rss_kib at ${t}s: $(ps -o rss= -p $SERVER 2>/dev/null || echo gone)"
  done
) &
SAMPLER=$!
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/http/analyze.lua \
  "http://127.0.0.1:$PORT/v1/analyze"
kill $SAMPLER 2>/dev/null || true
echo "rss_kib at end: $(ps -o rss= -p $SERVER)"
# The server must still answer after the run.
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && echo "healthz after run: ok"
