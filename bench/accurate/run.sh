#!/usr/bin/env bash
# Accurate-model benchmark: end-to-end paragraphs per second and peak RSS of
#   rhetor analyze --model accurate --task techniques --format semeval
# over every unlabeled article of the SemEval data (encoder and model loading
# included), on all cores; the fast model on the same input for comparison.
# Needs the encoder (`rhetor models fetch`).
# Usage: bench/accurate/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
# One run each by default (the accurate run takes about a minute); RUNS=N for medians.
RUNS=${RUNS:-1}
source "$(dirname "$0")/../lib.sh"
dirs=()
for d in "$DATA"/*/unlabeled-articles; do dirs+=("$d"); done
echo "cores: $(nproc); int8 kernel: $(grep -q avx512_vnni /proc/cpuinfo && echo yes || echo no)"
measure "accurate" "$BIN" analyze --model accurate --task techniques --format semeval "${dirs[@]}"
measure "fast" "$BIN" analyze --model fast --task techniques --format semeval "${dirs[@]}"
