#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl thresholds: the trend over stored sessions (made by
# paced-mksession, no daemon): one entry per threshold test, the change
# against the previous one, --since, the text table and bad input. Sessions
# that are not tests (an interval session, even with a live crossing, and
# rows older paced versions stored) are not listed.
source "$(dirname "$0")/lib.sh"
lib_init

for seed in 1 2 3; do
        "$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state" --seed "$seed" \
                --test-result "$((148 + seed)),$((168 + 2 * seed))" > /dev/null
done
# Not a test: its live alpha1 crossing is an event, not a threshold.
plain=$("$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state" --seed 4)
sqlite3 "$T/state/paced.db" "SELECT count(*) FROM events WHERE session_id = $plain
        AND type = 'crossover'" | grep -qx 1 || fail "the fixture's crossing event is missing"
# Rows an older paced stored for it: a live crossing and an unchecked ramp fit.
sqlite3 "$T/state/paced.db" "INSERT INTO thresholds (session_id, kind, method, hr_bpm)
        VALUES ($plain, 'aet', 'dfa-a1-live', 137), ($plain, 'ant', 'dfa-a1-ramp', 181)"

expect_rc 0 pc thresholds --json --state-dir "$T/state"
[ "$(jq length "$T/out")" = 3 ] || fail "want the 3 tests only: $(cat "$T/out")"
jq -e --argjson p "$plain" 'all(.[]; .id != $p)' "$T/out" > /dev/null ||
        fail "a session that is not a test is listed: $(cat "$T/out")"
jq -e '.[0].hrvt1.change_bpm == null and .[0].hrvt2.change_bpm == null and
        .[1].hrvt2.change_bpm == 2 and .[0].hrvt1.method == "dfa-a1-ramp-test" and
        .[0].hrvt2.ci_lo_bpm == .[0].hrvt2.bpm - 4 and .[0].hrvt2.ci_hi_bpm == .[0].hrvt2.bpm + 4' \
        "$T/out" > /dev/null || fail "first entry: $(cat "$T/out")"
expect_rc 0 pc history --json --state-dir "$T/state"
jq -e --argjson p "$plain" '.[] | select(.id == $p) | .threshold_hr_bpm == null' "$T/out" \
        > /dev/null || fail "history shows a threshold for a session that is not a test"
jq -e '.[0].threshold_hr_bpm == 149 and .[0].threshold_ci_lo_bpm == 145' "$T/out" > /dev/null ||
        fail "history: $(jq -c '.[0]' "$T/out")"
expect_rc 0 pc history --state-dir "$T/state"
grep -q " 149+-4 " "$T/out" || fail "history text: $(cat "$T/out")"
expect_rc 0 pc show --json --state-dir "$T/state" "$plain"
jq -e '.thresholds == []' "$T/out" > /dev/null || fail "show: $(jq -c .thresholds "$T/out")"
# Each change is this estimate minus the previous one (to the 0.1 bpm printed).
expect_rc 0 pc thresholds --json --state-dir "$T/state"
jq -e '[range(1; length) as $i | .[$i].hrvt1.change_bpm -
        (.[$i].hrvt1.bpm - .[$i - 1].hrvt1.bpm) | fabs < 0.11] | all' "$T/out" > /dev/null ||
        fail "changes: $(cat "$T/out")"

expect_rc 0 pc thresholds --state-dir "$T/state"
[ "$(grep -c ' bpm ' "$T/out")" = 3 ] || fail "text: $(cat "$T/out")"
grep -q "ramp-test" "$T/out" || fail "method: $(cat "$T/out")"
grep -q "149 bpm \[145-153\]" "$T/out" || fail "interval: $(cat "$T/out")"
grep -q "HRVT2 anaerobic crossover" "$T/out" || fail "no HRVT2 column: $(cat "$T/out")"

# The fixture sessions start in November 2025.
expect_rc 0 pc thresholds --json --since 2026-01-01 --state-dir "$T/state"
[ "$(jq length "$T/out")" = 0 ] || fail "--since: $(cat "$T/out")"
expect_rc 2 pc thresholds --since yesterday --state-dir "$T/state"
expect_rc 2 pc thresholds extra --state-dir "$T/state"

mkdir "$T/empty"
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/empty" --seed 1 > /dev/null
sqlite3 "$T/empty/paced.db" "DELETE FROM thresholds"
expect_rc 0 pc thresholds --state-dir "$T/empty"
grep -q "No threshold estimates" "$T/out" || fail "empty: $(cat "$T/out")"
log "PASS"
