#!/usr/bin/env bash
# Sets up and builds everything, then starts the companion on 127.0.0.1:8813.
# With OPENAI_API_KEY set it forwards sessions to OpenAI; without it, it runs in local mode
# (typed commands through Hark's local realtime peer). Extra arguments go to hark-companion.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"
bash scripts/setup.sh
bash scripts/build.sh
say "load the extension: Chromium → chrome://extensions → Developer mode → Load unpacked → $HARK_ROOT/dist/chromium"
say "                    Firefox → about:debugging → This Firefox → Load Temporary Add-on → $HARK_ROOT/dist/firefox/manifest.json"
exec "$HARK_ROOT/target/release/hark-companion" "$@"
