#!/usr/bin/env bash
# Runs every test: the native unit and integration tests of all crates, and the end-to-end tests in
# real headless Chromium and Firefox with the built extension, the companion and the local realtime
# peer. The end-to-end test binary re-runs itself inside a network namespace of its own (loopback
# plus a private veth pair), so it needs root (or sudo) for `unshare -n`. Right after the build, the
# store packages are checked (scripts/lint-packages.sh: Mozilla's addons-linter on the Firefox zip
# must report nothing at all; the Chromium manifests must hold no Firefox-only keys); a finding
# fails the command at the end, after the other tests ran. So do the code's habits: `cargo fmt
# --check` (rustfmt.toml) and `cargo clippy --all-targets -D warnings` over the workspace, and
# `tsc --noEmit` over the extension's JavaScript (tests/lint/tsconfig.json).
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"
bash scripts/setup.sh
# A fresh clone never reuses incremental state; it would only take disk and time.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
HARK_SKIP_NATIVE=1 bash scripts/build.sh   # the tests build their own (debug) binaries
say "checking the store packages"
lint_rc=0
bash scripts/lint-packages.sh || lint_rc=$?
say "checking the code's habits: cargo fmt --check, cargo clippy -D warnings, tsc (the extension's JavaScript)"
habits_rc=0
if cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1; then
  cargo fmt --all --check || { habits_rc=1; say "not formatted: run cargo fmt (cargo fmt --check lists the diffs)"; }
  cargo clippy --workspace --all-targets --quiet -- -D warnings || habits_rc=1
else
  say "warning: rustfmt or clippy is missing (rustup component add rustfmt clippy); habits not checked"
fi
# The extension's JavaScript as it ships (no build step), type-checked against the browsers'
# extension API types: tests/lint/tsconfig.json (checkJs) and extension/globals.d.ts.
if [ -x tests/lint/node_modules/.bin/tsc ]; then
  tests/lint/node_modules/.bin/tsc -p tests/lint/tsconfig.json || { habits_rc=1; say "the extension's JavaScript has type errors (listed above)"; }
else
  say "warning: TypeScript is missing (scripts/setup.sh installs it in tests/lint); JavaScript not type-checked"
fi
say "compiling all tests"
cargo test --workspace --no-run --quiet
say "running all tests"
cargo test --workspace
[ "$habits_rc" = 0 ] || die "the code has habits to mend: formatting, clippy or type-check findings (printed before the tests ran)"
[ "$lint_rc" = 0 ] || die "the store packages have findings (scripts/lint-packages.sh, printed after the build)"
