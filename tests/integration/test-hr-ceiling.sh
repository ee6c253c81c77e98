#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The configured heart-rate ceiling through the whole daemon: the simulated
# runner's heart rate climbs above hr_ceiling in a hard step; after
# hr_ceiling_duration paced slows the belt to recovery_speed (SafetyAction
# "hr-ceiling" active, the speed commands drop to it) and, once the heart
# rate is back below the ceiling minus the hysteresis, releases it
# (SafetyAction inactive) and the step's target applies again.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
[Safety]
allow_remote_start = yes
max_accel = 1.0
hr_ceiling = 145
hr_ceiling_duration = 10s
hr_ceiling_hysteresis = 10
recovery_speed = 5
CONF
cat > "$T/hard.txt" <<'W'
# name: Too hard
Warmup
- 1m 90% easy Pace

Main
- 20m 97% threshold Pace
W
monitor_safety
start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/hard.txt"
wait_for 20 prop_is StepIndex 1 || fail "main step never began"
hard() { awk -v t="$(prop TargetSpeed)" 'BEGIN { exit !(t > 12) }'; }
wait_for 20 hard || fail "main step target $(prop TargetSpeed)"

wait_for 30 safety_seen hr-ceiling "slowing to 5.0" ||
        fail "no hr-ceiling SafetyAction (HR $(prop HeartRate)): $(safety_actions)"
# Read after the action: paced no longer raises the speed once the HR is above
# the ceiling, so the HR hovers just above it and may already be falling.
hr=$(prop HeartRate)
[ "$hr" -ge 140 ] || fail "ceiling engaged at $hr bpm"
# The belt is brought down to the recovery speed.
recovery() { sim_commands | awk '$2 == "set-target-speed" { v = $4 } END { exit !(v == 5) }'; }
wait_for 20 recovery || fail "speed not dropped to 5 km/h: $(sim_commands | tail -5)"
slow() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s < 5.2) }'; }
wait_for 20 slow || fail "belt still at $(prop Speed) km/h"
prop_is State '"running"' || fail "state $(prop State)"

# Heart rate back below 135: released, the step's pace again.
wait_for 60 safety_seen hr-ceiling "back down" ||
        fail "ceiling never released (HR $(prop HeartRate)): $(safety_actions)"
# (It then engages again as the pace climbs back: the runner is too slow for it.)
faster() { sim_commands | awk '$2 == "set-target-speed" { if ($4 == 5) low = 1; else if (low && $4 > 5.5) up = 1 }
        END { exit !up }'; }
wait_for 20 faster || fail "step target not applied again: $(sim_commands | tail -3)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
