#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Drive a simulated workout through pacectl on a private bus: start it,
# watch properties change (PropertiesChanged at most once a second), pause
# and resume, skip, speed override, refusals (busy, bad workout, bad
# arguments), stop; the session is in the database with its end reason.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
max_hr = 190
resting_hr = 55
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 20

treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc devices --json
grep -q '"kind":"treadmill","address":"[0-9A-F:]\{17\}","name":"[^"]\+","connected":true' "$T/out" ||
        fail "devices: $(cat "$T/out")"
grep -q '"target-speed"' "$T/out" || fail "treadmill features: $(cat "$T/out")"

# Errors before anything runs.
expect_rc 1 pc pause
grep -q 'No workout' "$T/err" || fail "pause without workout: $(cat "$T/err")"
expect_rc 2 pc start no-such-workout
grep -q "no-such-workout" "$T/err" || fail "bad workout: $(cat "$T/err")"
printf 'Main Set\n- 10m banana\n' > "$T/bad.txt"
expect_rc 2 pc start "$T/bad.txt"
grep -q "bad.txt:2:" "$T/err" || fail "bad workout file not located: $(cat "$T/err")"

# A PropertiesChanged listener for the whole run.
busctl --address="$BUS_ADDRESS" monitor --match \
        "type='signal',path='/io/paced/paced1',interface='org.freedesktop.DBus.Properties'" \
        > "$T/monitor" 2>&1 &
MON_PID=$!
LIB_PIDS+=("$MON_PID")
busctl --address="$BUS_ADDRESS" monitor --match \
        "type='signal',interface='io.paced.paced1.Manager'" > "$T/signals" 2>&1 &
LIB_PIDS+=("$!")

expect_rc 0 pc start intervals-6x400
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
prop_is StepIndex 0 || fail "StepIndex $(prop StepIndex)"
[ "$(prop Workout)" != '""' ] || fail "no Workout name"
[ "$(prop StepCount)" -gt 10 ] || fail "StepCount $(prop StepCount)"
speed_positive() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s > 0) }'; }
hr_positive() { [ "$(prop HeartRate)" -gt 0 ]; }
wait_for 20 speed_positive || fail "belt never moved: Speed $(prop Speed)"
wait_for 20 hr_positive || fail "no heart rate"
session=$(prop SessionId)
[ "$session" -gt 0 ] || fail "no SessionId"

# Busy: one workout at a time.
expect_rc 1 pc start easy-run
grep -q 'already running' "$T/err" || fail "second start: $(cat "$T/err")"

# Live values move...
e1=$(prop Elapsed)
elapsed_moved() { awk -v a="$e1" -v b="$(prop Elapsed)" 'BEGIN { exit !(b > a) }'; }
wait_for 10 elapsed_moved || fail "Elapsed stuck at $e1"
# ... and their change signals are coalesced to at most one per second.
t0=$SECONDS
n0=$(grep -c 'Member=PropertiesChanged' "$T/monitor" || true)
sleep 4
n1=$(grep -c 'Member=PropertiesChanged' "$T/monitor" || true)
dt=$((SECONDS - t0))
[ $((n1 - n0)) -ge 2 ] || fail "too few PropertiesChanged: $((n1 - n0)) in ${dt}s"
[ $((n1 - n0)) -le $((dt + 1)) ] || fail "PropertiesChanged not coalesced: $((n1 - n0)) in ${dt}s"

# Pause and resume.
expect_rc 0 pc pause
wait_for 10 prop_is State '"paused"' || fail "not paused: $(prop State)"
prop_is PauseReason '"user"' || fail "PauseReason $(prop PauseReason)"
expect_rc 0 pc resume
wait_for 10 prop_is State '"running"' || fail "not resumed: $(prop State)"

