#!/usr/bin/env bash
# Fine-tuning the encoder's top layer on the CPU, against the frozen encoder
# on the same folds (issue 15 item 4; docs/evaluation.md, "Fine-tuning the
# encoder's top layers on the CPU"). Needs the encoder (`rhetor models
# fetch`), the SemEval data, Python 3 with jax[cpu], optax and numpy.
#
# 1. caches the states after the 11 frozen layers of every training
#    paragraph (~1 GB, ~/.cache/rhetor/finetune/k1; skipped when present);
# 2. per test fold: heads on the frozen encoder, then the top layer and the
#    heads fine-tuned jointly, then heads refitted on the fine-tuned
#    embeddings; writes bench/finetune/results.json.
#
# Usage: bench/finetune/run.sh [DATA_DIR]   FOLDS=0,1,2,3,4 EPOCHS=2 (defaults: 0 and 2)
# Runs under nice -n 10 (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
K=1
CACHE="$HOME/.cache/rhetor/finetune/k$K"
if [ ! -f "$CACHE/meta.json" ]; then
  cargo build --release -q -p rhetor-accurate --example finetune_cache
  nice -n 10 target/release/examples/finetune_cache "$DATA" "$K"
fi
nice -n 10 python3 bench/finetune/finetune.py --cache "$CACHE" \
  --folds "${FOLDS:-0}" --epochs "${EPOCHS:-2}" --out bench/finetune/results.json
