#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Start, pause and resume with the shipped paced.conf (allow_remote_start =
# no), as the README's demo runs them: every state tells the
# runner the one thing to do next — in pacectl's reply, in `status` and
# `watch`, and as a cue — errors use the documented names, and the runner
# ends where they expect. `start --arm` on a moving belt begins at once.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus

cp "$PACED_SOURCE_DIR/conf/paced.conf" "$T/paced.conf"
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
busctl --address="$BUS_ADDRESS" monitor --match \
        "type='signal',interface='io.paced.paced1.Manager',member='Cue'" > "$T/cues" 2>&1 &
LIB_PIDS+=("$!")
sleep 0.3

# start with the belt stopped: loaded, and the reply says what to do.
expect_rc 0 pc start intervals-6x400
grep -qx "Loaded 6x400 m intervals. Press START on the treadmill to begin." "$T/out" ||
        fail "start reply: $(cat "$T/out")"
prop_is State '"armed"' || fail "not armed: $(prop State) $(prop PauseReason)"
prop_is NextAction '"Press START on the treadmill to begin."' || fail "NextAction $(prop NextAction)"
prop_is SessionId 0 || fail "a session began before the belt moved"
expect_rc 0 pc status
grep -q "To do: Press START on the treadmill to begin." "$T/out" || fail "status: $(cat "$T/out")"
wait_for 5 grep -q 'Loaded 6x400 m intervals. Press START on the treadmill to begin.' "$T/cues" ||
        fail "no cue telling the runner to press START"
# Starting again while it waits says what is waiting, and how to go on.
expect_rc 1 pc start easy-run
grep -q "6x400 m intervals is loaded and waits for the belt: press START on the treadmill, or pacectl stop to unload it." "$T/err" ||
        fail "second start: $(cat "$T/err")"

expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "console start did not begin: $(prop State)"
prop_is NextAction '""' || fail "NextAction while running: $(prop NextAction)"

# The README's demo: faster; pause; resume.
expect_rc 0 pc faster 0.3
wait_for 5 prop_is SpeedOverride 0.3 || fail "SpeedOverride $(prop SpeedOverride)"
step=$(prop StepIndex)
expect_rc 0 pc pause
grep -qx "Paused. Press START on the treadmill to resume." "$T/out" || fail "pause reply: $(cat "$T/out")"
wait_for 10 prop_is State '"paused"' || fail "not paused"
belt_paused() { [ "$(sim_prop BeltState)" = '"paused"' ]; }
wait_for 10 belt_paused || fail "belt not paused: $(sim_prop BeltState)"
expect_rc 0 pc watch --count 1 --lines
grep -q "| Press START on the treadmill to resume.$" "$T/out" || fail "watch: $(cat "$T/out")"
# resume: paced may not start the belt. A documented error, said once.
expect_rc 4 pc resume
[ "$(cat "$T/err")" = "pacectl: Cannot resume: the belt is stopped and paced may not start it (allow_remote_start = no). Press START on the treadmill to resume." ] ||
        fail "resume error: $(cat "$T/err")"
busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager \
        Resume > "$T/busctl" 2>&1 && fail "Resume succeeded"
grep -q "NotPermitted\|Cannot resume" "$T/busctl" || fail "Resume error: $(cat "$T/busctl")"
[ "$(sim_prop BeltState)" = '"paused"' ] || fail "belt started: $(sim_prop BeltState)"
# The runner presses START: the same step.
expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "console start did not resume: $(prop State)"
prop_is StepIndex "$step" || fail "resumed in step $(prop StepIndex), not $step"
expect_rc 0 pc stop

# start --arm while the belt already moves: it begins, no waiting forever.
wait_for 10 prop_is State '"aborted"' || fail "not stopped"
[ "$(sim_prop BeltState)" = '"running"' ] || fail "belt not running after stop"
# A stopped workout has no step to come, no time left and no override: the
# runner reads what happened, not a plan that no longer runs.
prop_is NextStepName '""' || fail "NextStepName after stop: $(prop NextStepName)"
prop_is SpeedOverride 0 || fail "SpeedOverride after stop: $(prop SpeedOverride)"
expect_rc 0 pc status
grep -q "Next:\|override\| left$" "$T/out" && fail "status after stop: $(cat "$T/out")"
expect_rc 0 pc start --arm easy-run
grep -q "^Started Easy run." "$T/out" || fail "arm on a moving belt: $(cat "$T/out")"
wait_for 5 prop_is State '"running"' || fail "armed on a moving belt: $(prop State)"
wait_for 5 grep -q 'The belt is already moving: Easy run begins now' "$T/cues" ||
        fail "no cue for the moving belt"
stop_paced TERM
log "PASS"
