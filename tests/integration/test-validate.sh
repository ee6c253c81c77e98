#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl validate and plan on real files: output, JSON and exit codes.
set -euo pipefail

: "${PACECTL:?}" "${PACED_SOURCE_DIR:?}"
DATA="$PACED_SOURCE_DIR/tests/data/workouts"
LIB="$PACED_SOURCE_DIR/conf/workouts"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: runs CMD, stdout to $TMP/out, stderr to $TMP/err.
expect() {
        local want=$1 got=0
        shift
        "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
        [ "$got" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "$* exited $got, want $want"; }
}
contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$2' not in $1"; }; }

# A valid text workout: table and totals (10:00 at 10 km/h, 4 x (400 m at
# 15 km/h + 200 m at 9 km/h), 5:00 at 9 km/h = 26:44 and 4.82 km).
expect 0 "$PACECTL" validate "$DATA/good.txt"
contains "$TMP/out" "Workout: Test session"
contains "$TMP/out" "Total: 26:44, 4.82 km"
contains "$TMP/out" "15.0 km/h"
contains "$TMP/out" "2.0%"
[ "$(grep -c '^ *[0-9]\+  active' "$TMP/out")" -eq 4 ] || fail "expected 4 active steps"

expect 0 "$PACECTL" validate --json "$DATA/good.txt"
contains "$TMP/out" '"name":"Test session"'
contains "$TMP/out" '"total_time_s":1604.000'
contains "$TMP/out" '"any_clamped":false'
[ "$(grep -o '"index":' "$TMP/out" | wc -l)" -eq 10 ] || fail "expected 10 steps in JSON"
if command -v node >/dev/null; then
        node -e 'const w = JSON.parse(require("fs").readFileSync(process.argv[1]));
                 if (w.steps.length !== 10 || w.steps[1].speed_start_kmh !== 15) process.exit(1);' \
                "$TMP/out" || fail "JSON does not parse or is wrong"
fi

# A broken file: exit 2, located error, nothing on stdout.
expect 2 "$PACECTL" validate "$DATA/bad.txt"
contains "$TMP/err" "$DATA/bad.txt:7:18: expected 'Pace', a reference pace"
[ ! -s "$TMP/out" ] || fail "a bad file printed output"

# Zwift: a run workout loads with its totals, a bike workout is refused.
expect 0 "$PACECTL" validate --profile 5K=20:00 "$DATA/run-intervals.zwo"
contains "$TMP/out" "Workout: 5K intervals"
contains "$TMP/out" "Total: 49:20"
expect 2 "$PACECTL" validate "$DATA/bike.zwo"
contains "$TMP/err" "bike.zwo:4:5: this is a bike workout"

# Clamping is reported, never silent.
expect 0 "$PACECTL" validate --max-incline 5 "$LIB/hill-sprints.txt"
contains "$TMP/out" "Clamped to the machine range / caps"
contains "$TMP/out" "incline 6.0 % requested, 5.0 % used"
expect 0 "$PACECTL" validate --json --speed-cap 12 --profile Mile=5:00 race-pace-mile
contains "$TMP/out" '"any_clamped":true'

# The profile, from a config file, with its derivation shown.
# One vocabulary, paced.conf's: every [Runner] key of the file counts (the
# other sections are not the profile), so the preview is what paced runs.
cat >"$TMP/paced.conf" <<'CONF'
[Runner]
mile = 5:30
max_hr = 190
threshold_pace = 4:20/km
easy_pace = 6:00/km
hrvt1 = 150
units = km
[Safety]
max_speed = 16
CONF
expect 0 "$PACECTL" validate --profile "$TMP/paced.conf" mile-time-trial
contains "$TMP/out" "5K             18:17     3:39/km    from Mile 5:30, Riegel (exponent 1.06)"
contains "$TMP/out" "Threshold                4:20/km    configured"
contains "$TMP/out" "Easy                     6:00/km    configured"
contains "$TMP/out" "Max HR 190, LTHR 171 (90 % of max)"
contains "$TMP/out" "Lap 4, last 100: all in"
[ ! -s "$TMP/err" ] || fail "warnings for paced.conf's own keys: $(cat "$TMP/err")"
# The same as key=value pairs.
expect 0 "$PACECTL" validate --profile mile=5:30,max_hr=190,threshold_pace=4:20/km,easy_pace=6:00/km mile-time-trial
contains "$TMP/out" "Threshold                4:20/km    configured"
# The old spellings still work, with a warning naming the new one.
expect 0 "$PACECTL" validate --profile Mile=5:30,MaxHR=190,ThresholdPace=4:20/km easy-run
contains "$TMP/out" "Max HR 190"
contains "$TMP/err" "'MaxHR' is deprecated, write 'max_hr'"
contains "$TMP/err" "'ThresholdPace' is deprecated, write 'threshold_pace'"
# Unknown keys are errors, on their line, with the likely key.
printf '[Runner]\nmile = 5:30\nmax_hrr = 190\n' >"$TMP/typo.conf"
expect 2 "$PACECTL" validate --profile "$TMP/typo.conf" easy-run
contains "$TMP/err" "typo.conf:3: unknown key 'max_hrr' (did you mean 'max_hr'?)"
printf '[Runner]\nmile=fast\n' >"$TMP/bad.conf"
expect 2 "$PACECTL" validate --profile "$TMP/bad.conf" easy-run
contains "$TMP/err" "bad.conf:2: invalid value for 'mile': 'fast'"
expect 2 "$PACECTL" validate --profile Shoe=big easy-run
contains "$TMP/err" "unknown key 'Shoe'"
# A typo in paced.conf's other sections, or a key in the wrong one, is an
# error too: paced would refuse that file.
printf '[Runner]\nmile = 5:30\n[Safety]\nmax_sped = 12\n' >"$TMP/typo2.conf"
expect 2 "$PACECTL" validate --profile "$TMP/typo2.conf" easy-run
contains "$TMP/err" "typo2.conf:4: unknown key 'max_sped' in [Safety] (did you mean 'max_speed'?)"
printf '[Runner]\nmile = 5:30\nmax_speed = 12\n' >"$TMP/misplaced.conf"
expect 2 "$PACECTL" validate --profile "$TMP/misplaced.conf" easy-run
contains "$TMP/err" "misplaced.conf:3: 'max_speed' belongs in [Safety], not [Runner]"
printf '[Runner]\nmile = 5:30\n\n[Saftey]\n' >"$TMP/section.conf"
expect 2 "$PACECTL" validate --profile "$TMP/section.conf" easy-run
contains "$TMP/err" "section.conf:4: unknown section [Saftey] (did you mean [Safety]?)"
expect 2 "$PACECTL" validate --profile mile=5:30,max_speed=12 easy-run
contains "$TMP/err" "'max_speed' belongs in [Safety], not [Runner]"
# paced.conf itself says which key was meant.
printf '[Runner]\nMaxHR = 190\n' >"$TMP/camel.conf"
"$PACED" --config "$TMP/camel.conf" --check-config >"$TMP/out" 2>"$TMP/err" && fail "paced took MaxHR"
contains "$TMP/err" "unknown key 'MaxHR' in [Runner] (did you mean 'max_hr'?)"

