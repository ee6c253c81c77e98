#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [Footpod] distance = footpod, through the whole daemon on the simulator: a
# belt that runs 5 % faster than it reports (--sim-footpod 1.05), so the
# footpod on the runner measures 5 % more than the treadmill says. The same
# workout, a time step then a distance step, twice:
#  - distance = treadmill (the default): the session's recorded distance is
#    the treadmill's, and 250 m of the distance step take 90 s at 10 km/h;
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
- 1min 10km/h
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
        # The rate the recorded distance grew at once the belt ran at 10 km/h.
        sqlite3 "$T/state/paced.db" \
                "SELECT (SELECT distance_m FROM laps WHERE kind = 'step' AND step_index = 0),
                        (SELECT (max(distance_m) - min(distance_m)) / (max(t) - min(t))
                         FROM samples WHERE step_index = 0 AND speed_kmh > 9.95),
                        (SELECT distance_m FROM laps WHERE kind = 'step' AND step_index = 1),
                        (SELECT end_t - start_t FROM laps WHERE kind = 'step' AND step_index = 1),
                        (SELECT max(distance_m) FROM samples)" | tr '|' ' ' > "$T/$1"
        cp "$T/paced.log" "$T/paced-$1.log"
}

run_once treadmill
read -r tm0 tm0_mps tm1 tm1_s tm_total < "$T/treadmill"
log "treadmill: time step $tm0 m ($tm0_mps m/s at 10 km/h), distance step $tm1 m in $tm1_s s, session $tm_total m"
run_once footpod
read -r fp0 fp0_mps fp1 fp1_s fp_total < "$T/footpod"
log "footpod: time step $fp0 m ($fp0_mps m/s at 10 km/h), distance step $fp1 m in $fp1_s s, session $fp_total m"

# The recorded distance grew at the treadmill's 10 km/h (2.778 m/s), the
# distance step took 250 m of it, and the session's distance is the two steps'.
awk -v d="$tm0" -v v="$tm0_mps" -v d1="$tm1" -v s="$tm1_s" -v tot="$tm_total" 'BEGIN {
        exit !(v > 2.74 && v < 2.815 && d1 > 249 && d1 < 251.5 &&
               s > 88.5 && s < 91.5 && tot > d + 245 && tot < d + 252) }' ||
        fail "distance = treadmill: $(cat "$T/treadmill")"
# ... at the footpod's 10.5 km/h (2.917 m/s), and the distance step ended
# after 250 m of the footpod's.
awk -v d="$fp0" -v v="$fp0_mps" -v d1="$fp1" -v s="$fp1_s" -v tot="$fp_total" 'BEGIN {
        exit !(v > 2.875 && v < 2.96 && d1 > 249 && d1 < 251.5 && s > 84.2 && s < 87.2 && tot > d + 245 && tot < d + 252) }' ||
        fail "distance = footpod: $(cat "$T/footpod")"
log "PASS"
