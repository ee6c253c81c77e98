#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The library's mile time trial as a runner meets it: the shipped
# paced.conf with a 6:30 mile, the workout armed and started on the console,
# `pacectl watch` to the end. The result — "Mile M:SS.s (goal M:SS, ±N s);
# laps …", the sum of four quarter-mile laps — ends the watch and is in
# `show`, `history` (marked a new best), the SVG report and the FIT laps;
# lap cues count 1-4 in the trial; the mile split is the trial itself. The
# phone's session view (paced-web's /api/sessions/ID) gives the same result
# sentence, and its four trial laps add up to the result's time.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
command -v jq > /dev/null || { log "SKIP: jq missing"; exit 77; }

sed 's/^#mile = 6:00$/mile = 6:30/' "$PACED_SOURCE_DIR/conf/paced.conf" > "$T/paced.conf"
grep -q '^mile = 6:30$' "$T/paced.conf" || fail "could not set the mile in the shipped config"
start_paced --simulate --time-scale 200
export PACED_STATE_DIR="$T/state"

treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

expect_rc 0 pc start --arm mile-time-trial
wait_for 10 prop_is State '"armed"' || fail "not armed: $(prop State)"
"$PACECTL" watch --until-done --lines > "$T/watch" 2>&1 &
WATCH_PID=$!
LIB_PIDS+=("$WATCH_PID")
sleep 0.5
expect_rc 0 pc sim press start
wait "$WATCH_PID" || fail "watch failed: $(tail "$T/watch")"

# The watch ends with the result, the sum of the laps.
result=$(sed -n 's/^Result: //p' "$T/watch")
[ -n "$result" ] || fail "no result at the end of watch: $(tail -5 "$T/watch")"
log "result: $result"
[[ "$result" =~ ^Mile\ ([0-9]+):([0-9]+\.[0-9])\ \(goal\ [0-9]+:[0-9]+,\ (on\ goal|[+-][0-9]+\ s)\),\ a\ new\ best\;\ laps\ (.*)$ ]] ||
        fail "result sentence: '$result'"
total=$(awk -v m="${BASH_REMATCH[1]}" -v s="${BASH_REMATCH[2]}" 'BEGIN { print m * 60 + s }')
laps=${BASH_REMATCH[4]}
sum=$(echo "$laps" | tr '/' '\n' | awk -F: '{ t += $1 * 60 + $2; n++ } END { if (n != 4) exit 1; print t }') ||
        fail "not four laps: '$laps'"
awk -v a="$total" -v b="$sum" 'BEGIN { d = a - b; exit !(d < 0.25 && d > -0.25) }' ||
        fail "mile $total s is not the sum of its laps $sum s"
# Lap cues count from 1 in the trial, never from the warm-up.
lap_cues=$(grep -c '^cue: Lap [0-9]*: [0-9]*:[0-9][0-9]\.[0-9]$' "$T/watch" || true)
[ "$lap_cues" -eq 4 ] || fail "lap cues: $(grep '^cue: Lap' "$T/watch")"
for k in 1 2 3 4; do grep -q "^cue: Lap $k: [0-9]:[0-9][0-9]\.[0-9]$" "$T/watch" || fail "no 'Lap $k' cue"; done

id=$(sqlite3 "$T/state/paced.db" "SELECT max(id) FROM sessions")
expect_rc 0 pc show "$id"
grep -qF "Result:     $result" "$T/out" || fail "show: $(grep Result "$T/out")"
grep -q "Splits (mile, from the time trial)" "$T/out" || fail "mile split not from the trial"
# The one full mile split is the trial itself (the cool-down adds no full mile).
mile_split=$(sed -n '/Splits (mile/,/^$/p' "$T/out" | awk '$2 ~ /^16/ { print $4 }' | head -1)
[ -n "$mile_split" ] || fail "no mile split"
expect_rc 0 pc show "$id" --json
grep -q '"results":\[{"distance_m":1609.344,"time_s":[0-9.]*,"goal_s":[0-9.]*,"complete":true,"best":true,"laps_s":\[' "$T/out" ||
        fail "show --json results: $(grep -o '"results":[^]]*]' "$T/out")"
