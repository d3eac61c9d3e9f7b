#!/usr/bin/env bash
# Fast-model benchmark: end-to-end throughput of
#   rhetor analyze --task techniques --format semeval
# over every train and unlabeled article of the SemEval data (model loading
# included), training time of all four tasks, and peak RSS of both.
# Usage: bench/fast/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
BIN=target/release/rhetor
cargo build --release -q
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

dirs=()
for d in "$DATA"/*/train-articles "$DATA"/*/unlabeled-articles; do dirs+=("$d"); done

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >"$OUT/stdout" 2>"$OUT/stderr" || { cat "$OUT/stderr" >&2; exit 1; }
  read -r secs rss <"$OUT/time"
  echo "$name: ${secs}s, peak RSS $((rss / 1024)) MB"
}

for run in 1 2 3; do
  measure "analyze run $run" "$BIN" analyze --task techniques --format semeval "${dirs[@]}"
  rows=$(wc -l <"$OUT/stdout")
  echo "  $rows paragraph rows, $(python3 -c "print(round($rows / $secs))") paragraphs/s (2 cores, model loading included)"
done
unl=()
for d in "$DATA"/*/unlabeled-articles; do unl+=("$d"); done
measure "analyze unlabeled only" "$BIN" analyze --task techniques --format semeval "${unl[@]}"
rows=$(wc -l <"$OUT/stdout")
echo "  $rows paragraph rows, $(python3 -c "print(round($rows / $secs))") paragraphs/s"
RAYON_NUM_THREADS=1 measure "analyze unlabeled only, 1 thread" "$BIN" analyze --task techniques --format semeval "${unl[@]}"
echo "  $rows paragraph rows, $(python3 -c "print(round($rows / $secs))") paragraphs/s on one core"
measure "train (all four tasks)" "$BIN" train --data "$DATA" --out "$OUT/model.bin"
cmp -s "$OUT/model.bin" models/fast.bin && echo "  retrained model is identical to models/fast.bin" || echo "  retrained model differs from models/fast.bin"
