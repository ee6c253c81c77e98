#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced under valgrind's memcheck for one whole simulated workout (an
# interval session through every step, pause and resume, a manual speed
# change, SIGTERM at the end): no invalid access, no definite or indirect
# leak. (PACED_VALGRIND=1 runs any integration test's paced the same way.)
source "$(dirname "$0")/lib.sh"
lib_init
command -v valgrind > /dev/null || { log "SKIP: valgrind missing"; exit 77; }
# Sanitizer builds cannot run under valgrind (ASan owns the address space).
if grep -qa __asan_init "$PACED"; then log "SKIP: paced is built with ASan"; exit 77; fi
export PACED_VALGRIND=1
start_bus
cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
max_hr = 190
resting_hr = 55
[Safety]
allow_remote_start = yes
CONF
{
        echo "# name: Valgrind"
        echo "Warmup"
        echo "- 1m 8km/h"
        echo "Main 3x"
        echo "- 200mtr 14km/h"
        echo "- 30s 9km/h"
        echo "Cooldown"
        echo "- 1m 8km/h"
} > "$T/vg.txt"
start_paced --simulate --time-scale 10
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 60 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/vg.txt"
wait_for 60 prop_is State '"running"' || fail "not running: $(prop State)"
elapsed_at_least() { awk -v e="$(prop Elapsed)" -v w="$1" 'BEGIN { exit !(e >= w) }'; }
wait_for 60 elapsed_at_least 30 || fail "Elapsed stuck at $(prop Elapsed)"
expect_rc 0 pc pause
wait_for 30 prop_is State '"paused"' || fail "not paused: $(prop State)"
expect_rc 0 pc resume
wait_for 30 prop_is State '"running"' || fail "not resumed: $(prop State)"
expect_rc 0 pc faster
expect_rc 0 pc status --json
finished() { [ "$(prop State)" = '"finished"' ]; }
wait_for 300 finished || fail "workout did not finish: State $(prop State) Elapsed $(prop Elapsed)"
expect_rc 0 pc history --state-dir "$T/state" --json
stop_paced TERM
for f in "$T"/valgrind.*; do
        [ -s "$f" ] || continue
        echo "---- $f ----" >&2
        cat "$f" >&2
done
[ "$PACED_RC" -ne 99 ] || fail "valgrind found errors (above)"
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS: no memcheck errors"
