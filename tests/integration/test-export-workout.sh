#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl export-workout: library workouts and workout files written as FIT
# workout files, decoded by Garmin's FIT SDK (@garmin/fitsdk, pinned in
# tests/export/package-lock.json) and compared step by step with what paced
# resolved them to, then imported back through paced (`pacectl validate`):
# the same steps and the same totals as the original.
set -euo pipefail

: "${PACED_SOURCE_DIR:?}" "${PACECTL:?}"
source "$PACED_SOURCE_DIR/tests/export/npm-deps.sh"
DATA="$PACED_SOURCE_DIR/tests/data/workouts"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

PROFILE="Mile=6:00,MaxHR=190"

# roundtrip NAME|FILE REPEATS: export, check with the SDK, import back.
roundtrip() {
  local w=$1 repeats=$2 out
  out="$TMP/$(basename "$w" | tr -c 'a-z0-9\n' _).fit"
  "$PACECTL" validate --json --profile "$PROFILE" "$w" >"$TMP/want.json"
  "$PACECTL" export-workout --profile "$PROFILE" "$w" -o "$out"
  node "$PACED_SOURCE_DIR/tests/export/check-fit-workout.mjs" "$out" "$TMP/want.json" "$repeats" ||
    fail "$w: the FIT workout is not what paced resolved"
  # Imported back: the same steps (a ramp's start and end become a range
  # run at its middle) and the same totals, to FIT's resolution (1 mm/s).
  "$PACECTL" validate --json --profile "$PROFILE" "$out" >"$TMP/back.json" ||
    fail "$w: paced cannot read its own FIT workout back"
  node -e '
    const fs = require("fs");
    const [a, b] = process.argv.slice(1, 3).map((p) => JSON.parse(fs.readFileSync(p)));
    const bad = (m) => { console.error(`${process.argv[3]}: ${m}`); process.exit(1); };
    if (b.name !== a.name) bad(`name ${b.name}`);
    if (b.steps.length !== a.steps.length) bad(`${b.steps.length} steps, want ${a.steps.length}`);
    a.steps.forEach((s, i) => {
      const t = b.steps[i], mid = (x) => (x.speed_start_kmh + x.speed_end_kmh) / 2;
      if (t.end !== s.end || Math.abs(t.end_value - s.end_value) > 0.005)
        bad(`step ${i + 1}: ${t.end} ${t.end_value}, want ${s.end} ${s.end_value}`);
      if (t.control !== s.control) bad(`step ${i + 1}: control ${t.control}`);
      if (s.control === "speed" && Math.abs(mid(t) - mid(s)) > 0.004)
        bad(`step ${i + 1}: ${mid(t)} km/h, want ${mid(s)}`);
      if (s.control === "hr" && (t.hr_lo_bpm !== s.hr_lo_bpm || t.hr_hi_bpm !== s.hr_hi_bpm))
        bad(`step ${i + 1}: HR ${t.hr_lo_bpm}-${t.hr_hi_bpm}`);
    });
    if (Math.abs(b.total_time_s - a.total_time_s) > 1)
      bad(`total ${b.total_time_s} s, want ${a.total_time_s}`);
    if (Math.abs(b.total_distance_m - a.total_distance_m) > 1 + a.total_distance_m * 5e-4)
      bad(`total ${b.total_distance_m} m, want ${a.total_distance_m}`);
    if (b.has_open_steps !== a.has_open_steps) bad("open steps");
  ' "$TMP/want.json" "$TMP/back.json" "$w"
  echo "$w: $("$PACECTL" validate --profile "$PROFILE" "$out" | grep '^Total:')"
}

# A mile time trial (distance laps, strides 4x), strides (6x), cruise
# intervals with distance steps (4 x 1 mi), hill sprints (incline in the
# notes), a text file with inclines, a FIT file with nested repeats and
# heart-rate steps, and the ramp test, whose repetitions climb and are
# written out one by one (its last step open).
roundtrip mile-time-trial 1
roundtrip strides 1
roundtrip threshold-intervals 1
roundtrip hill-sprints 1
roundtrip "$DATA/good.txt" 1
roundtrip "$DATA/fit/nested-repeats.fit" 2
roundtrip ramp-test 0

# Atomic: a failed export leaves an existing file as it was; nothing is
# written for a workout that does not exist or a tty.
echo "keep" >"$TMP/keep.fit"
rc=0; "$PACECTL" export-workout no-such-workout -o "$TMP/keep.fit" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "unknown workout: exit $rc"
grep -q "no such file or library workout" "$TMP/err" || fail "unknown workout: $(cat "$TMP/err")"
[ "$(cat "$TMP/keep.fit")" = keep ] || fail "a failed export replaced the file"
rc=0; "$PACECTL" export-workout "$DATA/fit/power-run.fit" -o "$TMP/keep.fit" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] && [ "$(cat "$TMP/keep.fit")" = keep ] || fail "power workout: exit $rc"
[ -z "$(find "$TMP" -name '.keep.fit.*')" ] || fail "a temporary file was left behind"
"$PACECTL" export-workout --profile "$PROFILE" strides -o "$TMP/keep.fit"
node "$PACED_SOURCE_DIR/tests/export/check-fit-workout.mjs" "$TMP/keep.fit" \
  <("$PACECTL" validate --json --profile "$PROFILE" strides) 1 >/dev/null
rc=0; "$PACECTL" export-workout strides 2>/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "to a pipe: exit $rc"
echo "ok"
