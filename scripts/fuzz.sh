#!/usr/bin/env bash
# Fuzzes Hark's input handling: every target of the `hark-fuzz` crate (fuzz/) — the SDP offer
# check, ServerEvent and ToolCall parsing, the companion's request handling, the core's session
# over random event sequences, page results, snapshot formatting, label matching — with
# HARK_FUZZ_CASES inputs each (default 1,000,000), optimized, then prints per target the inputs
# run, the panics and invariant failures seen, and the time.
#
#   scripts/fuzz.sh                          # a million inputs per target, a new seed
#   HARK_FUZZ_CASES=20000 scripts/fuzz.sh    # a quicker look
#   HARK_FUZZ_SEED=123 scripts/fuzz.sh       # repeat a run (the seed is printed)
#   scripts/fuzz.sh session                  # only the targets whose test name contains "session"
#
# Build: the release profile with overflow checks and debug assertions on (an overflow is a
# panic here, as in the debug tests), no LTO, into target/fuzz/ (the release binaries are left
# alone). `cargo test` runs the same targets briefly with a fixed seed.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"

export HARK_FUZZ_CASES="${HARK_FUZZ_CASES:-1000000}"
export HARK_FUZZ_SEED="${HARK_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
filter="fuzz_${1:-}"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
export HARK_FUZZ_REPORT="$report"

profile=(--profile fuzz
  --config 'profile.fuzz.inherits="release"'
  --config 'profile.fuzz.lto=false'
  --config 'profile.fuzz.codegen-units=16'
  --config 'profile.fuzz.overflow-checks=true'
  --config 'profile.fuzz.debug-assertions=true'
  --config 'profile.fuzz.package.hark-core.opt-level=3')

say "building the fuzz targets (profile fuzz: release + overflow checks)"
cargo test -p hark-fuzz "${profile[@]}" --tests --no-run --quiet
say "fuzzing: $HARK_FUZZ_CASES inputs per target, seed $HARK_FUZZ_SEED"
started=$(date +%s)
rc=0
# Each test binary runs its targets on all cores; --nocapture shows each target's line as it ends
# (after libtest's progress dots), and a failure's message with the smallest failing input.
if ! cargo test -p hark-fuzz "${profile[@]}" --tests --no-fail-fast --quiet -- "$filter" --nocapture 2>&1 |
  grep --line-buffered -E -A12 '(^|\.)fuzz |companion answers|fuzz target|panicked at|test result: FAILED'; then
  rc=1
fi
elapsed=$(( $(date +%s) - started ))

echo
printf '%-34s %12s %8s %9s %10s %12s\n' target inputs panics failures seconds inputs/s
printf '%-34s %12s %8s %9s %10s %12s\n' ---------------------------------- ------------ -------- --------- ---------- ------------
sort "$report" | awk -F'\t' '{ printf "%-34s %12d %8d %9d %10.1f %12.0f\n", $1, $2, $3, $4, $5, ($5 > 0 ? $2 / $5 : 0); n += $2; p += $3; f += $4 }
  END { printf "%-34s %12d %8d %9d\n", "total (" NR " targets)", n, p, f }'
echo "seed $HARK_FUZZ_SEED, $HARK_FUZZ_CASES inputs per target, ${elapsed} s wall"
[ "$rc" = 0 ] || die "a fuzz target failed (see above; rerun with the seed printed)"