if [ -n "${PACED_WEB:-}" ] && [ -x "$PACED_WEB" ]; then
        start_web
        token=$(web_token "$(web_pair --read-only)")
        curl -sf -H "Authorization: Bearer $token" "$WEB_URL/api/sessions/$id" > "$T/web.json" ||
                fail "the phone cannot read session $id"
        [ "$(jq -r '.results[0].text' "$T/web.json")" = "$result" ] ||
                fail "the phone's result: $(jq -c '.results' "$T/web.json")"
        jq -e '[.laps[] | select(.kind == "trial")] as $l | ($l | length) == 4 and
                ((($l | map(.end_s - .start_s) | add) - .results[0].time_s) | fabs) < 0.25' \
                "$T/web.json" > /dev/null ||
                fail "the phone's trial laps do not add up to its result: $(jq -c '[.laps[] | select(.kind == "trial")], .results' "$T/web.json")"
fi
expect_rc 0 pc history
grep -q "Mile [0-9]:[0-9][0-9]\.[0-9]\*" "$T/out" || fail "history: $(cat "$T/out")"
grep -q "^\* a new best" "$T/out" || fail "history legend"
expect_rc 0 pc report "$id" -o "$T/report.svg"
grep -q '<text id="result" class="result"[^>]*>Mile [0-9]:[0-9][0-9]\.[0-9] (goal ' "$T/report.svg" ||
        fail "no result in the SVG"
grep -q '<text id="result-laps"[^>]*>laps ' "$T/report.svg" || fail "no laps in the SVG"
# The stored laps of the trial: four, a quarter mile each.
[ "$(sqlite3 "$T/state/paced.db" "SELECT count(*) FROM laps WHERE session_id=$id AND kind='trial' AND abs(distance_m - 402.336) < 1")" -eq 4 ] ||
        fail "trial laps: $(sqlite3 "$T/state/paced.db" "SELECT kind, distance_m FROM laps WHERE session_id=$id")"
# RR intervals are stored at the end of their beat (docs/sessions.md): no two
# beats share a time, and a normal beat ends one interval after the one before.
dup=$(sqlite3 "$T/state/paced.db" "SELECT count(*) - count(DISTINCT t) FROM rr WHERE session_id=$id")
[ "$dup" -eq 0 ] || fail "$dup RR rows repeat another beat's time"
# (At 200x a late notification of a busy host is seconds of virtual time: the
# clock may anchor again now and then, 1 % of the beats at most.)
off=$(sqlite3 "$T/state/paced.db" "SELECT count(*) FROM (SELECT t - lag(t) OVER (ORDER BY rowid) AS d,
        rr_ms, artifact, lag(artifact) OVER (ORDER BY rowid) AS pa FROM rr WHERE session_id=$id)
        WHERE d IS NOT NULL AND NOT artifact AND NOT pa AND abs(d * 1000 - rr_ms) > 2")
beats=$(sqlite3 "$T/state/paced.db" "SELECT count(*) FROM rr WHERE session_id=$id")
[ "$((off * 100))" -le "$beats" ] || fail "$off of $beats beats do not end one interval after the one before"
# The trial's result becomes the runner's mile reference, and what derives from it.
# The mile to the second, from the stored time (rounding the sentence's
# tenths again would make 6:23.46 a 6:24).
expect_rc 0 pc show "$id" --json
time_s=$(jq -r '.results[0].time_s' "$T/out")
expect_rc 0 pc profile --accept-result "$id"
mile=$(awk -v t="$time_s" 'BEGIN { s = int(t + 0.5); printf "%d:%02d", s / 60, s % 60 }')
grep -q "^Accepted session $id's time trial: your mile is now $mile;" "$T/out" ||
        fail "accept-result ($mile): $(cat "$T/out")"
expect_rc 0 pc profile --config "$T/paced.conf" --state-dir "$T/state"
grep -q "^  mile .*the time trial of session $id" "$T/out" || fail "profile: $(grep mile "$T/out")"
expect_rc 2 pc profile --accept-result 999
grep -q "No session 999" "$T/err" || fail "$(cat "$T/err")"

# Every lap has its heart rate (the simulated strap ran all along).
nohr=$(sqlite3 "$T/state/paced.db" "SELECT count(*) FROM laps WHERE session_id=$id AND (avg_hr IS NULL OR max_hr IS NULL)")
[ "$nohr" -eq 0 ] || fail "$nohr laps without heart rate"
expect_rc 0 pc export "$id" --format fit -o "$T/run.fit"
if command -v node > /dev/null && command -v npm > /dev/null; then
        source "$PACED_SOURCE_DIR/tests/export/npm-deps.sh"
        steps=$(sqlite3 "$T/state/paced.db" "SELECT json_array_length(steps_json) FROM sessions WHERE id=$id")
        node "$PACED_SOURCE_DIR/tests/export/check-fit-trial.mjs" "$T/run.fit" "$laps" "$steps" ||
                fail "FIT laps are not the trial's"
else
        log "node/npm missing: FIT laps not decoded"
fi
log "PASS"
