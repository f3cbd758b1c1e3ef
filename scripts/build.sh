#!/usr/bin/env bash
# Builds the WASM core into the extension and assembles one package per browser from the one
# top-level manifest.json plus the runtime files of extension/:
#   dist/chromium/            Chromium: chrome://extensions → Developer mode → Load unpacked → this folder
#   dist/hark-chromium.zip    for the Chrome Web Store (the same files; its manifest has no `key`, the store rejects it)
#   dist/firefox/             Firefox: about:debugging → This Firefox → Load Temporary Add-on → dist/firefox/manifest.json
#   dist/hark-firefox.zip     for addons.mozilla.org (dist/hark-firefox.xpi is the same file)
# Then builds the native binaries (companion, local peer) in release mode.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"

say "building the WASM core (wasm-pack)"
(
  source scripts/wasm-env.sh
  # A target dir of its own: the wasm build may use another rustc than the native one.
  # No wasm-opt: Debian's binaryen 108 turns wasm-bindgen's externref table into a funcref table
  # (the module then fails at init: "can only pass WebAssembly exported functions to funcref"), and
  # binaryen 132 (npm) `-Oz` made the stripped module larger (224,112 against 218,314 bytes gzipped).
  CARGO_TARGET_DIR="$HARK_ROOT/target/wasm" wasm-pack --quiet build wasm-core --target web --profile wasm-release --no-opt \
    --out-dir "$HARK_ROOT/extension/pkg" --out-name hark_core --no-pack
)
python3 scripts/wasm-strip-names.py extension/pkg/hark_core_bg.wasm

# The one place the per-browser manifests differ ($browser: chromium | firefox).
# Chromium: no background.scripts and no browser_specific_settings (Chrome warns about unknown keys).
# Firefox: no offscreen permission, no background.service_worker, no Chromium `key`.
manifest_for() {
  jq --arg browser "$1" '
    if $browser == "chromium" then
      del(.background.scripts, .browser_specific_settings)
    else
      del(.key, .background.service_worker) | .permissions -= ["offscreen"]
    end' manifest.json
}

# What ships: runtime files only (scripts, pages, styles, images, the wasm), never build scripts,
# docs, type declarations or package files. Anything else in extension/ is listed and left out.
RUNTIME_FILES=(-name '*.js' -o -name '*.html' -o -name '*.css' -o -name '*.png' -o -name '*.wasm')

# zip with a sorted file list and no extra file attributes, so the same files give the same listing.
zip_dir() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -qX "$2" -@); }

rm -rf dist/extension dist/chromium dist/firefox dist/hark-chromium.zip dist/hark-firefox.zip dist/hark-firefox.xpi
left_out=$(cd extension && find . -type f ! \( "${RUNTIME_FILES[@]}" \) | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
[ -z "$left_out" ] || say "not shipped (not runtime files): $left_out"
for browser in chromium firefox; do
  say "assembling dist/$browser"
  mkdir -p "dist/$browser"
  (cd extension && find . -type f \( "${RUNTIME_FILES[@]}" \) -exec cp --parents -t "../dist/$browser" {} +)
  manifest_for "$browser" > "dist/$browser/manifest.json"
done

zip_dir dist/firefox "$HARK_ROOT/dist/hark-firefox.zip"
cp dist/hark-firefox.zip dist/hark-firefox.xpi
# The unpacked folder keeps `key` (a fixed ID, which the companion allows by default); the store
# zip must not have it ("key field is not allowed in manifest") and the store assigns its own ID.
store=$(mktemp -d)
cp -r dist/chromium/. "$store/"
jq 'del(.key)' dist/chromium/manifest.json > "$store/manifest.json"
zip_dir "$store" "$HARK_ROOT/dist/hark-chromium.zip"
rm -rf "$store"

if [ "${HARK_SKIP_NATIVE:-}" != 1 ]; then
  say "building the companion and the local peer (release)"
  cargo build --release -p hark-server -p hark-peer
  say "built: target/release/hark-companion, target/release/hark-peer"
fi
say "built: dist/chromium (load unpacked), dist/hark-chromium.zip (Chrome Web Store), dist/firefox, dist/hark-firefox.zip (= .xpi, addons.mozilla.org)"
