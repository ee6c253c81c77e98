#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM in a fast rep with a slow max_accel: 15.5 -> 5 km/h at 0.5 km/h/s
# takes 21 s, longer than the old fixed 15 s budget. paced's budget comes from
# the configuration (the slowest allowed ramp from max_speed), so the belt
# reaches the cool-down speed before paced exits, and paced says so; the
# monitor (abort mode) checks every command on the way down.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
max_speed = 16
max_accel = 0.5
stop_policy = cooldown
cooldown_speed = 5
CONF
printf '# name: Fast rep\nMain\n- 10m 15.5km/h\n' > "$T/fast.txt"
start_paced --simulate --time-scale 20 --sim-belt-speed 8
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/fast.txt"
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
fast() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s > 15.3) }'; }
wait_for 60 fast || fail "belt never at the rep's speed: $(prop Speed)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "SIGTERM: exit $PACED_RC"
grep -q 'Safe stop done: shutdown: treadmill left safe' "$T/paced.log" ||
        fail "the safe stop did not finish: $(grep -i 'safe stop\|shutdown' "$T/paced.log")"
grep -q 'Simulated belt left running at .* (target 5.0 km/h)' "$T/paced.log" ||
        fail "belt not brought to 5 km/h: $(grep 'Simulated belt' "$T/paced.log")"
log "PASS"
