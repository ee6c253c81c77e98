#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Through the whole daemon on the simulator: a treadmill that leaves
# Total Distance out of every other Treadmill Data record (speed only). The
# mile of a time trial ends within 1 m of 1609.344 m of the belt's travel
# (the simulated belt's exact travel when each command reached it), the stored
# distance never goes back, and the session's laps of the mile add up to it.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
cat > "$T/mile.txt" <<'W'
# name: Sparse mile
Warmup
- 20s 10km/h

Time trial
- 1mi 15km/h

Cooldown
- 10s 8km/h
W
# Ten times real time: at 20 a millisecond's delay of the loop (a loaded
# machine) is already 8 cm of belt at 15 km/h.
start_paced --simulate --time-scale 10 --sim-distance-every 2 --verbose
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/mile.txt"
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
# 20 + 386 + 10 virtual seconds, 42 real.
wait_for 90 prop_is State '"finished"' || fail "did not finish: $(prop State) $(prop StepIndex)"

# Where the simulated belt was when the mile began and ended (paced logs it at
# debug level from the model itself, at the engine's step-change time).
belt_at_step() {
        sed -n "s/.*Step $1 began at CLOCK_MONOTONIC [0-9.]* s, the simulated belt at \([0-9.]*\) m\./\1/p" \
                "$T/paced.log"
}
start=$(belt_at_step 2)
end=$(belt_at_step 3)
[ -n "$start" ] && [ -n "$end" ] || fail "no step times in the log"
log "mile from ${start} m to ${end} m of belt travel: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%+.3f m", b - a - 1609.344 }')"
awk -v a="$start" -v b="$end" 'BEGIN { d = b - a - 1609.344; exit !(d <= 1 && d >= -1) }' ||
        fail "the mile ended at $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') m of belt travel"

# What was stored: a distance that never goes back, and the mile as its lap.
expect_rc 0 pc export 1 --format csv --state-dir "$T/state" -o "$T/s.csv"
awk -F, 'NR > 1 && $8 != "" { if ($8 + 0 < last - 1e-9) { print "back: " last " -> " $8; bad = 1 }
         last = $8 + 0 } END { exit bad || last < 1650 }' "$T/s.csv" ||
        fail "stored distance not monotonic or short: $(cut -d, -f1,8 "$T/s.csv" | tail -n 5)"
pc show 1 --json --state-dir "$T/state" > "$T/show.json" || fail "pacectl show failed"
python3 - "$T/show.json" <<'PY' || fail "laps: $(cat "$T/show.json")"
import json, sys
s = json.load(open(sys.argv[1]))
# The time trial's four laps (a mile is four 402.3 m laps) make a mile,
# each stored to 0.1 m, and its result is their sum.
laps = [l for l in s["laps"] if l["kind"] == "trial"]
assert len(laps) == 4, laps
assert abs(sum(l["distance_m"] for l in laps) - 1609.344) < 0.25, laps
r = s["results"][0]
assert r["complete"] and abs(r["distance_m"] - 1609.344) < 0.01, r
assert abs(sum(r["laps_s"]) - r["time_s"]) < 0.25, r
PY
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
