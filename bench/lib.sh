# Shared by the benchmark scripts (sourced, not run): builds rhetor, sets
# DATA (first argument or ../shared/data/semeval2023-task3), BIN and a
# scratch folder OUT, and defines `measure`.
# Callers set RUNS (how many times `measure` runs a command) first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA=${1:-../shared/data/semeval2023-task3}
BIN=target/release/rhetor
cargo build --release -q
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

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