# Skip moves to the next step and says so.
step=$(prop StepIndex)
expect_rc 0 pc skip
next_step() { [ "$(prop StepIndex)" -gt "$step" ]; }
wait_for 10 next_step || fail "skip did not advance from $step"
wait_for 10 grep -q 'Member=StepChanged' "$T/signals" || fail "no StepChanged signal"

# Manual override for the rest of the step, and its bounds.
expect_rc 0 pc faster 0.5
wait_for 5 prop_is SpeedOverride 0.5 || fail "SpeedOverride $(prop SpeedOverride)"
expect_rc 2 pc speed +9
expect_rc 0 pc extend 30
expect_rc 0 pc status --json
grep -q '"state":"running"' "$T/out" || fail "status: $(cat "$T/out")"
# The strap's RR intervals reach status: the newest one (a plausible beat at
# the simulated runner's 100-200 bpm) and how many so far.
grep -q '"rr_ms":[3-9][0-9][0-9],"rr_count":[1-9][0-9]*' "$T/out" || fail "no RR in status: $(cat "$T/out")"
expect_rc 0 pc status
grep -q 'Heart rate: [0-9]* bpm.*, RR [0-9]* ms' "$T/out" || fail "no RR in status text: $(cat "$T/out")"
expect_rc 0 pc watch --count 2 --lines
grep -q '^running .* step [0-9]*/[0-9]* .* | pace .* | HR [0-9]*' "$T/out" ||
        fail "watch: $(cat "$T/out")"
wait_for 30 grep -q 'Member=Cue' "$T/signals" || fail "no Cue signal"

# Stop: the session is closed as aborted and announced; the belt gets the
# stop policy (default: slowed to cooldown_speed, 5 km/h) and the reply says
# what the belt is doing.
expect_rc 0 pc stop
grep -q '^Workout stopped: ' "$T/out" || fail "stop does not say what the belt does: $(cat "$T/out")"
wait_for 10 prop_is State '"aborted"' || fail "not aborted: $(prop State)"
cooled() { sim_commands | awk '$2 == "set-target-speed" && $3 == "success" { v = $4 }
        END { exit !(v != "" && v <= 5.0) }'; }
wait_for 30 cooled || fail "the belt was not slowed to the cool-down speed: $(sim_commands | tail -n 3)"
# No workout runs any more: a speed change has no step to apply to.
expect_rc 1 pc faster 0.5
grep -q 'No workout is running' "$T/err" || fail "faster after stop: $(cat "$T/err")"
wait_for 10 prop_is SessionId 0 || fail "SessionId still $(prop SessionId)"
wait_for 10 grep -q 'Member=SessionFinished' "$T/signals" || fail "no SessionFinished"
db="$T/state/paced.db"
stored_aborted() { [ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id=$session")" = aborted ]; }
wait_for 10 stored_aborted ||
        fail "session $session: $(sqlite3 "$db" "SELECT * FROM sessions WHERE id=$session")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$session")" -gt 10 ] ||
        fail "too few samples stored"
[ "$(sqlite3 "$db" "SELECT count(*) FROM events WHERE session_id=$session AND type='pause'")" -ge 1 ] ||
        fail "pause event not stored: $(sqlite3 "$db" "SELECT type FROM events")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM rr WHERE session_id=$session")" -gt 50 ] ||
        fail "RR intervals not stored"

# A workout file of the caller's own: pacectl reads it and sends its contents
# (StartWorkoutData), so it works wherever the file is.
printf '# name: My short run\nMain\n- 2m 8km/h\n- 1m 10km/h\n' > "$T/my-run.txt"
chmod 0600 "$T/my-run.txt"
expect_rc 0 pc start "$T/my-run.txt"
wait_for 10 prop_is State '"running"' || fail "custom workout not running: $(prop State)"
prop_is Workout '"My short run"' || fail "custom workout name: $(prop Workout)"
prop_is StepCount 2 || fail "custom workout steps: $(prop StepCount)"
expect_rc 0 pc stop

stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
