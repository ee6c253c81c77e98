#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The phone view names each step as the workout's author wrote it (its cue,
# paced's StepCues), the current step's and the next one's, with the
# resolved target beside it in the runner's units; a step without a cue is
# named by its target. The cue comes from the runner's file, so markup in
# it is shown as the characters written: an <img onerror> in a cue must be
# text on the page, never an element, and its handler must never run.
# Screenshots are kept in $PACED_BUILD_DIR/web-screenshots (phone-cue-*).
. "$PACED_SOURCE_DIR/tests/integration/lib.sh"
lib_init
for dep in node curl; do
        command -v "$dep" >/dev/null || { echo "$dep missing" >&2; exit 77; }
done
[ -x /usr/bin/chromium ] || { echo "chromium missing" >&2; exit 77; }
. "$PACED_SOURCE_DIR/tests/web/npm-deps.sh"

cat > "$T/paced.conf" <<CONF
[Runner]
max_hr = 190
resting_hr = 55
units = mi
[Safety]
allow_remote_start = yes
CONF
XSS='<img src=x onerror="document.body.dataset.pwned=1">'
# Steps long enough to read at 10x (the test skips through them).
cat > "$T/cues.txt" <<EOF
# name: Cue check
Warmup
- Warm up easy 10m 9km/h
Main
- Stride 5m 12km/h
- $XSS 5m 11km/h
- 5m 10km/h
EOF
start_bus
start_paced --simulate --time-scale 10
wait_for 10 treadmill_connected || fail "no simulated treadmill"
start_web

SHOTS="$PACED_BUILD_DIR/web-screenshots"
mkdir -p "$SHOTS"
rc=0
WEB_URL=$WEB_URL PACECTL=$PACECTL PACED_BUS_ADDRESS=$BUS_ADDRESS SHOTS=$SHOTS \
        WORKOUT="$T/cues.txt" XSS="$XSS" \
        node "$PACED_SOURCE_DIR/tests/web/cue.mjs" || rc=$?
if [ "$rc" -ne 0 ]; then
        echo "---- paced-web log ----" >&2
        tail -n 40 "$T/web.log" >&2 || true
        fail "browser test failed"
fi
log "PASS (screenshots in $SHOTS)"
