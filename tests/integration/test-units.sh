#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A runner in miles (units = mi) meets miles everywhere: status, watch
# --lines, show (steps, splits), history, validate and the SVG report give
# paces per mile, speeds in mph and distances in miles, and none of them says
# /km, km/h or km. `faster 0.2mph` moves the target by 0.3219 km/h (paced's
# D-Bus API stays in km/h) and `faster 5s` / `slower 5s` by 5 s a mile. The
# same session read with units = km says km, and the km/h forms still work.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

# A long warm-up to try the speed changes in (then skipped), and more than
# a mile in the main set for a full mile split.
cat > "$T/units.txt" << 'W'
# name: Units check
Warmup
- 30m 90% easy Pace
Main Set
- 1700mtr 5k Pace
Cooldown
- 1m 90% easy Pace
W

sed 's/^#units = km$/units = mi/' "$PACED_SOURCE_DIR/conf/paced.conf" > "$T/paced.conf"
grep -q '^units = mi$' "$T/paced.conf" || fail "could not set units = mi in the shipped config"
start_paced --simulate --time-scale 120
export PACED_STATE_DIR="$T/state"
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

# no_km FILE WHAT: fails if FILE speaks km.
no_km() {
        if grep -nE '/km|km/h|\bkm\b|kph' "$1" >&2; then fail "$2 speaks km (above)"; fi
}
no_mi() {
        if grep -nE '/mi\b|mph|\bmi\b' "$1" >&2; then fail "$2 speaks miles (above)"; fi
}
# near A B TOL: |A - B| <= TOL.
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && d >= -t) }'; }
# The target once the belt's ramp is over (two equal readings).
stable_target() {
        local a b
        for _ in $(seq 50); do
                a=$(prop TargetSpeed)
                sleep 0.2
                b=$(prop TargetSpeed)
                [ "$a" = "$b" ] && { echo "$a"; return 0; }
        done
        fail "the target never settled: $a $b"
}

expect_rc 0 pc start --arm "$T/units.txt"
"$PACECTL" watch --until-done --lines > "$T/watch" 2>&1 &
WATCH_PID=$!
LIB_PIDS+=("$WATCH_PID")
sleep 0.5
expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
target=$(stable_target)

# A speed in mph: paced gets km/h.
expect_rc 0 pc faster 0.2mph
grep -qx "Override +0.2 mph for the rest of the step." "$T/out" || fail "faster 0.2mph: $(cat "$T/out")"
near "$(prop SpeedOverride)" 0.3219 0.0001 || fail "faster 0.2mph: override $(prop SpeedOverride) km/h"
# A pace change: 5 s a mile faster than the target, then slower again.
target=$(stable_target)
before=$(prop SpeedOverride)
want=$(awk -v v="$target" 'BEGIN { p = 3600 * 1.609344 / v; print 3600 * 1.609344 / (p - 5) - v }')
expect_rc 0 pc faster 5s
after=$(prop SpeedOverride)
near "$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" "$want" 0.002 ||
        fail "faster 5s at $target km/h: override $before -> $after, want +$want"
expect_rc 0 pc slower 5s
awk -v a="$(prop SpeedOverride)" -v b="$after" 'BEGIN { exit !(a < b) }' ||
        fail "slower 5s: override $(prop SpeedOverride)"
# The km/h forms keep working.
before=$(prop SpeedOverride)
expect_rc 0 pc slower 0.3
near "$(prop SpeedOverride)" "$(awk -v b="$before" 'BEGIN { print b - 0.3 }')" 0.0001 ||
        fail "slower 0.3: $before -> $(prop SpeedOverride)"
expect_rc 0 pc speed +0.5km/h
expect_rc 2 pc faster 7mph
expect_rc 2 pc speed +5s
grep -q "faster 5s or slower 5s" "$T/err" || fail "speed +5s: $(cat "$T/err")"

