#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl thresholds: the trend over stored sessions (made by
# paced-mksession, no daemon): one entry per session with an estimate, the
# change against the previous one, --since, the text table and bad input.
source "$(dirname "$0")/lib.sh"
lib_init

for seed in 1 2 3; do
        "$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state" --seed "$seed" > /dev/null
done

expect_rc 0 pc thresholds --json --state-dir "$T/state"
[ "$(jq length "$T/out")" = 3 ] || fail "want 3 sessions: $(cat "$T/out")"
jq -e '.[0].hrvt1.change_bpm == null and .[0].hrvt2 == null' "$T/out" > /dev/null ||
        fail "first entry: $(cat "$T/out")"
# Each change is this estimate minus the previous one (to the 0.1 bpm printed).
jq -e '[range(1; length) as $i | .[$i].hrvt1.change_bpm -
        (.[$i].hrvt1.bpm - .[$i - 1].hrvt1.bpm) | fabs < 0.11] | all' "$T/out" > /dev/null ||
        fail "changes: $(cat "$T/out")"

expect_rc 0 pc thresholds --state-dir "$T/state"
[ "$(grep -c ' bpm ' "$T/out")" = 3 ] || fail "text: $(cat "$T/out")"
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
