#!/usr/bin/env bash
# Checks the store packages scripts/build.sh wrote, and fails on any finding:
# - Firefox: Mozilla's addons-linter (tests/lint, pinned) on dist/hark-firefox.zip must report
#   0 errors, 0 warnings, 0 notices;
# - Chromium: dist/chromium's and dist/hark-chromium.zip's manifests parse, hold no Firefox-only
#   keys (background.scripts, browser_specific_settings), and the store zip has no `key`;
# - both: every file the manifest names is in the package, and only runtime files ship.
# Prints one plain "NAME: P passed, F failed" line per check.
source "$(dirname "$0")/lib.sh"
cd "$HARK_ROOT"

failed=0
result() { # name, number of problems
  if [ "$2" = 0 ]; then echo "$1: 1 passed, 0 failed"; else echo "$1: 0 passed, 1 failed"; failed=1; fi
}

# Files a manifest names, and whether the package holds them; and files that are not runtime files.
package_problems() { # manifest (text on stdin), file list (one a line) in $1
  local files=$1 manifest
  manifest=$(cat)
  jq -r '[.icons[]?, .action.default_icon[]?, .background.service_worker?, .background.scripts[]?,
          .options_ui.page?, .content_scripts[]?.js[]?, .content_scripts[]?.css[]?] | map(select(. != null)) | unique | .[]' <<<"$manifest" |
    while read -r f; do grep -qxF "$f" <<<"$files" || echo "the manifest names $f, which is not in the package"; done
  grep -vE '^(manifest\.json|.*\.(js|html|css|png|wasm))$' <<<"$files" | sed 's/^/not a runtime file: /' || true
}

# ---- Firefox: addons-linter ----------------------------------------------------------------------
linter=tests/lint/node_modules/.bin/addons-linter
problems=0
if [ ! -x "$linter" ]; then
  echo "addons-linter is not installed (scripts/setup.sh runs npm ci in tests/lint)" >&2
  problems=1
elif [ ! -f dist/hark-firefox.zip ]; then
  echo "dist/hark-firefox.zip is missing (run scripts/build.sh)" >&2
  problems=1
else
  report=$("$linter" --output json dist/hark-firefox.zip) || true
  if ! summary=$(jq -er '.summary | "\(.errors) errors, \(.warnings) warnings, \(.notices) notices"' <<<"$report"); then
    printf '%s\n' "$report" >&2
    echo "addons-linter gave no report" >&2
    problems=1
  else
    echo "addons-linter $("$linter" --version) on dist/hark-firefox.zip: $summary"
    jq -r '(.errors + .warnings + .notices)[] | "  \(._type) \(.code): \(.message) [\(.file // "")\(if .line then ":\(.line)" else "" end)]"' <<<"$report"
    problems=$(jq '.summary.errors + .summary.warnings + .summary.notices' <<<"$report")
    ff_files=$(unzip -Z1 dist/hark-firefox.zip | grep -v '/$')
    extra=$(unzip -p dist/hark-firefox.zip manifest.json | package_problems "$ff_files")
    if [ -n "$extra" ]; then sed 's/^/  firefox: /' <<<"$extra"; problems=$((problems + 1)); fi
  fi
fi
result addons-linter "$problems"

# ---- Chromium: manifests and package -------------------------------------------------------------
problems=0
chromium_problems() { # where, manifest text on stdin
  jq -r '(if .manifest_version != 3 then "manifest_version is not 3" else empty end),
         (if .background.service_worker == null then "no background.service_worker" else empty end),
         (if .background.scripts != null then "background.scripts is Firefox-only" else empty end),
         (if .browser_specific_settings != null then "browser_specific_settings is Firefox-only" else empty end)' |
    sed "s|^|  $1: |"
}
if [ ! -f dist/chromium/manifest.json ] || [ ! -f dist/hark-chromium.zip ]; then
  echo "dist/chromium or dist/hark-chromium.zip is missing (run scripts/build.sh)" >&2
  problems=1
else
  out=$(
    { chromium_problems dist/chromium/manifest.json < dist/chromium/manifest.json || echo "  dist/chromium/manifest.json does not parse"; }
    zipped=$(unzip -p dist/hark-chromium.zip manifest.json)
    { chromium_problems hark-chromium.zip <<<"$zipped" || echo "  hark-chromium.zip: manifest.json does not parse"; }
    jq -e 'has("key")' <<<"$zipped" >/dev/null && echo "  hark-chromium.zip: has \`key\`, which the Chrome Web Store rejects"
    files=$(unzip -Z1 dist/hark-chromium.zip | grep -v '/$')
    package_problems "$files" <<<"$zipped" | sed 's/^/  hark-chromium.zip: /'
    true
  )
  if [ -n "$out" ]; then printf '%s\n' "$out"; problems=1; fi
fi
result chromium-package "$problems"

exit "$failed"
