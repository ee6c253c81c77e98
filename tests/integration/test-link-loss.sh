#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The treadmill link drops mid-workout (the belt keeps running, as on a real
# machine): the workout pauses (reason "link-lost", SafetyAction link-lost).
# On reconnect with the belt still running, paced re-takes control and
# re-applies the step's target; it never sends Start or Resume. If the
# runner stopped the belt meanwhile, the reconnect sends no speed and no
# Start: the workout stays paused until the runner starts the belt.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
[Safety]
allow_remote_start = yes
CONF
monitor_safety
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "not running"
at_target() { awk -v s="$(prop Speed)" -v t="$(prop TargetSpeed)" \
        'BEGIN { exit !(s > 6 && s - t < 0.05 && t - s < 0.05) }'; }
wait_for 30 at_target || fail "belt never reached the target: $(prop Speed)"
step=$(prop StepIndex)

# Commands received after the N-th (1-based line numbers of sim_commands).
commands_after() { sim_commands | tail -n +$(($1 + 1)); }

# ---- drop with the belt running, reconnect: control re-taken, target re-applied ----
expect_rc 0 pc sim inject drop-treadmill
wait_for 10 prop_is PauseReason '"link-lost"' || fail "link loss: $(prop State) $(prop PauseReason)"
prop_is State '"paused"' || fail "state $(prop State)"
wait_for 10 safety_seen link-lost || fail "no SafetyAction link-lost: $(safety_actions)"
[ "$(sim_prop BeltState)" = '"running"' ] || fail "belt $(sim_prop BeltState)"
n=$(sim_commands | wc -l)
expect_rc 0 pc sim reconnect treadmill
wait_for 10 treadmill_connected || fail "treadmill did not reconnect"
reapplied() { commands_after "$n" | awk '$2 == "set-target-speed" && $3 == "success"' | grep -q .; }
wait_for 10 reapplied || fail "target not re-applied: $(commands_after "$n")"
wait_for 10 prop_is State '"running"' || fail "workout did not go on: $(prop State)"
prop_is StepIndex "$step" || fail "step $(prop StepIndex), not $step"
commands_after "$n" > "$T/cmds"
grep -q 'request-control success' "$T/cmds" || fail "control not re-taken: $(cat "$T/cmds")"
! grep -q 'start-or-resume' "$T/cmds" || fail "Start sent on reconnect: $(cat "$T/cmds")"

# ---- drop, the runner pauses the belt meanwhile, reconnect: nothing sent ----
expect_rc 0 pc sim inject drop-treadmill
wait_for 10 prop_is PauseReason '"link-lost"' || fail "second link loss: $(prop PauseReason)"
expect_rc 0 pc sim press pause
[ "$(sim_prop BeltState)" = '"paused"' ] || fail "belt $(sim_prop BeltState)"
n=$(sim_commands | wc -l)
expect_rc 0 pc sim reconnect treadmill
wait_for 10 treadmill_connected || fail "treadmill did not reconnect"
# Forty virtual seconds for a command that must not come.
sleep 2
commands_after "$n" > "$T/cmds"
cat "$T/cmds" >&2
! grep -Eq 'start-or-resume|set-target-speed' "$T/cmds" ||
        fail "paced commanded a paused belt on reconnect: $(cat "$T/cmds")"
[ "$(sim_prop BeltState)" = '"paused"' ] || fail "belt restarted: $(sim_prop BeltState)"
prop_is State '"paused"' || fail "workout left pause: $(prop State)"

# The runner starts the belt: the workout goes on in the same step.
expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "console start did not resume: $(prop State)"
prop_is StepIndex "$step" || fail "step $(prop StepIndex), not $step"

# ---- the strap drops and comes back too ----
expect_rc 0 pc sim inject drop-strap
strap_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/strap io.paced.paced1.Device Connected)" = "b $1" ]
}
wait_for 10 strap_connected false || fail "the strap did not drop"
expect_rc 0 pc sim reconnect strap
wait_for 10 strap_connected true || fail "the strap did not reconnect"

# The stored session says what happened, in order: each loss, then its restore.
expect_rc 0 pc stop
wait_for 10 prop_is SessionId 0 || fail "the session did not end"
wait_for 10 sessions_written || fail "the session's end was not written"
pc show 1 --json --state-dir "$T/state" > "$T/show.json" || fail "pacectl show failed"
python3 - "$T/show.json" <<'PY' || fail "link events: $(cat "$T/show.json")"
import json, sys
events = [(e["type"], (e["details"] or {}).get("device"), e["text"])
          for e in json.load(open(sys.argv[1]))["events"]
          if e["type"] in ("link-lost", "link-restored")]
print(events, file=sys.stderr)
want = [("link-lost", "treadmill"), ("link-restored", "treadmill")] * 2 + \
       [("link-lost", "hrm"), ("link-restored", "hrm")]
assert [(t, d) for t, d, _ in events] == want, events
assert all(("lost" in x) == (t == "link-lost") for t, _, x in events), events
PY
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
