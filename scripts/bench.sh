#!/usr/bin/env bash
# Runs every benchmark and prints its figures (not part of the tests).
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"
bash scripts/build.sh
for bin in $(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"] and t["name"].endswith("-bench"): print(p["name"] + ":" + t["name"])'); do
  say "benchmark ${bin#*:}"
  cargo run --quiet --release -p "${bin%%:*}" --bin "${bin#*:}"
done
