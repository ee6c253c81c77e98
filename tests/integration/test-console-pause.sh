#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The runner pauses the belt on the treadmill's console mid-workout: the
# workout pauses (reason "console") and paced never restarts the belt by
# itself, even with remote start allowed; when the runner presses start, the
# workout resumes in the same step. Through the whole daemon: simulator
# console via pacectl sim, state via the bus.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc sim show --json
grep -q '"hrvt2_kmh":[0-9]' "$T/out" || fail "sim show: $(cat "$T/out")"

expect_rc 0 pc start intervals-6x400
wait_for 10 prop_is State '"running"' || fail "not running"
belt_running() { [ "$(sim_prop BeltState)" = '"running"' ]; }
wait_for 10 belt_running || fail "belt not started"
step=$(prop StepIndex)

expect_rc 0 pc sim press pause
wait_for 10 prop_is State '"paused"' || fail "console pause did not pause: $(prop State)"
# (A command already on its way as the runner pressed pause is no decision
# of paced's: count from the moment the workout is paused.)
n=$(sim_commands | wc -l)
prop_is PauseReason '"console"' || fail "PauseReason $(prop PauseReason)"
# Forty virtual seconds later the belt is still paused: nothing restarted it.
# (Waiting for something not to happen needs a span of time, not a condition.)
e0=$(prop Elapsed)
sleep 2
[ "$(sim_prop BeltState)" = '"paused"' ] || fail "paced restarted the belt: $(sim_prop BeltState)"
prop_is State '"paused"' || fail "workout left pause on its own"
prop_is Elapsed "$e0" || fail "workout time ran while paused: $e0 -> $(prop Elapsed)"
# What the treadmill received meanwhile: no Start or Resume, no speed.
sim_commands | tail -n +$((n + 1)) > "$T/cmds"
! grep -Eq 'start-or-resume|set-target-speed' "$T/cmds" ||
        fail "paced commanded the paused belt: $(cat "$T/cmds")"

expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "console start did not resume: $(prop State)"
prop_is StepIndex "$step" || fail "resumed in step $(prop StepIndex), not $step"

# The safety key stops the belt at once and pauses the workout as well.
expect_rc 0 pc sim press safety-key
wait_for 10 prop_is PauseReason '"safety-key"' || fail "safety key: $(prop State) $(prop PauseReason)"
n=$(sim_commands | wc -l)
# The key goes back in: the belt stays stopped, paced sends nothing.
expect_rc 0 pc sim press key-replace
sleep 2 # forty virtual seconds for a command that must not come
[ "$(sim_prop BeltState)" = '"idle"' ] || fail "belt after the safety key: $(sim_prop BeltState)"
sim_commands | tail -n +$((n + 1)) > "$T/cmds"
! grep -Eq 'start-or-resume|set-target-speed' "$T/cmds" ||
        fail "paced commanded the belt after the safety key: $(cat "$T/cmds")"
prop_is State '"paused"' || fail "workout left pause after the safety key: $(prop State)"
expect_rc 2 pc sim press warp
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
