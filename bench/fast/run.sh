#!/usr/bin/env bash
# Fast-model benchmark: end-to-end throughput of
#   rhetor analyze --model fast --task techniques --format semeval
# over every train and unlabeled article of the SemEval data (model loading
# included), training time of all four tasks, and peak RSS of both.
# Each analyze figure is the median of RUNS runs (default 5): timings on a
# shared 2-core machine are noisy, so all runs are printed too.
# Usage: bench/fast/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
RUNS=${RUNS:-5}
source "$(dirname "$0")/../lib.sh"

dirs=()
for d in "$DATA"/*/train-articles "$DATA"/*/unlabeled-articles; do dirs+=("$d"); done
unl=()
for d in "$DATA"/*/unlabeled-articles; do unl+=("$d"); done

measure "analyze, all articles, 2 cores" "$BIN" analyze --model fast --task techniques --format semeval "${dirs[@]}"
measure "analyze, unlabeled only, 2 cores" "$BIN" analyze --model fast --task techniques --format semeval "${unl[@]}"
RAYON_NUM_THREADS=1 measure "analyze, unlabeled only, 1 thread" "$BIN" analyze --model fast --task techniques --format semeval "${unl[@]}"

/usr/bin/time -f "%e %M" -o "$OUT/time" "$BIN" train --data "$DATA" --out "$OUT/model.bin" >"$OUT/stdout" 2>"$OUT/stderr" || { cat "$OUT/stderr" >&2; exit 1; }
read -r secs rss <"$OUT/time"
echo "train (all four tasks): ${secs} s, peak RSS $((rss / 1024)) MB"
cmp -s "$OUT/model.bin" models/fast.bin && echo "  retrained model is identical to models/fast.bin" || echo "  retrained model differs from models/fast.bin"
