#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl analyze on recordings with known answers. The committed files in
# data/ were written by tools/rr-synth (see the "# design" line at the top of
# each): a ramp test whose DFA alpha1 crosses 0.75 at HRVT1 and 0.5 at HRVT2
# by construction, with steady-state threshold speeds (HR - 60) / 7 km/h.
#   ramp-150-170.csv             rr-synth --seed 1
#   ramp-152-172-artifacts.csv   rr-synth --seed 7 --hrvt1 152 --hrvt2 172 --artifacts 2
set -euo pipefail

: "${PACECTL:?}" "${PACED_SOURCE_DIR:?}" "${PACED_BUILD_DIR:?}"
DATA="$PACED_SOURCE_DIR/tests/integration/data"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# near VALUE EXPECTED TOLERANCE WHAT
near() {
  awk -v v="$1" -v e="$2" -v t="$3" 'BEGIN { exit !(v != "null" && v - e <= t && e - v <= t) }' ||
    fail "$4: got $1, expected $2 +- $3"
  echo "ok: $4 = $1 (expected $2 +- $3)"
}

# 1. clean ramp: thresholds, speeds (lag-corrected) and the windowed series.
# One recording of a noisy generator: over 30 rr-synth seeds the errors
# are about 3 bpm RMS, so 6 bpm is a loose bound, not a tuned figure.
"$PACECTL" analyze --json --windows "$DATA/ramp-150-170.csv" > "$TMP/a.json"
J() { jq -r "$1" "$TMP/a.json"; }
near "$(J .hrvt1_bpm)" 150 6 "HRVT1 (aerobic threshold) bpm"
near "$(J .hrvt2_bpm)" 170 6 "HRVT2 (anaerobic threshold) bpm"
for k in hrvt1 hrvt2; do
  jq -e ".${k}_ci_lo_bpm < .${k}_bpm and .${k}_bpm < .${k}_ci_hi_bpm" "$TMP/a.json" > /dev/null ||
    fail "$k: no 95 % interval around the estimate"
done
near "$(J .hrvt1_kmh)" 12.86 1 "HRVT1 km/h, lag-corrected"
near "$(J .hrvt2_kmh)" 15.71 1 "HRVT2 km/h, lag-corrected"
# the as-run ramp speed overestimates the steady-state speed (docs/analysis.md)
awk -v a="$(J .hrvt1_kmh_ramp)" -v b="$(J .hrvt1_kmh)" 'BEGIN { exit !(a > b) }' ||
  fail "ramp speed should exceed the lag-corrected speed"
near "$(J .artifact_pct)" 0 0.01 "artifact %"
case "$(J .hrvt1_grade)" in A|B) ;; *) fail "HRVT1 grade $(J .hrvt1_grade)" ;; esac
[ "$(J '.windows | length')" -gt 250 ] || fail "too few windows"
near "$(J '.windows[0].t_s')" 120 0.01 "first window at 120 s"
near "$(J '.windows[1].t_s - .windows[0].t_s')" 5 0.01 "5 s step"
[ "$(J '.zones.model')" = three ] || fail "zones model $(J .zones.model)"
[ "$(J '.deflection.found')" = false ] || fail "linear HR/speed curve has no deflection"
near "$(J .ramp_start_s)" 300 2 "ramp start"
near "$(J .ramp_end_s)" 1380 2 "ramp end"

# smoothness-priors detrending (the default) off: on this slow synthetic
# ramp the thresholds move by less than 1 bpm
"$PACECTL" analyze --json --no-smoothness-priors "$DATA/ramp-150-170.csv" > "$TMP/sp.json"
near "$(jq -r .hrvt1_bpm "$TMP/sp.json")" "$(J .hrvt1_bpm)" 1 "HRVT1 without smoothness priors"

# zones from an age estimate are marked estimated; zone times cover the recording
"$PACECTL" analyze --json --age 40 --zones hrmax "$DATA/ramp-150-170.csv" > "$TMP/z.json"
[ "$(jq -r .zones.estimated "$TMP/z.json")" = true ] || fail "age zones not marked estimated"
near "$(jq -r '.zones.zones[1].lo_bpm' "$TMP/z.json")" 108 0.01 "Z2 from 60 % of 180"
near "$(jq -r '[.zones.zones[].time_s] | add' "$TMP/z.json")" "$(jq -r .duration_s "$TMP/z.json")" 2 \
  "time in zones = duration"
"$PACECTL" analyze --age 40 --zones hrmax "$DATA/ramp-150-170.csv" | grep -q "ESTIMATED from age" ||
  fail "text output must say the zones are estimated"

