#!/usr/bin/env bash
# Instructions per page of `rhetor extract`, by page layout, under
# callgrind (deterministic, unlike CPU time on a shared machine): each
# layout's pages (bench/extract/pages and heldout) copied 10 times, one
# thread. Several builds side by side compare before and after a change.
#
#   bash bench/extract/instructions.sh [BIN]...   # default target/release/rhetor
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- target/release/rhetor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for layout in classic component divs portal sections table teaser wordpress; do
  d="$work/$layout"
  mkdir -p "$d"
  for c in $(seq 1 10); do
    for f in bench/extract/*/*-"$layout".html; do cp "$f" "$d/$c-$(basename "$f")"; done
  done
  n=$(ls "$d" | wc -l)
  line="$layout ($n pages):"
  for bin in "$@"; do
    ir=$(RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" extract "$d" 2>&1 >/dev/null |
      awk '/Collected/ {gsub(",", "", $4); print $4}')
    line="$line $bin $((ir / n))"
  done
  echo "$line"
done
