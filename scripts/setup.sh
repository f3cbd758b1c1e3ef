#!/usr/bin/env bash
# Installs everything Hark needs on Debian/Ubuntu, idempotently: apt packages, the wasm32 toolchain
# (rustup's target when it can be downloaded, else Debian's rustc-web with a self-built std),
# wasm-pack, wasm-bindgen-cli at the version in Cargo.lock, geckodriver for Firefox tests,
# addons-linter and TypeScript (npm, tests/lint) for the packages and the JavaScript, and playwright-core (npm) for the
# snapshot benchmark.
# Fast when everything is already there.
source "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
  build-essential pkg-config curl ca-certificates iproute2 util-linux zip unzip
  jq                                     # build.sh: per-browser manifests from manifest.json
  libopus-dev cmake                      # local peer: Opus codec
  chromium chromium-driver firefox-esr   # browsers for the end-to-end tests
  espeak-ng sox                          # speech WAV for the fake microphone
  xvfb xdotool                           # keyboard-shortcut tests: headful browsers, real key presses
  binaryen                               # wasm-opt, used by wasm-pack
)
# Debian's route to a wasm32-capable rustc (see docs/wasm-toolchain.md).
APT_WASM_FALLBACK=(rustc-web cargo-web rust-web-src lld-22)

missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
# No Rust at all: Debian's rustc-web/cargo-web (1.96) build everything, native and wasm32.
if ! command -v cargo >/dev/null; then missing+=(rustc-web cargo-web); fi
# No npm at all: Debian's (addons-linter checks the Firefox package in scripts/test.sh). A Node.js
# from elsewhere (e.g. NodeSource, which bundles npm) is left alone.
if ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

bash "$HARK_ROOT/scripts/wasm-toolchain.sh"

# rustfmt and clippy for the test command's habits check (rustup's default profile has them).
if command -v rustup >/dev/null && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
  say "adding rustfmt and clippy (rustup)"
  timeout 120 rustup component add rustfmt clippy >/dev/null 2>&1 || say "warning: rustup could not add rustfmt/clippy"
fi

wb_version=$(grep -A1 '^name = "wasm-bindgen"$' "$HARK_ROOT/Cargo.lock" 2>/dev/null | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)
wb_version=${wb_version:-0.2.130}
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (matches Cargo.lock)"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi
command -v wasm-pack >/dev/null || { say "installing wasm-pack"; cargo install wasm-pack; }
command -v geckodriver >/dev/null || { say "installing geckodriver"; cargo install geckodriver; }
# tests/lint, pinned in its package-lock.json: Mozilla's addons-linter (scripts/lint-packages.sh
# runs it on the Firefox package) and TypeScript with the browsers' extension API types (the type
# check of the extension's JavaScript). (Re)installed when one is missing or not the locked version.
lint_dir="$HARK_ROOT/tests/lint"
lint_stale=
for dep in $(jq -r '.dependencies | keys[]' "$lint_dir/package.json"); do
  want=$(jq -r --arg p "node_modules/$dep" '.packages[$p].version' "$lint_dir/package-lock.json")
  have=$(jq -r .version "$lint_dir/node_modules/$dep/package.json" 2>/dev/null || true)
  [ "$have" = "$want" ] || lint_stale+=" $dep@$want"
done
if [ -n "$lint_stale" ]; then
  say "installing tests/lint's tools (npm ci):$lint_stale"
  (cd "$lint_dir" && npm ci --no-audit --no-fund)
fi
# playwright-core for the snapshot benchmark's aria snapshots (drives /usr/bin/chromium; no browser download)
# and darkreader for the theme benchmark's comparison. Only the benchmarks need them, so a machine
# without npm still sets up and tests.
if [ ! -d "$HARK_ROOT/tests/aria/node_modules/playwright-core" ] || [ ! -d "$HARK_ROOT/tests/aria/node_modules/darkreader" ]; then
  if command -v npm >/dev/null; then
    say "installing playwright-core and darkreader for tests/aria (npm ci)"
    (cd "$HARK_ROOT/tests/aria" && npm ci --no-audit --no-fund) || say "warning: npm ci failed; snapshot-bench cannot take aria snapshots, theme-bench cannot compare with Dark Reader"
  else
    say "warning: npm is missing (apt-get install nodejs npm); snapshot-bench cannot take aria snapshots"
  fi
fi
say "setup complete"
