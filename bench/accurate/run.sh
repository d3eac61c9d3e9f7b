#!/usr/bin/env bash
# Accurate-model benchmark: end-to-end paragraphs per second and peak RSS of
#   rhetor analyze --model accurate --task techniques --format semeval
# over every unlabeled article of the SemEval data (encoder and model loading
# included), on all cores; the fast model on the same input for comparison.
# Needs the encoder (`rhetor models fetch`).
# Usage: bench/accurate/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
BIN=target/release/rhetor
cargo build --release -q
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
dirs=()
for d in "$DATA"/*/unlabeled-articles; do dirs+=("$d"); done

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >"$OUT/stdout" 2>"$OUT/stderr" || { cat "$OUT/stderr" >&2; exit 1; }
  read -r secs rss <"$OUT/time"
  rows=$(wc -l <"$OUT/stdout")
  echo "$name: $rows paragraph rows in ${secs}s = $(python3 -c "print(round($rows / $secs, 1))") paragraphs/s, peak RSS $((rss / 1024)) MB"
}
echo "cores: $(nproc); int8 kernel: $(grep -q avx512_vnni /proc/cpuinfo && echo yes || echo no)"
measure "accurate" "$BIN" analyze --model accurate --task techniques --format semeval "${dirs[@]}"
measure "fast" "$BIN" analyze --model fast --task techniques --format semeval "${dirs[@]}"