# Every built-in workout validates.
for f in "$LIB"/*.txt; do
        expect 0 "$PACECTL" validate "$f"
done
expect 0 "$PACECTL" validate ramp-test
contains "$TMP/out" "plus open steps"

# Usage errors.
expect 2 "$PACECTL" validate
expect 2 "$PACECTL" validate /nonexistent/workout.txt
contains "$TMP/err" "/nonexistent/workout.txt: No such file or directory"
expect 2 "$PACECTL" validate --max-speed fast easy-run
expect 0 "$PACECTL" validate --help
contains "$TMP/out" "Usage: pacectl validate FILE"

# Reps this machine cannot get to in time are reported: a 10 s
# sprint at 14.9 km/h from a 5.1 km/h walk needs ~21 s at max_accel 0.5.
printf 'Sprints 2x\n- Walk 1m50 50%% easy Pace\n- Stride 10s 100%% mile Pace\n' > "$TMP/sprints.txt"
expect 0 "$PACECTL" validate --profile Mile=6:30 "$TMP/sprints.txt"
contains "$TMP/out" "Warnings: run-ups at max_accel 0.5 km/h/s"
contains "$TMP/out" "step 2: the run-up to 14.9 km/h (21 s from 5.1 km/h at max_accel 0.5 km/h/s) is longer than the timed rep itself"
# ... and a rep the recovery cannot give its run-up starts late, when at speed.
printf 'Sprints 2x\n- Walk 20s 50%% easy Pace\n- Stride 30s 100%% mile Pace\n' > "$TMP/short.txt"
expect 0 "$PACECTL" validate --profile Mile=6:30 --belt-accel 0.3 "$TMP/short.txt"
contains "$TMP/out" "a belt of 0.3 km/h/s"
contains "$TMP/out" "step 2: 14.9 km/h is 34 s away from 5.1 km/h at the belt's 0.3 km/h/s, more than the step before can give: the rep starts about 24 s late"
# The library is deliverable on the shipped config (strides from a jog, hill
# sprints as 25 s efforts on a grade).
for w in strides hill-sprints intervals-6x400 race-pace-mile mile-time-trial; do
        expect 0 "$PACECTL" validate --profile Mile=6:30 "$w"
        ! grep -q Warnings "$TMP/out" || fail "$w: $(grep -A3 Warnings "$TMP/out")"
done

# The plan.
expect 0 "$PACECTL" plan --goal-mile 5:30 --weeks 8 --start 2026-12-01
contains "$TMP/out" "Mile plan: goal 5:30"
contains "$TMP/out" "Week 8 (taper)"
contains "$TMP/out" "2027-01-25 Mon  run    mile-time-trial      the mile at goal pace        Goal: mile time trial"
[ "$(grep -c '^  20' "$TMP/out")" -eq 56 ] || fail "expected 56 days"
[ "$(grep -c '  run  ' "$TMP/out")" -eq 40 ] || fail "expected 40 run days"

expect 0 "$PACECTL" plan --goal-mile 4:45 --weeks 6 --days-per-week 3 --start 2026-12-01 --json
contains "$TMP/out" '"goal_mile_s":285.0,"current_mile_s":null,"weeks":6,"days_per_week":3,"start":"2026-12-01","end":"2027-01-11"'
[ "$(grep -o '"type":"run"' "$TMP/out" | wc -l)" -eq 18 ] || fail "expected 18 runs"
if command -v node >/dev/null; then
        node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1]));
                 if (p.days.length !== 42 || p.days[41].workout !== "mile-time-trial") process.exit(1);' \
                "$TMP/out" || fail "plan JSON does not parse or is wrong"
fi

expect 2 "$PACECTL" plan --weeks 8
contains "$TMP/err" "--goal-mile is required"
expect 2 "$PACECTL" plan --goal-mile 5:30 --weeks 12
expect 2 "$PACECTL" plan --goal-mile 5:30 --days-per-week 7
expect 2 "$PACECTL" plan --goal-mile fast
expect 2 "$PACECTL" plan --goal-mile 5:30 --start 2026-02-30
expect 0 "$PACECTL" plan --goal-mile 5:30

echo "ok"
