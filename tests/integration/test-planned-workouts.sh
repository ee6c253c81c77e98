#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Planned workouts (SetPlannedWorkouts, what paced-sync writes): today's first
# one is the Schedule, before the generated plan's; `pacectl start` runs it
# on the simulator to the end; they survive a restart; a document that does
# not load is refused with its file:line:column and changes nothing; one
# source's replacement leaves the others; an empty list clears a source.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 30

today=$(date +%F)
tomorrow=$(date -d tomorrow +%F)
call() {
        busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Manager "$@"
}
planned() { busctl --address="$BUS_ADDRESS" --json=short get-property io.paced.paced1 \
        /io/paced/paced1 io.paced.paced1.Manager PlannedWorkouts; }

# A plan with a run today, so that the planned workout has something to beat.
for offset in 0 1 2 3 4 5 6; do
        start=$(date -d "$today - $offset days" +%F)
        "$PACECTL" plan --goal-mile 5:30 --weeks 8 --start "$start" --json > "$T/plan.json"
        plan_workout=$(grep -o "\"date\":\"$today\",[^}]*" "$T/plan.json" |
                sed -n 's/.*"workout":"\([a-z0-9-]*\)".*/\1/p')
        [ -n "$plan_workout" ] && break
done
expect_rc 0 pc schedule set "$T/plan.json"
prop_is Schedule "\"$plan_workout\"" || fail "plan not today's: $(prop Schedule)"

easy=$(printf '# name: Easy 3 min\nWarmup\n- 1m 70%% Pace\nMain\n- 2m 80%% Pace\n')
call SetPlannedWorkouts 'sa(ssss)' intervals.icu 2 \
        "$tomorrow" "Tempo" intervals-8.txt "$(printf 'Main\n- 20m 95%% Pace\n')" \
        "$today" "Easy 3 min" intervals-7.txt "$easy" > /dev/null ||
        fail "SetPlannedWorkouts refused valid workouts"
wait_for 5 prop_is Schedule '"Easy 3 min"' || fail "Schedule is $(prop Schedule)"
planned | grep -q "\[\"$today\",\"intervals.icu\",\"Easy 3 min\",\"intervals-7.txt\"\],\[\"$tomorrow\"" ||
        fail "PlannedWorkouts not by date: $(planned)"
expect_rc 0 pc schedule show --json
grep -q "\"today\":\"Easy 3 min\",\"planned\":\[{\"date\":\"$today\",\"source\":\"intervals.icu\"" \
        "$T/out" || fail "schedule show: $(cat "$T/out")"

# A document that does not parse: refused, located, nothing changed.
rc=0
call SetPlannedWorkouts 'sa(ssss)' intervals.icu 1 "$today" "Broken" intervals-9.txt \
        "$(printf 'Main\n- 1x 70%% Pace\n')" > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "a broken workout was accepted"
grep -q "$today intervals-9.txt:2:3: expected a duration" "$T/err" || fail "error: $(cat "$T/err")"
prop_is Schedule '"Easy 3 min"' || fail "a refused call changed the schedule: $(prop Schedule)"
# Malformed arguments.
for args in "Bad/Source 0" "intervals.icu 1 2026-13-01 x a.txt y" \
        "intervals.icu 1 $today x ../a.txt y" "intervals.icu 1 $today x a.fit y"; do
        rc=0
        # shellcheck disable=SC2086
        call SetPlannedWorkouts 'sa(ssss)' $args > "$T/out" 2> "$T/err" || rc=$?
        [ "$rc" -ne 0 ] || fail "SetPlannedWorkouts $args was accepted"
done

# Another source is kept when intervals.icu replaces its own.
call SetPlannedWorkouts 'sa(ssss)' other.cal 1 "$tomorrow" "Other" other-1.txt \
        "$(printf 'Main\n- 10m 80%% Pace\n')" > /dev/null
call SetPlannedWorkouts 'sa(ssss)' intervals.icu 1 "$today" "Easy 3 min" intervals-7.txt \
        "$easy" > /dev/null
planned | grep -q '"Other"' || fail "other source lost: $(planned)"
planned | grep -q '"Tempo"' && fail "replaced entry kept: $(planned)"
[ -s "$T/state/planned.json" ] || fail "planned workouts not stored"

# They survive a restart.
stop_paced TERM
start_paced --simulate --time-scale 30
prop_is Schedule '"Easy 3 min"' || fail "lost on restart: $(prop Schedule)"

# `pacectl start` runs today's planned workout to its end.
wait_for 20 treadmill_connected || fail "treadmill not connected"
expect_rc 0 pc start
wait_for 10 prop_is State '"running"' || fail "today's planned workout did not start"
prop_is Workout '"Easy 3 min"' || fail "running $(prop Workout)"
prop_is StepCount 2 || fail "steps: $(prop StepCount)"
wait_for 60 prop_is State '"finished"' || fail "not finished: $(prop State)"

# An empty list clears the source; the plan is today's again.
call SetPlannedWorkouts 'sa(ssss)' intervals.icu 0 > /dev/null
wait_for 5 prop_is Schedule "\"$plan_workout\"" || fail "after clearing: $(prop Schedule)"
call SetPlannedWorkouts 'sa(ssss)' other.cal 0 > /dev/null
[ ! -e "$T/state/planned.json" ] || fail "planned.json left with nothing planned"
stop_paced TERM
log "PASS"