# 2. 2 % injected missed/extra beats: corrected, thresholds still found
"$PACECTL" analyze --json "$DATA/ramp-152-172-artifacts.csv" > "$TMP/b.json"
K() { jq -r "$1" "$TMP/b.json"; }
near "$(K .hrvt1_bpm)" 152 6 "HRVT1 with artifacts"
near "$(K .hrvt2_bpm)" 172 6 "HRVT2 with artifacts"
near "$(K .hrvt1_kmh)" 13.14 1 "HRVT1 km/h with artifacts"
near "$(K .hrvt2_kmh)" 16.0 1 "HRVT2 km/h with artifacts"
near "$(K .artifact_pct)" 2 1 "artifact % (one per missed or extra beat)"
# without correction the same file gives no usable fit, or a worse one
"$PACECTL" analyze --json --no-correct "$DATA/ramp-152-172-artifacts.csv" > "$TMP/c.json"
awk -v c="$(jq -r .hrvt1_bpm "$TMP/c.json")" -v k="$(K .hrvt1_bpm)" \
  'BEGIN { exit !(c == "null" || (c - 152)^2 > (k - 152)^2) }' ||
  fail "--no-correct should not do better than correction"
echo "ok: --no-correct is worse"

# 3. text output labels the two thresholds clearly
"$PACECTL" analyze "$DATA/ramp-150-170.csv" > "$TMP/a.txt"
grep -q "aerobic threshold (HRVT1)" "$TMP/a.txt" || fail "HRVT1 label"
grep -q "anaerobic threshold (HRVT2).*anaerobic crossover" "$TMP/a.txt" || fail "HRVT2 label"

# 4. a plain list of RR values (no speed): thresholds from all windows
grep -v '^#' "$DATA/ramp-150-170.csv" | tail -n +2 | cut -d, -f2 > "$TMP/plain.txt"
"$PACECTL" analyze --json "$TMP/plain.txt" > "$TMP/d.json"
near "$(jq -r .hrvt1_bpm "$TMP/d.json")" 150 6 "HRVT1 from a plain RR list"
[ "$(jq -r .hrvt1_kmh "$TMP/d.json")" = null ] || fail "no speed without a speed column"

# 5. steady run: not a threshold test (no ramp), cardiac drift measured
"$PACED_BUILD_DIR/rr-synth" --steady --drift 4 --seed 3 > "$TMP/steady.csv"
"$PACECTL" analyze --json "$TMP/steady.csv" > "$TMP/e.json"
[ "$(jq -r .hrvt1_bpm "$TMP/e.json")" = null ] || fail "steady run must not give thresholds"
jq -e '.test.valid == false and .test.status == "no-ramp"' "$TMP/e.json" > /dev/null ||
  fail "steady run verdict: $(jq -c .test "$TMP/e.json")"
"$PACECTL" analyze "$TMP/steady.csv" > "$TMP/e.txt"
grep -q "^Test: *not a threshold test: no incremental ramp" "$TMP/e.txt" ||
  fail "text verdict: $(cat "$TMP/e.txt")"
grep -q "^DFA alpha1: *[0-9]" "$TMP/e.txt" || fail "alpha1 must still be shown"

# 5a. a ramp that starts too hard (alpha1 never near 1.0): not a test either
"$PACED_BUILD_DIR/rr-synth" --seed 7 --hrvt1 145 --hrvt2 172 --artifacts 2 > "$TMP/hard.csv"
"$PACECTL" analyze --json "$TMP/hard.csv" > "$TMP/h.json"
jq -e '.test.status == "hard-start" and .hrvt1_bpm == null and .hrvt2_bpm == null' \
  "$TMP/h.json" > /dev/null || fail "hard start: $(jq -c .test "$TMP/h.json")"
near "$(jq -r '.steady[0].drift_bpm_per_10min' "$TMP/e.json")" 4 1 "cardiac drift bpm/10 min"

# 5b. a ramp whose HR/speed line flattens above the HRVT2 speed: HR deflection found
"$PACED_BUILD_DIR/rr-synth" --deflection --seed 4 > "$TMP/defl.csv"
"$PACECTL" analyze --json "$TMP/defl.csv" > "$TMP/f.json"
[ "$(jq -r .deflection.found "$TMP/f.json")" = true ] || fail "deflection not found"
near "$(jq -r .deflection.break_kmh "$TMP/f.json")" 15.71 0.6 "HR deflection speed"
near "$(jq -r .deflection.break_bpm "$TMP/f.json")" 170 4 "HR deflection HR"
near "$(jq -r .hrvt2_bpm "$TMP/f.json")" 170 4 "HRVT2 beside the deflection"

# 6. a stored session by id (paced-mksession: intervals, no ramp)
mkdir -p "$TMP/state"
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$TMP/state" > "$TMP/id"
"$PACECTL" analyze --json --state-dir "$TMP/state" "$(cat "$TMP/id")" > "$TMP/s.json"
[ "$(jq -r .rr_count "$TMP/s.json")" -gt 2000 ] || fail "session RR count"
[ "$(jq -r .hrvt1_bpm "$TMP/s.json")" = null ] || fail "no thresholds from an interval session"
[ "$(jq -r .test.valid "$TMP/s.json")" = false ] || fail "an interval session is not a test"
awk -v a="$(jq -r .artifact_pct "$TMP/s.json")" 'BEGIN { exit !(a > 0.5 && a < 3) }' ||
  fail "the fixture's missed beats (1 in 97) are found"
