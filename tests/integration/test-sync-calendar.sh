#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# intervals.icu's calendar into paced's schedule. paced-sync runs first,
# before paced: the calendar waits for paced and is handed over when it
# appears on the bus. Runs within days_ahead are planned; a run whose text
# paced cannot load, a run without steps and a swim are each reported with
# the reason (the first with file:line:column) and left out; a run beyond
# days_ahead is not fetched. When the runner changes the plan on
# intervals.icu, `pacectl sync now` replaces what paced holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
day() { date -d "+$1 days" +%F; }
start_fake "$(cat <<JSON
{"intervals": {"events": [
  {"id": 11, "start_date_local": "$(day 0)T06:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Strides", "description": "Warmup\n- 10m 70% Pace\nStrides 6x\n- 20s 110% Pace\n- 40s 60% Pace"},
  {"id": 12, "start_date_local": "$(day 1)T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Broken", "description": "Main\n- 1x 70% Pace"},
  {"id": 13, "start_date_local": "$(day 1)T00:00:00", "category": "WORKOUT", "type": "Swim",
   "name": "CSS", "description": "- 400mtr 90%"},
  {"id": 14, "start_date_local": "$(day 2)T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Feel", "description": "Run by feel, no plan."},
  {"id": 15, "start_date_local": "$(day 3)T00:00:00", "category": "WORKOUT", "type": "TrailRun",
   "name": "Hills", "description": "- 30m Z2 HR"},
  {"id": 16, "start_date_local": "$(day 9)T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Far away", "description": "- 30m 70% Pace"}]}}
JSON
)"
write_sync_conf
sed -i 's|^\[Sync\]|[Sync]\ndays_ahead = 5|' "$T/sync.conf"
sed -i '/^\[Strava\]/,$d' "$T/sync.conf"
start_sync

# paced is not there yet: the calendar waits for it, and says so.
wait_for 30 grep -q 'intervals.icu: calendar: paced is not running' "$T/sync.log" ||
        fail "no word about paced: $(tail "$T/sync.log")"
printf '[Safety]\nallow_remote_start = yes\n[Runner]\nmax_hr = 190\nlthr = 170\n' > "$T/paced.conf"
start_paced --simulate --time-scale 30
wait_for 30 prop_is Schedule '"Strides"' || fail "not handed over when paced came: $(prop Schedule)"

expect_rc 0 pc schedule show
for expect in "$(day 0)  Strides (intervals.icu)" "$(day 3)  Hills (intervals.icu)"; do
        grep -qF "$expect" "$T/out" || fail "schedule lacks '$expect': $(cat "$T/out")"
done
grep -q 'Broken\|CSS\|Feel\|Far away' "$T/out" && fail "schedule holds too much: $(cat "$T/out")"
expect_rc 0 pc sync status
grep -q "Broken .* Run .* skipped: does not load: intervals-12.txt:3:3: expected a duration" \
        "$T/out" || fail "broken run: $(cat "$T/out")"
grep -q "CSS .* Swim .* skipped: a Swim, not a run" "$T/out" || fail "swim: $(cat "$T/out")"
grep -q "Feel .* Run .* skipped: its description has no workout steps" "$T/out" ||
        fail "no steps: $(cat "$T/out")"
grep -q "Far away" "$T/out" && fail "beyond days_ahead: $(cat "$T/out")"
grep -q "calendar     done        2 runs on the schedule, 3 skipped" "$T/out" ||
        fail "calendar summary: $(cat "$T/out")"

# The runner moves things on intervals.icu; sync now brings it over.
long=$(printf 'ä%.0s' $(seq 150))
fake POST /_control/set "$(cat <<JSON
{"intervals": {"events": [
  {"id": 21, "start_date_local": "$(day 0)T18:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Evening tempo", "description": "- 5m 70% Pace\n- 10m 90% Pace"},
  {"id": 22, "start_date_local": "$(day 1)T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "x$long", "description": "- 30m 70% Pace"},
  {"id": 23, "start_date_local": "$(day 2)T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Tempo\u001b[31m red\u0085", "description": "- 30m 70% Pace"}]}}
JSON
)" > /dev/null
expect_rc 0 pc sync now
wait_for 30 prop_is Schedule '"Evening tempo"' || fail "not replaced: $(prop Schedule)"
expect_rc 0 pc schedule show
grep -q 'Hills' "$T/out" && fail "a removed workout stayed: $(cat "$T/out")"
# Names as text: cut to 200 bytes at a character (99 of the 150 'ä'), and
# an escape made a space; both planned (they were refused as not UTF-8 and
# as a control character, and left out).
grep -qF "$(day 1)  x${long:0:99} (intervals.icu)" "$T/out" || fail "long name: $(cat "$T/out")"
grep -qF "$(day 2)  Tempo [31m red (intervals.icu)" "$T/out" ||
        fail "name with an escape: $(cat -v "$T/out")"
expect_rc 0 pc sync status
grep -q "Tempo .31m red" "$T/out" || fail "sync status: $(cat -v "$T/out")"
grep -q $'\e' "$T/out" && fail "sync status prints an escape: $(cat -v "$T/out")"

# And it runs.
wait_for 20 treadmill_connected || fail "treadmill not connected"
expect_rc 0 pc start
wait_for 10 prop_is Workout '"Evening tempo"' || fail "runs $(prop Workout)"
expect_rc 0 pc stop
stop_sync TERM
log "PASS"