expect_rc 0 pc status
cp "$T/out" "$T/status"
grep -qE '^      Target: [0-9.]+ mph \([0-9]+:[0-9]{2}/mi\) \(override \+[0-9.]+ mph\)$' "$T/status" ||
        fail "status target: $(grep Target "$T/status")"
grep -qE '^    Distance: [0-9]+\.[0-9]{2} mi, elapsed' "$T/status" || fail "status distance"
no_km "$T/status" status

expect_rc 0 pc skip
wait "$WATCH_PID" || fail "watch failed: $(tail "$T/watch")"
grep -qE '\| pace [0-9]+:[0-9]{2}/mi \(target [0-9]+:[0-9]{2}/mi\).* \| [0-9]+\.[0-9]{2} mi' "$T/watch" ||
        fail "watch --lines: $(tail -3 "$T/watch")"
no_km "$T/watch" "watch --lines"
# paced's own sentences (the end of the workout, cues) in mph too.
wait_for 10 grep -qE "Workout complete: (slowing the belt to|the belt stays at) [0-9.]+ mph" "$T/paced.log" ||
        fail "end note: $(grep 'Workout complete' "$T/paced.log")"

id=$(sqlite3 "$T/state/paced.db" "SELECT max(id) FROM sessions")
expect_rc 0 pc show "$id"
cp "$T/out" "$T/show-mi"
grep -qE '^  Duration: .* Distance: [0-9.]+ mi   Avg pace: [0-9]+:[0-9]{2}/mi \([0-9.]+ mph\)$' "$T/show-mi" ||
        fail "show summary: $(grep Duration "$T/show-mi")"
