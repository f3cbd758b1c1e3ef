#!/usr/bin/env bash
# Runs every test: the native unit and integration tests of all crates, and the end-to-end tests in
# real headless Chromium and Firefox with the built extension, the companion and the local realtime
# peer. The end-to-end test binary re-runs itself inside a network namespace of its own (loopback
# plus a private veth pair), so it needs root (or sudo) for `unshare -n`.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"
bash scripts/setup.sh
HARK_SKIP_NATIVE=1 bash scripts/build.sh   # the tests build their own (debug) binaries
say "compiling all tests"
cargo test --workspace --no-run --quiet
say "running all tests"
cargo test --workspace
