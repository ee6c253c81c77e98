#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A rep session as the runner reads it. During it, `pacectl status`, `watch`
# and status --json count the reps ("rep 2/3"). Afterwards `pacectl show`
# reads in 100 columns: the summary lists only the zones the runner was in;
# an interval view lists every rep (its time, distance, pace against the
# target, heart rate and rest) in place of the step table, which
# `show --steps` adds; each step's row has its main zone with its share
# ("Z3 69%", each zone's time is in --json) and is labelled as the author
# wrote it ("Jog 1:00 at ..."), and a label too long for its column ends
# in "..." rather than in a number that reads as a pace.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v jq > /dev/null || { log "SKIP: jq missing"; exit 77; }
export PACED_STATE_DIR="$T/state"
cat > "$T/paced.conf" <<CONF
[Runner]
max_hr = 190
resting_hr = 55
[Safety]
allow_remote_start = yes
CONF
# Strides: a ramp's label ("Stride 0:20 at 4:48/km -> 4:14/km") is wider
# than the column.
cat > "$T/w.txt" <<'W'
# name: Layout check
Warmup
- 1m 8km/h
Main 3x
- Stride 20s ramp 12.5-14km/h
- Jog 60s 8km/h
Cooldown
- 30s 8km/h
W
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/w.txt"
id=$(session_id)
# Step 5 is the second rep's recovery (3 s at this time scale).
wait_for 30 prop_is StepIndex 4 || fail "step 5 never came: $(prop StepIndex)"
expect_rc 0 pc status
grep -qE '^        Step: 5/8 1:00 at .* \(rep 2/3\), ' "$T/out" || fail "status: $(grep Step: "$T/out")"
expect_rc 0 pc watch --lines --count 1
grep -qE ' step 5/8 rep 2/3 1:00 at ' "$T/out" || fail "watch: $(cat "$T/out")"
expect_rc 0 pc status --json
[ "$(jq -r '"\(.step_repeat)/\(.step_repeat_count)"' "$T/out")" = 2/3 ] || fail "status --json: $(cat "$T/out")"
wait_for 30 prop_is StepIndex 7 || fail "the cool-down step never came"
expect_rc 0 pc status
grep -q 'rep ' "$T/out" && fail "a rep counter outside the repeat block: $(grep Step: "$T/out")"
wait_for 60 prop_is State '"finished"' || fail "workout not finished: $(prop State)"
expect_rc 0 pc show "$id"
cp "$T/out" "$T/show"
wide=$(awk 'length($0) > 100' "$T/show")
[ -z "$wide" ] || fail "lines over 100 columns:
$wide"
zones=$(grep '^  Zones:' "$T/show") || fail "no zones: $(cat "$T/show")"
if echo "$zones" | grep -qE 'Z[0-9] 0:00( |$)'; then fail "a zone never reached is listed: $zones"; fi
# The --json zone times agree: the summary lists exactly the zones with time.
expect_rc 0 pc show "$id" --json
want=$(jq -r '[.summary.zone_s // .zone_s | to_entries[] | select(.key > 0 and .value >= 1) | "Z\(.key)"] | join(" ")' "$T/out")
got=$(echo "$zones" | grep -oE 'Z[0-9]' | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "summary zones '$got', --json has time in '$want'"
# The interval view: every rep, in place of the step table.
grep -q '^Steps' "$T/show" && fail "show printed the step table of a rep session (that is --steps)"
grep -qE '^Intervals: 3 x Stride 0:20 at [0-9:]+/km -> [0-9:]+/km, Jog 1:00 at [0-9:]+/km$' "$T/show" ||
        fail "no interval view titled with the cues: $(cat "$T/show")"
reps=$(sed -n '/^Intervals/,/^$/p' "$T/show" | grep -E '^ +[0-9]+  ')
[ "$(echo "$reps" | awk '{print $1}' | tr '\n' ' ')" = "1 2 3 " ] || fail "reps listed: $reps"
# Each rep's pace is what the simulator ran in the stride (step 2, 4, 6):
# its distance over its moving time as stored, within the second --json
# rounds to; its rest the jog's time. The target is the ramp's mean,
# 13.25 km/h (4:32/km), and the pace near it.
secs() { echo "$1" | awk -F'[:/]' '{print $1 * 60 + $2}'; }
near() { [ $(($(secs "$1") - $(secs "$2"))) -ge -1 ] && [ $(($(secs "$1") - $(secs "$2"))) -le 1 ]; }
expect_rc 0 pc show "$id" --json
cp "$T/out" "$T/json"
for k in 1 2 3; do
        row=$(echo "$reps" | sed -n "${k}p")
        set -- $row
        # REP TIME DIST m PACE TARGET VS s/km AVG MAX REST
        pace=$5 target=$6 rest=${11}
        want=$(jq -r --argjson s $((2 * k - 1)) '.steps[] | select(.step == $s) |
                (.moving_s / .distance_m * 1000 | round) as $t |
                "\($t / 60 | floor):\($t % 60 | tostring | if length < 2 then "0" + . else . end)/km"' "$T/json")
        near "$pace" "$want" || fail "rep $k: pace $pace, the stride ran $want: $row"
        want=$(jq -r --argjson s $((2 * k)) '.steps[] | select(.step == $s) | .moving_s | round |
                "\(. / 60 | floor):\(. % 60 | tostring | if length < 2 then "0" + . else . end)"' "$T/json")
        near "$rest" "$want" || fail "rep $k: rest $rest, the jog took $want: $row"
        [ "$target" = 4:32/km ] || fail "rep $k: target $target, not the ramp's mean 4:32/km: $row"
        s=$(secs "$pace")
        [ "$s" -ge 245 ] && [ "$s" -le 300 ] || fail "rep $k: pace $pace is not the stride's"
        jq -e --argjson k $k '.reps[$k - 1] | .rep == $k and .reps == 3 and .ran' "$T/json" \
                > /dev/null || fail "--json reps: $(jq -c .reps "$T/json")"
done
jq -e '[.steps[] | .cue] == [null, "Stride", "Jog", "Stride", "Jog", "Stride", "Jog", null]' \
        "$T/json" > /dev/null || fail "--json cues: $(jq -c '[.steps[] | .cue]' "$T/json")"

expect_rc 0 pc show "$id" --steps
cp "$T/out" "$T/steps"
wide=$(awk 'length($0) > 100' "$T/steps")
[ -z "$wide" ] || fail "show --steps: lines over 100 columns:
$wide"
grep -q '^Intervals: ' "$T/steps" || fail "show --steps lost the interval view"
rows=$(sed -n '/^Steps/,/^$/p' "$T/steps" | grep -E '^ +[0-9]+  ')
[ "$(echo "$rows" | wc -l)" -eq 8 ] || fail "expected 8 step rows: $rows"
bad=$(echo "$rows" | grep -vE '  (Z[1-5] [0-9]{1,3}%|-)$' || true)
[ -z "$bad" ] || fail "rows without a main zone: $bad"
# The author's cue labels each rep's steps.
ramp=$(echo "$rows" | sed -n '2p')
echo "$ramp" | grep -qE '^ +2  Stride 0:20 at [0-9]+:[0-9]{2}/km (-> )?\.\.\. ' || fail "the ramp's label: $ramp"
echo "$rows" | sed -n '3p' | grep -qE '^ +3  Jog 1:00 at [0-9]+:[0-9]{2}/km ' ||
        fail "the jog's label: $(echo "$rows" | sed -n '3p')"
log "PASS"