# The mile split: a mile, at its pace per mile (its time is its pace).
# Columns by their header (ELAPSED is there only with pauses); DISTANCE takes two fields.
split=$(sed -n '/^Splits (mile/,/^$/p' "$T/show-mi" | awk '
        /^ +# +DISTANCE/ { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
        $2 == "1.00" && $3 == "mi" { print $col["TIME"], $col["PACE"] }' | head -1)
[ -n "$split" ] || fail "no mile split: $(sed -n '/^Splits (mile/,/^$/p' "$T/show-mi")"
[ "${split% *}/mi" = "${split#* }" ] || fail "mile split time and pace differ: $split"
grep -qE '^    2  1700 m at [0-9]+:[0-9]{2}/mi +[0-9]+:[0-9]{2}/mi +[0-9]+:[0-9]{2}/mi .* 1\.[0-9]{2} mi ' "$T/show-mi" ||
        fail "show steps: $(sed -n '/^Steps/,/^$/p' "$T/show-mi")"
no_km "$T/show-mi" show

expect_rc 0 pc history
cp "$T/out" "$T/history-mi"
grep -qE "^ +$id .* [0-9]+\.[0-9]{2} mi +[0-9]+:[0-9]{2}/mi " "$T/history-mi" ||
        fail "history: $(cat "$T/history-mi")"
no_km "$T/history-mi" history

expect_rc 0 pc validate "$T/units.txt"
cp "$T/out" "$T/validate-mi"
grep -qE '^  2  active +1700 m .* 1\.06 mi +[0-9]+:[0-9]{2}/mi +[0-9.]+ mph ' "$T/validate-mi" ||
        fail "validate: $(cat "$T/validate-mi")"
grep -qE '^Total: .*, [0-9.]+ mi$' "$T/validate-mi" || fail "validate total"
no_km "$T/validate-mi" validate

expect_rc 0 pc profile --config "$T/paced.conf"
cp "$T/out" "$T/profile-mi"
grep -qE '^  mile +[0-9]+:[0-9]{2}/mi +[0-9.]+ mph ' "$T/profile-mi" || fail "profile: $(cat "$T/profile-mi")"
no_km "$T/profile-mi" profile

expect_rc 0 pc report "$id" -o "$T/mi.svg"
grep -q '>Speed (mph)</text>' "$T/mi.svg" || fail "SVG speed axis"
grep -q '>Pace (min/mi)</text>' "$T/mi.svg" || fail "SVG pace axis"
grep -qE '<text id="subtitle"[^>]*>[^<]* [0-9.]+ mi · avg [0-9]+:[0-9]{2}/mi' "$T/mi.svg" ||
        fail "SVG subtitle: $(grep -o '<text id="subtitle"[^<]*' "$T/mi.svg")"
no_km "$T/mi.svg" "the SVG report"

# A runner in km: the same workout says km, and the km/h forms work.
stop_paced
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
cp "$PACED_SOURCE_DIR/conf/paced.conf" "$T/paced.conf"
start_paced --simulate --time-scale 120
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start --arm "$T/units.txt"
"$PACECTL" watch --until-done --lines > "$T/watch-km" 2>&1 &
WATCH_PID=$!
LIB_PIDS+=("$WATCH_PID")
sleep 0.5
expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
expect_rc 0 pc faster 0.5
grep -qx "Override +0.5 km/h for the rest of the step." "$T/out" || fail "faster 0.5: $(cat "$T/out")"
near "$(prop SpeedOverride)" 0.5 0.0001 || fail "faster 0.5: override $(prop SpeedOverride)"
target=$(stable_target)
want=$(awk -v v="$target" 'BEGIN { p = 3600 / v; print 3600 / (p - 5) - v }')
expect_rc 0 pc faster 5s
near "$(awk -v a="$(prop SpeedOverride)" 'BEGIN { print a - 0.5 }')" "$want" 0.002 ||
        fail "faster 5s (km) at $target km/h: override $(prop SpeedOverride), want 0.5 + $want"
expect_rc 0 pc status
grep -qE '^      Target: [0-9.]+ km/h \([0-9]+:[0-9]{2}/km\) \(override \+[0-9.]+ km/h\)$' "$T/out" ||
        fail "status target (km): $(grep Target "$T/out")"
no_mi "$T/out" "status (km)"
expect_rc 0 pc skip
wait "$WATCH_PID" || fail "watch failed: $(tail "$T/watch-km")"
grep -qE '\| pace [0-9]+:[0-9]{2}/km \(target [0-9]+:[0-9]{2}/km\).* \| [0-9]+\.[0-9]{2} km' "$T/watch-km" ||
        fail "watch --lines (km): $(tail -3 "$T/watch-km")"
no_mi "$T/watch-km" "watch (km)"

id=$(sqlite3 "$T/state/paced.db" "SELECT max(id) FROM sessions")
expect_rc 0 pc show "$id"
cp "$T/out" "$T/show-km"
grep -qE 'Distance: [0-9.]+ km   Avg pace: [0-9]+:[0-9]{2}/km \([0-9.]+ km/h\)$' "$T/show-km" ||
        fail "show summary (km): $(grep Duration "$T/show-km")"
grep -qE '^    2  1\.7 km at [0-9]+:[0-9]{2}/km +[0-9]+:[0-9]{2}/km +[0-9]+:[0-9]{2}/km .* 1[67][0-9]{2} m ' "$T/show-km" ||
        fail "show steps (km): $(sed -n '/^Steps/,/^$/p' "$T/show-km")"
no_mi "$T/show-km" "show (km)"
expect_rc 0 pc history
grep -qE "^ +$id .* [0-9]+\.[0-9]{2} km +[0-9]+:[0-9]{2}/km " "$T/out" || fail "history (km): $(cat "$T/out")"
no_mi "$T/out" "history (km)"
expect_rc 0 pc validate "$T/units.txt"
grep -qE '^  2  active +1700 m .* 1\.70 km +[0-9]+:[0-9]{2}/km +[0-9.]+ km/h ' "$T/out" ||
        fail "validate (km): $(cat "$T/out")"
no_mi "$T/out" "validate (km)"
expect_rc 0 pc report "$id" -o "$T/km.svg"
grep -q '>Speed (km/h)</text>' "$T/km.svg" || fail "SVG speed axis (km)"
grep -q '>Pace (min/km)</text>' "$T/km.svg" || fail "SVG pace axis (km)"
no_mi "$T/km.svg" "the SVG report (km)"
log "PASS"
