#!/usr/bin/env bash
# Evidence quality (issue 15), from the fast model's held-out scores:
#   spans.txt        span P/R/F1 (5-fold CV, pooled and per language) of the
#                    old decision and of the three evidence levels
#   calibration.txt  reliability tables and expected calibration error of the
#                    scores shown (paragraph techniques, frames, spans at each
#                    level), per language family
#   caps.txt         leave-one-language-out frames and techniques micro-F1
#                    with the caps for languages never trained on
# The held-out scores are cached in ~/.cache/rhetor/evidence (5 + 6 fast
# models trained once, ≈ 10 min each on 2 cores); later runs take seconds.
# Usage: bench/evidence/run.sh [DATA_DIR]   (default ../shared/data/semeval2023-task3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/semeval2023-task3}
CACHE=${RHETOR_EVIDENCE_CACHE:-$HOME/.cache/rhetor/evidence}
mkdir -p "$CACHE"
cargo build --release -q -p rhetor-model --examples
EX=target/release/examples
[ -f "$CACHE/cv.bin" ] || "$EX/evidence_oof" "$DATA" cv "$CACHE/cv.bin"
[ -f "$CACHE/lolo.bin" ] || "$EX/evidence_oof" "$DATA" lolo "$CACHE/lolo.bin"
"$EX/evidence_tune" "$DATA" "$CACHE/cv.bin" >bench/evidence/spans.txt
{
  CALIBRATION=1 "$EX/evidence_caps" "$DATA" "$CACHE/cv.bin"
  CALIBRATION=1 "$EX/evidence_tune" "$DATA" "$CACHE/cv.bin" | grep -v '^\(legacy\|shipped\)'
} >bench/evidence/calibration.txt
"$EX/evidence_caps" "$DATA" "$CACHE/lolo.bin" >bench/evidence/caps.txt
echo "wrote bench/evidence/spans.txt, calibration.txt, caps.txt"
