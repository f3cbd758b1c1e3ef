#!/usr/bin/env bash
# Builds the WASM core into the extension and assembles the loadable extension:
#   dist/extension/        Chromium: chrome://extensions → Developer mode → Load unpacked → this folder
#   dist/hark-firefox.zip  Firefox: about:debugging → This Firefox → Load Temporary Add-on → dist/extension/manifest.json (or this zip)
# Then builds the native binaries (companion, local peer) in release mode.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"

say "building the WASM core (wasm-pack)"
(
  source scripts/wasm-env.sh
  # A target dir of its own: the wasm build may use another rustc than the native one.
  CARGO_TARGET_DIR="$HARK_ROOT/target/wasm" wasm-pack --quiet build wasm-core --target web --release \
    --out-dir "$HARK_ROOT/extension/pkg" --out-name hark_core --no-pack
)

say "assembling dist/extension"
rm -rf dist/extension && mkdir -p dist/extension
cp manifest.json dist/extension/
cp -r extension/. dist/extension/
find dist/extension \( -name '*.md' -o -name '.gitignore' -o -name '*.d.ts' -o -name 'package.json' -o -name '*.txt' \) -delete
rm -f dist/hark-firefox.zip && (cd dist/extension && zip -qr ../hark-firefox.zip .)

if [ "${HARK_SKIP_NATIVE:-}" != 1 ]; then
  say "building the companion and the local peer (release)"
  cargo build --release -p hark-server -p hark-peer
  say "built: target/release/hark-companion, target/release/hark-peer"
fi
say "built: dist/extension (load unpacked), dist/hark-firefox.zip"
