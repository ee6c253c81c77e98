#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [Cues] audio = yes: every cue is handed to espeak-ng (a stand-in on PATH
# here records what it is asked to say), in the configured voice; the
# children are reaped and paced carries on. A failing speaker (exit 1) never
# affects the workout.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus

mkdir -p "$T/bin"
cat > "$T/bin/espeak-ng" <<SH
#!/bin/sh
echo "\$*" >> "$T/spoken"
exit 1
SH
chmod +x "$T/bin/espeak-ng"
export PATH="$T/bin:$PATH"

cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
[Cues]
audio = yes
voice = en-gb
lead_time = 5s
CONF
start_paced --simulate --time-scale 20
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start strides
wait_for 10 prop_is State '"running"' || fail "not running"
spoken_enough() { [ -f "$T/spoken" ] && [ "$(wc -l < "$T/spoken")" -ge 4 ]; }
wait_for 60 spoken_enough || fail "cues not spoken: $(cat "$T/spoken" 2>/dev/null)"
grep -q '^-v en-gb -- Next: ' "$T/spoken" || fail "voice not passed: $(head -3 "$T/spoken")"
kill -0 "$PACED_PID" || fail "paced died while speaking"
prop_is State '"running"' || fail "workout disturbed by the speaker: $(prop State)"
# No zombies left behind: every espeak-ng was reaped.
! ps --ppid "$PACED_PID" -o stat= | grep -q Z || fail "unreaped espeak-ng children"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
