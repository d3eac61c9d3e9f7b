#!/usr/bin/env bash
# Fast-model benchmark: end-to-end throughput of
#   rhetor analyze --model fast --task techniques --format semeval
# over every train and unlabeled article of the SemEval data (model loading
# included), training time of all four tasks, and peak RSS of both.
# Each analyze figure is the median of RUNS runs (default 5): timings on a
# shared 2-core machine are noisy, so all runs are printed too.
# Usage: bench/fast/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
RUNS=${RUNS:-5}
BIN=target/release/rhetor
cargo build --release -q
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

dirs=()
for d in "$DATA"/*/train-articles "$DATA"/*/unlabeled-articles; do dirs+=("$d"); done
unl=()
for d in "$DATA"/*/unlabeled-articles; do unl+=("$d"); done

# measure NAME COMMAND...: runs COMMAND RUNS times, prints every run and the
# median wall time, peak RSS and rows/s (rows: lines of its output).
measure() {
  local name=$1; shift
  : >"$OUT/runs"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >"$OUT/stdout" 2>"$OUT/stderr" || { cat "$OUT/stderr" >&2; exit 1; }
    echo "$(cat "$OUT/time") $(wc -l <"$OUT/stdout")" >>"$OUT/runs"
  done
  python3 - "$name" "$OUT/runs" <<'EOF'
import statistics, sys
name, path = sys.argv[1], sys.argv[2]
runs = [tuple(map(float, l.split())) for l in open(path)]
secs = [r[0] for r in runs]
med = statistics.median(secs)
rows = int(runs[0][2])
rss = max(r[1] for r in runs) / 1024
print(f"{name}: median {med:.2f} s over {len(runs)} runs ({', '.join(f'{s:.2f}' for s in secs)}), peak RSS {rss:.0f} MB")
print(f"  {rows} paragraph rows, {rows / med:,.0f} paragraphs/s at the median (best run {rows / min(secs):,.0f}/s)")
EOF
}

measure "analyze, all articles, 2 cores" "$BIN" analyze --model fast --task techniques --format semeval "${dirs[@]}"
measure "analyze, unlabeled only, 2 cores" "$BIN" analyze --model fast --task techniques --format semeval "${unl[@]}"
RAYON_NUM_THREADS=1 measure "analyze, unlabeled only, 1 thread" "$BIN" analyze --model fast --task techniques --format semeval "${unl[@]}"

/usr/bin/time -f "%e %M" -o "$OUT/time" "$BIN" train --data "$DATA" --out "$OUT/model.bin" >"$OUT/stdout" 2>"$OUT/stderr" || { cat "$OUT/stderr" >&2; exit 1; }
read -r secs rss <"$OUT/time"
echo "train (all four tasks): ${secs} s, peak RSS $((rss / 1024)) MB"
cmp -s "$OUT/model.bin" models/fast.bin && echo "  retrained model is identical to models/fast.bin" || echo "  retrained model differs from models/fast.bin"
