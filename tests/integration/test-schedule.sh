#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The schedule: a plan from `pacectl plan --json` is stored in the state
# directory (surviving a restart), today's workout shows up in the Schedule
# property and is what `pacectl start` runs without an argument; clear
# removes it; a file that is not a plan is refused.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 20

today=$(date +%F)
# Find a plan start whose first day is a run, so "today" has a workout.
for offset in 0 1 2 3 4 5 6; do
        start=$(date -d "$today - $offset days" +%F)
        "$PACECTL" plan --goal-mile 5:30 --weeks 8 --start "$start" --json > "$T/plan.json"
        workout=$(grep -o "\"date\":\"$today\",[^}]*" "$T/plan.json" |
                sed -n 's/.*"workout":"\([a-z0-9-]*\)".*/\1/p')
        [ -n "$workout" ] && break
done
[ -n "$workout" ] || fail "no plan with a run today"

# A goal no plan reaches is refused, with one that is.
expect_rc 2 pc plan --goal-mile 4:00 --current-mile 6:30 --weeks 8
grep -q "A 4:00 goal is 62 % faster than your 6:30 mile.*Aim for 5:48 or slower" "$T/err" ||
        fail "plan 4:00: $(cat "$T/err")"
expect_rc 0 pc plan --goal-mile 6:00 --current-mile 6:30 --weeks 8
grep -q "ambitious" "$T/err" || fail "no note for an ambitious goal: $(cat "$T/err")"

expect_rc 2 pc schedule set "$T/paced.conf"
expect_rc 0 pc schedule set "$T/plan.json"
[ -s "$T/state/schedule.json" ] || fail "plan not stored in the state directory"
prop_is Schedule "\"$workout\"" || fail "Schedule is $(prop Schedule), expected $workout"
expect_rc 0 pc schedule show --json
grep -q "{\"today\":\"$workout\",\"planned\":\[\]}" "$T/out" || fail "schedule show: $(cat "$T/out")"

# The week, day by day, today marked; the plan's goal is race pace.
expect_rc 0 pc schedule show --week
[ "$(grep -c '^[ >] 20[0-9-]* [A-Z][a-z][a-z]  ' "$T/out")" -eq 7 ] || fail "week: $(cat "$T/out")"
grep -q "^> $today " "$T/out" || fail "today not marked: $(cat "$T/out")"
grep -q "^Week [1-8] of 8 (" "$T/out" || fail "week header: $(cat "$T/out")"
expect_rc 0 pc schedule show --all
[ "$(grep -c '^Week ' "$T/out")" -eq 8 ] || fail "--all: $(grep '^Week' "$T/out")"
expect_rc 0 pc profile --state-dir "$T/state"
grep -q "^  goal .*the training plan's goal" "$T/out" || fail "profile goal: $(grep goal "$T/out")"
# Moving a day: a rest day and a cross-training day of week 2 swap places.
rest=$(grep -o '"date":"[0-9-]*","week":2,"phase":"[a-z]*","type":"rest"' "$T/plan.json" | head -1 | cut -d'"' -f4)
cross=$(grep -o '"date":"[0-9-]*","week":2,"phase":"[a-z]*","type":"cross"' "$T/plan.json" | head -1 | cut -d'"' -f4)
[ -n "$rest" ] && [ -n "$cross" ] || fail "no rest/cross day in week 2"
expect_rc 0 pc schedule swap "$rest" "$cross"
expect_rc 0 pc schedule show --all --json
grep -q "\"swaps\":\[\[\"$rest\",\"$cross\"\]\]" "$T/out" || fail "swap not stored: $(head -c 300 "$T/out")"
grep -q "\"date\":\"$rest\",\"week\":2,\"phase\":\"[a-z]*\",\"type\":\"cross\"" "$T/out" || fail "swap not done"
expect_rc 2 pc schedule swap "$rest" 1999-01-01
grep -q "is not a day of the plan" "$T/err" || fail "$(cat "$T/err")"

# It survives a restart.
stop_paced TERM
start_paced --simulate --time-scale 20
prop_is Schedule "\"$workout\"" || fail "schedule lost on restart: $(prop Schedule)"
expect_rc 0 pc schedule show --all --json
grep -q "\"swaps\":\[\[\"$rest\",\"$cross\"\]\]" "$T/out" || fail "swap lost on restart"

treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "treadmill not connected"
expect_rc 0 pc start
wait_for 10 prop_is State '"running"' || fail "today's workout not started"
expect_rc 0 pc stop

expect_rc 0 pc schedule clear
prop_is Schedule '""' || fail "Schedule after clear: $(prop Schedule)"
[ ! -e "$T/state/schedule.json" ] || fail "plan file left after clear"
wait_for 10 prop_is State '"aborted"' || fail "not stopped"
expect_rc 2 pc start
grep -q 'Nothing is scheduled today' "$T/err" || fail "start without plan: $(cat "$T/err")"
stop_paced TERM
log "PASS"
