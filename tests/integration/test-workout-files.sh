#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The workout files runners already have, as a runner uses them: pacectl
# validate prints the totals each file's own description gives and says
# how it read the file; pacectl start runs a FIT workout (sent as bytes)
# and a .zwo without durationType, printing how paced read it; files of
# other formats are refused with what paced reads instead.
source "$(dirname "$0")/lib.sh"
lib_init
DATA="$PACED_SOURCE_DIR/tests/data/workouts"

# validate FILE PROFILE TOTAL [NOTE]: exit 0, the total line, the note.
validate() {
        expect_rc 0 pc validate --profile "$2" "$DATA/$1"
        grep -qF "Total: $3" "$T/out" || fail "$1: want 'Total: $3', got: $(grep Total "$T/out")"
        if [ -n "${4:-}" ]; then
                grep '^Note: ' "$T/out" | grep -qF -- "$4" || fail "$1: no note '$4': $(cat "$T/out")"
        fi
}

# luishpinto/zwift: "1.00 km warming up + 1 x ( 6.80 km @ T + 0.40 km
# recovering ) + 6 x ( 0.20 km @ I + 0.20 km recovering ) + 1.00 km cooling
# down" is 11.6 km (not 3 h 13 min of "seconds").
validate zwo/four-miles-threshold.zwo 5K=20:00 "50:22, 11.60 km" "durations read as metres"
validate zwo/pyramid.zwo 5K=20:00 "35:20, 8.00 km" "durations read as metres"
validate zwo/one-mile-threshold.zwo 5K=20:00 "43:41, 9.90 km"
validate zwo/two-miles-threshold.zwo 5K=20:00 "48:50, 11.20 km"
validate zwo/variable-intervals.zwo 5K=20:00 "30:22, 6.80 km"
validate zwo/speed-test.zwo 5K=20:00 "19:38, 4.70 km"
# 10 min + 4 x (2 + 1 min) + 2 x 1 min + 5 min
validate rules/zwo-running-incline.zwo 5K=20:00 "29:00" "incline values of 0.40 or less"
validate rules/zwo-zwift-export.zwo 5K=20:00,ZwiftPace=5k "1:11:30" 'pace="8268"'
grep -qF "One minute to go" "$T/out" || fail "the 9:00 text event is not listed"
validate rules/zwo-trainasone.zwo 5K=20:00 "16:00" "powers are fractions of the file's threshold pace 5:02/km"
validate rules/zwo-distoffset.zwo 10K=42:00 "45:23, 9.20 km" "text events at distoffset"
# FIT workouts written by Garmin's SDK: the lap-button warm-up is open.
validate fit/garmin-intervals.fit 5K=20:00,MaxHR=190 "40:24, 8.67 km (plus open steps"
validate fit/nested-repeats.fit 5K=20:00,MaxHR=190 "51:21, 10.20 km"
validate icu/quick-guide-pace.txt ThresholdPace=4:30/km "59:02, 11.12 km"
validate icu/prompts-and-lap.txt ThresholdPace=4:30/km "49:30, 10.23 km (plus open steps"
validate rules/icu-track-100m.txt ThresholdPace=4:30/km "33:20:00" "warning: 33:20:00 and"

expect_rc 0 pc validate --json "$DATA/rules/zwo-distoffset.zwo"
grep -qF '"cues":[{"at_m":900.000,"text":"Last 100 meters. Almost there!"}]' "$T/out" ||
        fail "JSON cue: $(cat "$T/out")"
grep -qF '"notes":["durations read as metres' "$T/out" || fail "JSON notes"

# Refusals name the step or line and say what is read instead.
refused() {
        expect_rc 2 pc validate "$DATA/$1"
        grep -qF -- "$2" "$T/err" || fail "$1: want '$2', got: $(cat "$T/err")"
}
refused fit/power-run.fit 'step 2 ("Hard"): target_type power'
refused fit/activity.fit "a FIT activity (a recorded run), not a workout"
refused other/qz-program.xml "QZ XML training programs (<rows>) are not supported; convert"
refused other/workout.tcx "TCX files are not supported"
refused icu/athletica-power-run.txt "athletica-power-run.txt:2:6: 'Z2' alone is a power zone"

# The daemon: a FIT workout sent as bytes, a .zwo whose reading is said.
start_bus
cat > "$T/paced.conf" <<CONF
[Runner]
5k = 20:00
max_hr = 190
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

cp "$DATA/fit/garmin-intervals.fit" "$T/intervals.fit"
expect_rc 0 pc start "$T/intervals.fit"
wait_for 10 prop_is State '"running"' || fail "FIT workout not running: $(prop State)"
[ "$(prop Workout)" = '"5 x 1 km"' ] || fail "Workout $(prop Workout)"
[ "$(prop StepCount)" -eq 12 ] || fail "StepCount $(prop StepCount)"
expect_rc 0 pc stop
wait_for 10 prop_is State '"aborted"' || fail "not stopped: $(prop State)"

cp "$DATA/zwo/pyramid.zwo" "$T/pyramid.zwo"
expect_rc 0 pc start "$T/pyramid.zwo"
grep -qF "Note: durations read as metres" "$T/out" || fail "start reply: $(cat "$T/out")"
prop WorkoutNotes | grep -qF "durations read as metres" || fail "WorkoutNotes $(prop WorkoutNotes)"
expect_rc 0 pc stop

cp "$DATA/other/qz-program.xml" "$T/program.xml"
expect_rc 2 pc start "$T/program.xml"
grep -qF "QZ XML training programs" "$T/err" || fail "QZ program: $(cat "$T/err")"
log "PASS"