set +e
"$PACECTL" analyze --state-dir "$TMP/state" 999 2>/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "unknown session exit $rc"
echo "ok: session id"

# 7. bad input: exit 2 with file:line and what is wrong
printf 'rr_ms,t_s\n500,1\n500,0.5\n' > "$TMP/bad.csv"
set +e
"$PACECTL" analyze "$TMP/bad.csv" 2> "$TMP/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad file exit $rc"
grep -q "bad.csv:3: t_s 0.5 goes backwards" "$TMP/err" || fail "message: $(cat "$TMP/err")"
printf '512\n\n498\nabc\n' > "$TMP/bad.txt"
set +e
"$PACECTL" analyze "$TMP/bad.txt" 2> "$TMP/err"; rc=$?
"$PACECTL" analyze "$TMP/missing.csv" 2>/dev/null; rc2=$?
"$PACECTL" analyze --zones bogus "$TMP/bad.txt" 2>/dev/null; rc3=$?
set -e
[ "$rc" = 2 ] && grep -q "bad.txt:4: 'abc' is not a number" "$TMP/err" || fail "plain error"
[ "$rc2" = 2 ] || fail "missing file exit $rc2"
[ "$rc3" = 2 ] || fail "bad option exit $rc3"
echo "ok: bad input"

# 8. other apps' files (tests/data/rr, see its README): each says what it read,
# and all hold the same beats of a real FatMaxxer log
RR="$PACED_SOURCE_DIR/tests/data/rr"
while read -r file format; do
  "$PACECTL" analyze "$RR/$file" > "$TMP/f.txt" || fail "$file: $(cat "$TMP/f.txt")"
  grep -q "^Format: *$format\$" "$TMP/f.txt" || fail "$file: $(grep Format "$TMP/f.txt")"
  grep -q "^Beats: *300 (300 RR read), duration 3:10" "$TMP/f.txt" || fail "$file: $(cat "$TMP/f.txt")"
done << 'FILES'
fatmaxxer-new-layout.csv FatMaxxer
hrv-logger.csv HRV Logger
polar-sensor-logger.txt Polar Sensor Logger
kubios-seconds.txt plain RR list
welltory-blank-separated.txt plain RR list
FILES
"$PACECTL" analyze --json "$RR/fatmaxxer-20210606.rr.csv" > "$TMP/fm.json"
jq -e '.format == "FatMaxxer" and .rr_count == 1286' "$TMP/fm.json" > /dev/null ||
  fail "FatMaxxer log: $(jq -c '{format, rr_count}' "$TMP/fm.json")"
# real recordings of a Polar watch (README): a rest and a steady ride are
# read whole, the watch's missed beats are split, and neither is a test
while read -r file beats; do
  "$PACECTL" analyze "$RR/$file" > "$TMP/f.txt" || fail "$file: $(cat "$TMP/f.txt")"
  grep -q "^Format: *plain RR list\$" "$TMP/f.txt" || fail "$file: $(grep Format "$TMP/f.txt")"
  grep -q "^Beats: *$beats" "$TMP/f.txt" || fail "$file: $(grep Beats "$TMP/f.txt")"
  grep -q "^Test: *not a threshold test: no ramp" "$TMP/f.txt" || fail "$file: $(grep Test "$TMP/f.txt")"
  grep -q "^Thresholds: *none" "$TMP/f.txt" || fail "$file: $(grep Thresholds "$TMP/f.txt")"
done << 'FILES'
hrv-sampledata-rest.txt 910 (910 RR read), duration 16:04
polar-hrm-cycling.txt 4123 (4117 RR read), duration 42:42
FILES
# a FIT activity: paced's own export of the stored session, read back
"$PACECTL" export --state-dir "$TMP/state" "$(cat "$TMP/id")" --format fit -o "$TMP/s.fit" > /dev/null
"$PACECTL" analyze --json "$TMP/s.fit" > "$TMP/fit.json"
jq -e --argjson n "$(jq .rr_count "$TMP/s.json")" \
  '.format == "FIT activity (hrv messages)" and .rr_count == $n' "$TMP/fit.json" > /dev/null ||
  fail "FIT: $(jq -c '{format, rr_count}' "$TMP/fit.json")"
printf 'time,heart\n1,2\n' > "$TMP/unknown.csv"
set +e
"$PACECTL" analyze "$TMP/unknown.csv" 2> "$TMP/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "unknown.csv:1: unknown RR file format" "$TMP/err" || fail "unknown format"
echo "ok: other apps' files"
echo "PASS"
