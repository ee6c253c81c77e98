#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [Footpod] distance = footpod, through the whole daemon on the simulator: a
# belt that runs 5 % faster than it reports (--sim-footpod 1.05), so the
# footpod on the runner measures 5 % more than the treadmill says. The same
# workout, a time step then a distance step, twice:
#  - distance = treadmill (the default): the session's recorded distance is
#    the treadmill's (about 490 m in the 3 minutes, ramp included), and 250 m
#    of the distance step take 90 s at 10 km/h;
#  - distance = footpod: the recorded distance is the footpod's (1.05 x the
#    treadmill's over the time step), and the distance step ends after 250 m
#    of the footpod's, 85.7 s at the runner's true 10.5 km/h;
# and what the belt is commanded is the same 10 km/h either way.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/run.txt" <<'W'
# name: Footpod distance
Run
- 3min 10km/h
- 0.25km 10km/h
W

footpod_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/footpod io.paced.paced1.Device Connected)" = "b true" ]
}

# run_once SOURCE: the workout with [Footpod] distance = SOURCE; writes to
# $T/SOURCE the time step's lap distance, the distance step's lap distance and
# duration and the session's recorded distance.
run_once() {
        cat > "$T/paced.conf" <<CONF
[Devices]
footpod = auto
[Footpod]
distance = $1
[Safety]
allow_remote_start = yes
CONF
        rm -rf "$T/state" && mkdir -p "$T/state"
        start_paced --simulate --time-scale 20 --sim-footpod 1.05
        wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
        wait_for 10 footpod_connected || fail "simulated footpod never connected"
        expect_rc 0 pc start "$T/run.txt"
        wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
        wait_for 30 prop_is State '"finished"' || fail "did not finish: $(prop State)"
        wait_for 10 sessions_written || fail "session never written"
        [ "$(sim_commands | awk '$2 == "set-target-speed" && $4 > m { m = $4 } END { print m + 0 }')" = 10 ] ||
                fail "commanded with distance = $1: $(sim_commands)"
        stop_paced TERM
        [ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
        sqlite3 "$T/state/paced.db" \
                "SELECT (SELECT distance_m FROM laps WHERE kind = 'step' AND step_index = 0),
                        (SELECT distance_m FROM laps WHERE kind = 'step' AND step_index = 1),
                        (SELECT end_t - start_t FROM laps WHERE kind = 'step' AND step_index = 1),
                        (SELECT max(distance_m) FROM samples)" | tr '|' ' ' > "$T/$1"
        cp "$T/paced.log" "$T/paced-$1.log"
}

run_once treadmill
read -r tm0 tm1 tm1_s tm_total < "$T/treadmill"
log "treadmill: time step $tm0 m, distance step $tm1 m in $tm1_s s, session $tm_total m"
run_once footpod
read -r fp0 fp1 fp1_s fp_total < "$T/footpod"
log "footpod: time step $fp0 m, distance step $fp1 m in $fp1_s s, session $fp_total m"

# The treadmill's 3 minutes at 10 km/h (500 m, less the ramp up), the
# distance step's 250 m of it in 90 s, and the session's distance the two.
awk -v d="$tm0" -v d1="$tm1" -v s="$tm1_s" -v tot="$tm_total" 'BEGIN {
        exit !(d > 460 && d < 500 && d1 > 249 && d1 < 251.5 && s > 88.5 && s < 91.5 &&
               tot > d + 245 && tot < d + 252) }' ||
        fail "distance = treadmill: $(cat "$T/treadmill")"
# The footpod's: 5 % more over the same 3 minutes, and its 250 m in 85.7 s.
awk -v d="$fp0" -v tm="$tm0" -v d1="$fp1" -v s="$fp1_s" -v tot="$fp_total" 'BEGIN {
        exit !(d / tm > 1.03 && d / tm < 1.07 && d1 > 249 && d1 < 251.5 && s > 84.2 &&
               s < 87.2 && tot > d + 245 && tot < d + 252) }' ||
        fail "distance = footpod: $(cat "$T/footpod") (treadmill's: $(cat "$T/treadmill"))"
log "PASS"
