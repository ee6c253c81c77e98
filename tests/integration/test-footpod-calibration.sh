#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Through the whole daemon on the simulator, a footpod on a treadmill whose
# belt runs 5 % faster than it reports (--sim-footpod 1.05):
#  - the footpod's speed, cadence and stride show on the bus and in pacectl;
#  - the calibration estimate converges to the simulator's factor and is
#    offered by `pacectl calibrate`;
#  - until the runner accepts it, what paced commands is exactly what it
#    commands without a footpod (safety: the footpod changes nothing on its
#    own); a workout under way refuses the change;
#  - accepted, the next workout's targets are commanded through it, and it
#    survives a restart.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Devices]
footpod = auto
[Safety]
allow_remote_start = yes
CONF
cat > "$T/steady.txt" <<'W'
# name: Steady
Run
- 20min 10km/h
W
cat > "$T/short.txt" <<'W'
# name: Short
Run
- 45s 12km/h
W

footpod() {
        busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Footpod "$1" | cut -d' ' -f2-
}
footpod_speed_is_10_5() { prop FootpodSpeed | awk '{ exit !($1 > 10.4 && $1 < 10.6) }'; }
footpod_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/footpod io.paced.paced1.Device Connected)" = "b true" ]
}
# max_speed_commanded [N]: the fastest speed target the simulated belt received
# after its first N commands (ramps and the cool-down are slower).
max_speed_commanded() {
        sim_commands | tail -n +$((${1:-0} + 1)) |
                awk '$2 == "set-target-speed" && $4 > m { m = $4 } END { print m + 0 }'
}

start_paced --simulate --time-scale 20 --sim-footpod 1.05
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
wait_for 10 footpod_connected || fail "simulated footpod never connected"
expect_rc 0 pc calibrate
grep -q "no steady running" "$T/out" || fail "estimate before running: $(cat "$T/out")"
# Not ready: nothing to accept.
expect_rc 1 pc calibrate --accept

expect_rc 0 pc start "$T/steady.txt"
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
# The belt reports 10 km/h; the runner, and the footpod, run 10.5.
wait_for 10 footpod_speed_is_10_5 || fail "footpod speed: $(prop FootpodSpeed)"
cad=$(prop Cadence)
[ "$cad" -ge 160 ] && [ "$cad" -le 200 ] || fail "cadence $cad"
expect_rc 0 pc status
grep -Eq "Footpod: *10\.[456] km/h, 1[6-9][0-9] steps/min" "$T/out" || fail "pacectl status: $(cat "$T/out")"
timeout 20 "$PACECTL" watch --count 2 > "$T/watch" 2>&1 || fail "pacectl watch: $(cat "$T/watch")"
grep -Eq "footpod 10\.[456] km/h 1[6-9][0-9] spm" "$T/watch" || fail "pacectl watch: $(cat "$T/watch")"
# A workout is under way: the calibration does not change under the runner.
wait_for 40 sh -c "'$PACECTL' calibrate --json | grep -q '\"status\":\"ready\"'" ||
        fail "estimate never ready: $(pc calibrate)"
expect_rc 1 pc calibrate --accept
grep -q "workout is under way" "$T/err" || fail "accept mid-workout: $(cat "$T/err")"
expect_rc 0 pc stop
wait_for 10 prop_is State '"aborted"' || fail "not stopped: $(prop State)"

# Safety: before acceptance the footpod changed nothing that was commanded.
[ "$(max_speed_commanded)" = "10" ] || fail "commanded before acceptance: $(sim_commands)"
n_before=$(sim_commands | wc -l)

# Stored and exported: the footpod's cadence (about 176 steps/min at 10.5 km/h)
# as RunCadence in strides a minute, in every second of the steady running the
# estimate needed (120 s at least).
expect_rc 0 pc export 1 --format tcx --state-dir "$T/state" -o "$T/s.tcx"
n=$(grep -o '<ns3:RunCadence>8[789]</ns3:RunCadence>' "$T/s.tcx" | wc -l)
[ "$n" -ge 100 ] || fail "RunCadence in $n trackpoints: $(grep -m3 Trackpoint "$T/s.tcx")"

expect_rc 0 pc calibrate --json
python3 - "$T/out" <<'PY' || fail "estimate: $(cat "$T/out")"
import json, sys
c = json.load(open(sys.argv[1]))
e = c["estimate"]
assert e["status"] == "ready", e
assert abs(e["factor"] - 1.05) < 0.005, e
assert e["spread"] < 0.01 and e["seconds"] >= 120 and e["segments"] >= 2, e
assert c["in_use"] == {"factor": 1, "offset_kmh": 0, "source": "config"}, c
PY
# Nobody outside the admin group accepts it; reading it is fine.
expect_rc 0 pc_nobody calibrate
expect_rc 4 pc_nobody calibrate --accept
expect_rc 0 pc calibrate --accept
grep -q "speed x 1.0[45]" "$T/out" || fail "accept: $(cat "$T/out")"
read -r factor offset source <<< "$(footpod Calibration)"
[ "$source" = '"accepted"' ] || fail "Calibration $(footpod Calibration)"
awk -v f="$factor" -v o="$offset" 'BEGIN { exit !(f > 1.045 && f < 1.055 && o > -0.5 && o < 0.5) }' ||
        fail "accepted $factor $offset"

# Accepted: 12 km/h true is (12 - offset) / factor km/h of belt (11.43 at 1.05),
# to the simulated treadmill's 0.1 km/h increment.
expect_rc 0 pc start "$T/short.txt"
wait_for 30 prop_is State '"finished"' || fail "short did not finish: $(prop State)"
got=$(max_speed_commanded "$n_before")
awk -v g="$got" -v f="$factor" -v o="$offset" 'BEGIN { w = (12 - o) / f; exit !(g > w - 0.051 && g < w + 0.051) }' ||
        fail "commanded after acceptance ($factor, $offset) after $n_before: $(sim_commands)"

# Kept across a restart.
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
start_paced --simulate --time-scale 20
[ "$(footpod Calibration)" = "$factor $offset \"accepted\"" ] || fail "after restart: $(footpod Calibration)"
expect_rc 0 pc calibrate --reset
[ "$(footpod Calibration)" = "1 0 \"config\"" ] || fail "after reset: $(footpod Calibration)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
