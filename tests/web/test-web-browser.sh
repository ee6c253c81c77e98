#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-web in a real browser: Debian's headless chromium driven by
# puppeteer-core (browser.mjs) at phone and tablet sizes, against paced on
# the simulator. A runner's morning: pair the phone with the code from
# pacectl web pair, start today's workout, follow it (the values shown
# match pacectl status --json within a second), use every button (each
# changes paced's state as pacectl would), hear the cues (spoken through
# the page's speech synthesis, stubbed to record them), and read the result
# afterwards. Also: an unpaired browser and another origin get nothing,
# no console errors, a stale stream is shown and recovers by itself.
# Screenshots are kept in $PACED_BUILD_DIR/web-screenshots.
. "$PACED_SOURCE_DIR/tests/integration/lib.sh"
lib_init
for dep in node curl jq dbus-monitor; do
        command -v "$dep" >/dev/null || { echo "$dep missing" >&2; exit 77; }
done
[ -x /usr/bin/chromium ] || { echo "chromium missing" >&2; exit 77; }
. "$PACED_SOURCE_DIR/tests/web/npm-deps.sh"

SCALE=20
cat > "$T/paced.conf" <<CONF
[Runner]
max_hr = 190
resting_hr = 55
[Safety]
allow_remote_start = yes
CONF
start_bus
start_paced --simulate --time-scale "$SCALE"
wait_for 10 treadmill_connected || fail "no simulated treadmill"

# A plan whose today is a run: "today's workout".
today=$(date +%F)
for offset in 0 1 2 3 4 5 6; do
        start=$(date -d "$today - $offset days" +%F)
        pc plan --goal-mile 6:00 --days-per-week 6 --start "$start" --json > "$T/plan.json"
        workout=$(grep -o "\"date\":\"$today\",[^}]*" "$T/plan.json" |
                sed -n 's/.*"workout":"\([a-z0-9-]*\)".*/\1/p')
        [ -n "$workout" ] && break
done
[ -n "$workout" ] || fail "no plan with a run today"
pc schedule set "$T/plan.json" > /dev/null
wait_for 5 prop_is Schedule "\"$workout\"" || fail "schedule not set"

dbus-monitor --address "$BUS_ADDRESS" \
        "type='signal',interface='io.paced.paced1.Manager',member='Cue'" > "$T/cues" 2>&1 &
LIB_PIDS+=("$!")
wait_for 5 grep -q NameAcquired "$T/cues" || fail "dbus-monitor did not start"

start_web
port=${WEB_URL##*:}
# Restarts paced-web on the same port (a network drop, from the page's side).
cat > "$T/restart-web.sh" <<SH
kill $WEB_PID; while kill -0 $WEB_PID 2>/dev/null; do sleep 0.1; done
"$PACED_WEB" --listen 127.0.0.1:$port --state-dir "$T/web-state" --paced-state-dir "$T/state" \
        >> "$T/web2.log" 2>&1 &
echo \$! > "$T/web2.pid"
SH

SHOTS="$PACED_BUILD_DIR/web-screenshots"
mkdir -p "$SHOTS"
rc=0
WEB_URL=$WEB_URL PACECTL=$PACECTL PACED_BUS_ADDRESS=$BUS_ADDRESS SHOTS=$SHOTS \
        CUES="$T/cues" TODAY="$workout" RESTART_WEB="$T/restart-web.sh" WEB_PID=$WEB_PID \
        node "$PACED_SOURCE_DIR/tests/web/browser.mjs" || rc=$?
[ -f "$T/web2.pid" ] && LIB_PIDS+=("$(cat "$T/web2.pid")")
if [ "$rc" -ne 0 ]; then
        echo "---- paced-web log ----" >&2
        tail -n 40 "$T/web.log" "$T/web2.log" 2>/dev/null >&2 || true
        fail "browser test failed"
fi
log "PASS (screenshots in $SHOTS)"
