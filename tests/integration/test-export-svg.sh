#!/usr/bin/env bash
# `pacectl report` renders in a browser: headless Chromium screenshots the
# SVG and tests/export/check-png.mjs checks the PNG is not blank and that
# the speed, target band, HR, zone bands, alpha1 and crossover marker are
# drawn in their panels.
set -euo pipefail

: "${PACED_SOURCE_DIR:?}" "${PACED_BUILD_DIR:?}" "${PACECTL:?}"
if ! command -v chromium >/dev/null; then
  echo "chromium is missing: run tools/install-deps" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

id=$("$PACED_BUILD_DIR/paced-mksession" --state-dir "$tmp" --seed 9)
"$PACECTL" report "$id" --state-dir "$tmp" -o "$tmp/report.svg"
xmllint --noout "$tmp/report.svg"

# No network, no profile, no GPU: a private throwaway browser.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1200,900 --screenshot="$tmp/report.png" "file://$tmp/report.svg" \
  >"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
node "$PACED_SOURCE_DIR/tests/export/check-png.mjs" "$tmp/report.png"

# A blank page must fail the check.
printf '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"/>' >"$tmp/blank.svg"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1200,900 --screenshot="$tmp/blank.png" "file://$tmp/blank.svg" \
  >"$tmp/chromium.log" 2>&1
if node "$PACED_SOURCE_DIR/tests/export/check-png.mjs" "$tmp/blank.png" 2>/dev/null; then
  echo "a blank render passed the check" >&2
  exit 1
fi
echo ok
