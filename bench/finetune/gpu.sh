#!/usr/bin/env bash
# The whole encoder fine-tuned on one GPU against the frozen encoder, on the
# folds of `rhetor train --cv 5` and leaving each language out (issue 15
# item 4; docs/evaluation.md, "Fine-tuning the whole encoder on a GPU").
#
# Here (with the data and the encoder):
#   cargo run --release -p rhetor-accurate --example finetune_cache -- ../shared/data/semeval2023-task3 ids
#   python3 bench/finetune/gpu_pack.py ~/.cache/rhetor/finetune/ids \
#       ~/.cache/rhetor/multilingual-e5-small/e5-small-q4.bin .gpu     # 27 MB, git-ignored
# On the GPU machine (Python 3 with jax[cuda], optax, numpy):
#   bench/finetune/gpu.sh .gpu OUT
# Then here: python3 bench/finetune/gpu_score.py .gpu OUT
set -euo pipefail
PACK=$1
OUT=$2
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
# The main setting: both schemes, then the encoder tuned on every article.
python3 bench/finetune/gpu_finetune.py "$PACK" "$OUT" --budget-s "${BUDGET1:-330}" --full
# One other step size, on the five folds only, in what time is left.
python3 bench/finetune/gpu_finetune.py "$PACK" "$OUT/lr1e-4" --schemes cv5 --lr-layer 1e-4 --budget-s "${BUDGET2:-150}"
