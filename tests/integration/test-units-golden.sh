#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# units = mi, word for word: what every pacectl command that prints paces,
# speeds or distances says to a runner in miles, compared with the golden
# files in data/units-mi/: history, show (its interval view, and with
# --steps its step table) and status for a fixed session
# (paced-mksession's 3 x 400 m, whose dates are fixed) and a fixed armed
# workout; validate (a workout preview), profile, devices, plan (a fixed
# start date), analyze, thresholds (a stored test result), the first rows
# of export --format csv, and watch --lines while armed; and, where a
# second run is cheap (validate, profile), the units = km counterpart
# (data/units-km/). Only what truly varies is masked: the simulated heart
# rate and RR interval at rest, the control handshake's progress, and the
# test's temporary directory in paths (shown as @T@). watch's lines of the
# running workout depend on the simulator's timing: each is checked
# against a pattern (every pace /mi, every distance mi) instead. A change
# to these outputs must update the golden files (review the diff: it is
# what a runner sees). PACED_UPDATE_GOLDEN=1 rewrites them.
source "$(dirname "$0")/lib.sh"
# Dates and numbers as the golden files have them, whatever the machine's.
export TZ=UTC LC_ALL=C.UTF-8
lib_init
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

GOLDEN="$PACED_SOURCE_DIR/tests/integration/data/units-mi"
GOLDEN_KM="$PACED_SOURCE_DIR/tests/integration/data/units-km"
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state" > "$T/id"
id=$(cat "$T/id")
printf '[Runner]\nunits = mi\nmile = 6:15\n' > "$T/paced.conf"
printf '# name: Golden\nWarmup\n- 10m easy Pace\nMain Set\n- 1mi 5k Pace\n' > "$T/golden.txt"

start_bus
start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

expect_rc 0 pc history --state-dir "$T/state"
cp "$T/out" "$T/history.txt"
expect_rc 0 pc show "$id" --state-dir "$T/state"
cp "$T/out" "$T/show.txt"
expect_rc 0 pc show "$id" --steps --state-dir "$T/state"
cp "$T/out" "$T/show-steps.txt"
expect_rc 0 pc start --arm "$T/golden.txt"
expect_rc 0 pc status
sed -E -e 's/^(  Heart rate: ).*/\1<varies>/' -e 's/^(     Control: ).*/\1<varies>/' \
        "$T/out" > "$T/status.txt"

# mask: the temporary directory as @T@ (it differs on every run).
mask() { sed -e "s|$T|@T@|g"; }

# A workout with a distance in miles, a track rep in metres and a cue.
printf '# name: Preview\nWarmup\n- 10m easy Pace\nMain Set\n- 1mi 5k Pace\n- 400mtr mile Pace\n' \
        > "$T/preview.txt"
expect_rc 0 pc validate --profile "$T/paced.conf" "$T/preview.txt"
mask < "$T/out" > "$T/validate.txt"
expect_rc 0 pc profile
mask < "$T/out" > "$T/profile.txt"
expect_rc 0 pc devices
cp "$T/out" "$T/devices.txt"
expect_rc 0 pc plan --goal-mile 5:45 --current-mile 6:15 --start 2026-01-05 --weeks 6 \
        --days-per-week 3
cat "$T/err" "$T/out" > "$T/plan.txt"
expect_rc 0 pc analyze "$id" --state-dir "$T/state"
cp "$T/out" "$T/analyze.txt"
mkdir -p "$T/state2"
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state2" --test-result 150,170 > /dev/null
expect_rc 0 pc thresholds --state-dir "$T/state2"
cp "$T/out" "$T/thresholds.txt"
expect_rc 0 pc export "$id" --format csv --state-dir "$T/state"
head -n 4 "$T/out" > "$T/export-csv.txt"
# watch while armed: its first line (the heart rate at rest varies; the
# next line comes when it does).
expect_rc 124 timeout 2 "$PACECTL" watch --lines
sed -E -e 's/\| HR [0-9]+ \|/| HR <varies> |/' "$T/out" | head -n 1 > "$T/watch.txt"

# units = km, the same preview and profile (read from a file, paced keeps
# its miles).
sed 's/^units = mi$/units = km/' "$T/paced.conf" > "$T/km.conf"
expect_rc 0 pc validate --profile "$T/km.conf" "$T/preview.txt"
mask < "$T/out" > "$T/km-validate.txt"
expect_rc 0 pc profile --config "$T/km.conf"
mask < "$T/out" > "$T/km-profile.txt"

# watch while running, a footpod on the runner too: every line in miles,
# whatever the timing.
stop_paced TERM
printf '[Devices]\nfootpod = auto\n' >> "$T/paced.conf"
start_paced --simulate --time-scale 50 --sim-footpod 1.0
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start --arm "$T/golden.txt"
expect_rc 0 pc sim press start
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
expect_rc 124 timeout 4 "$PACECTL" watch --lines
grep -E '^running ' "$T/out" > "$T/watch-running" || fail "watch printed no running line: $(cat "$T/out")"
grep -q ' | footpod ' "$T/watch-running" || fail "watch showed no footpod: $(cat "$T/out")"
pace='([0-9]+:[0-9]{2}|--:--)/mi'
if grep -vE "^running +[0-9:]+ step [0-9]+/[0-9]+ .* \| pace $pace \(target $pace\) \| HR [0-9]+( \| a1 [0-9.]+)?( \| footpod [0-9]+\.[0-9] mph [0-9]+ spm)?( \| [0-9]+\.[0-9]{2} mi)?$" \
        "$T/watch-running" >&2; then
        fail "watch --lines with units = mi: the lines above are not in miles"
fi
if grep -nE '/km|km/h|\bkm\b|nan' "$T/watch-running" >&2; then
        fail "watch --lines with units = mi speaks km or nan (above)"
fi
# The treadmill's calibration, with that footpod: its speed offset is km/h
# in paced.conf (which takes mph too), shown in the runner's units.
expect_rc 0 pc calibrate
grep -qE '^In use: +speed x [0-9.]+ [+-][0-9.]+ mph ' "$T/out" || fail "calibrate: $(cat "$T/out")"
if grep -nE '/km|km/h|\bkm\b|nan' "$T/out" >&2; then
        fail "calibrate with units = mi speaks km or nan (above)"
fi

failed=
for f in history show show-steps status validate profile devices plan analyze thresholds export-csv \
        watch km-validate km-profile; do
        dir=$GOLDEN
        name=$f
        case "$f" in
        km-*)
                dir=$GOLDEN_KM
                name=${f#km-}
                ;;
        esac
        if [ -n "${PACED_UPDATE_GOLDEN:-}" ]; then
                cp "$T/$f.txt" "$dir/$name.txt"
                continue
        fi
        if ! diff -u "$dir/$name.txt" "$T/$f.txt" > "$T/diff"; then
                log "pacectl $name differs from $dir/$name.txt (- golden, + now):"
                cat "$T/diff" >&2
                failed="$failed $f"
        fi
done
[ -z "$failed" ] || fail "outputs differ from the golden files:$failed"
log "PASS"
