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

expect_rc 2 pc schedule set "$T/paced.conf"
expect_rc 0 pc schedule set "$T/plan.json"
[ -s "$T/state/schedule.json" ] || fail "plan not stored in the state directory"
prop_is Schedule "\"$workout\"" || fail "Schedule is $(prop Schedule), expected $workout"
expect_rc 0 pc schedule show --json
grep -q "{\"today\":\"$workout\",\"planned\":\[\]}" "$T/out" || fail "schedule show: $(cat "$T/out")"

# It survives a restart.
stop_paced TERM
start_paced --simulate --time-scale 20
prop_is Schedule "\"$workout\"" || fail "schedule lost on restart: $(prop Schedule)"

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
