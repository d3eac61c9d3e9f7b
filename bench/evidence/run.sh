#!/usr/bin/env bash
# Evidence quality (issue 15), from the fast model's held-out scores:
#   spans.txt        span P/R/F1 (5-fold CV, pooled and per language) of the
#                    old decision and of the three evidence levels
#   calibration.txt  reliability tables and expected calibration error of the
#                    scores shown (paragraph techniques, frames, spans at each
#                    level), per language family
#   caps.txt         leave-one-language-out frames and techniques micro-F1
#                    with the caps for languages never trained on
#   spans-accurate.txt, calibration-accurate.txt
#                    the same for the accurate model's encoder span tagger
#                    blended with the fast tagger (w = 0.65 / 0.6 / 0.5 for
#                    precise / balanced / recall), when the encoder is
#                    fetched: spans on the accurate model's own held-out
#                    paragraph decisions (the shipped figures), on the fast
#                    model's (the previous measure), on the gold ones
#                    (oracle), and the nested search (each fold's rule
#                    chosen on the other four). Word states are cached in
#                    ~/.cache/rhetor/train (≈ 25 min once), the encoder
#                    tagger's held-out probabilities ≈ 2 min, the accurate
#                    heads' held-out decisions ≈ 2 min (both cached), the
#                    nested search ≈ 5 min.
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
if [ ! -f "$HOME/.cache/rhetor/multilingual-e5-small/tokenizer.json" ]; then
  echo "SKIPPED the accurate model's span tagger: no encoder (rhetor models fetch)"
  exit 0
fi
cargo build --release -q -p rhetor-accurate --examples
"$EX/span_states" "$DATA"
[ -f "$CACHE/enc-only.bin" ] || INPUT=state AVG=1 "$EX/span_oof" "$DATA" "$CACHE/cv.bin" "$CACHE/enc-only.bin"
# The fast model's dump with the accurate model's held-out paragraph
# techniques (heads fitted without each fold; cached in accurate-cv.bin).
[ -f "$CACHE/acc-cv.bin" ] || "$EX/span_paragraphs" "$DATA" "$CACHE/cv.bin" "$CACHE/acc-cv.bin"
# The shipped levels (tagger.rs SHIPPED_RULES, SHIPPED_BLEND), with their calibration.
export ENCODER="$CACHE/enc-only.bin" BLENDS=0.65,0.6,0.5
export LEVELS="0.85,0,0,1,1,0.35,3,0.75,2.193,-1.456;0.7,0,1,0,1,0.2,0,0.75,2.605,-2.256;0.5,0,0,1,1,0.2,0,0.75,3.453,-2.914"
{
  echo "== the accurate model's held-out paragraph decisions (what --model accurate does; shipped)"
  "$EX/evidence_tune" "$DATA" "$CACHE/acc-cv.bin" | grep -v '^legacy'
  echo "== the fast model's held-out paragraph decisions (the measure before)"
  "$EX/evidence_tune" "$DATA" "$CACHE/cv.bin" | grep -v '^legacy'
  echo "== gold paragraph techniques (oracle)"
  ORACLE=1 "$EX/evidence_tune" "$DATA" "$CACHE/acc-cv.bin" | grep -v '^legacy'
  echo "== nested: each fold's rule and blend searched on the other four folds, from the previous levels"
  LEVELS="0.85,0,0,1,1,0.35,0,0.75;0.7,0,1,0,1,0.2,0,0.75;0.4,0,0,1,1,0.2,0,0.75" BLENDS=0.65,0.5,0.5 \
    GRID=pbr NESTED=1 "$EX/evidence_tune" "$DATA" "$CACHE/acc-cv.bin" | grep -v '^\(legacy\|shipped\)'
} >bench/evidence/spans-accurate.txt
CALIBRATION=1 "$EX/evidence_tune" "$DATA" "$CACHE/acc-cv.bin" | grep -v '^\(legacy\|shipped\)' >bench/evidence/calibration-accurate.txt
echo "wrote bench/evidence/spans-accurate.txt, calibration-accurate.txt"
