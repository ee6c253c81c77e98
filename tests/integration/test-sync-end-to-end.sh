#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-sync as a runner meets it: a running
# workout planned on intervals.icu today becomes today's workout in paced
# (a ride planned the same day is left politely where it is); `pacectl
# start` runs it on the simulator to its end; the finished session arrives
# at intervals.icu and at Strava exactly once, through a 503, a 429 with
# Retry-After, a truncated answer and a cut connection on the way, marked
# as a treadmill run (intervals.icu VirtualRun/trainer, Strava trainer=1).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 60

today=$(date +%F)
tomorrow=$(date -d tomorrow +%F)
start_fake "$(cat <<JSON
{"intervals": {"events": [
  {"id": 501, "start_date_local": "${today}T00:00:00", "category": "WORKOUT", "type": "Run",
   "name": "Easy 3 min", "description": "Warmup\n- 1m 70% Pace\nMain\n- 2m 80% Pace"},
  {"id": 502, "start_date_local": "${today}T00:00:00", "category": "WORKOUT", "type": "Ride",
   "name": "Sweet spot", "description": "- 20m 90%"},
  {"id": 503, "start_date_local": "${tomorrow}T07:00:00", "category": "WORKOUT",
   "type": "VirtualRun", "name": "Tempo", "description": "- 10m 80% Pace\n- 20m 95% Pace"},
  {"id": 504, "start_date_local": "${today}T00:00:00", "category": "NOTE", "name": "Rest well"}]}}
JSON
)"
write_sync_conf
start_sync
expect_rc 0 strava_login
grep -q 'Logged in to Strava as Runner T.' "$T/out" || fail "login: $(cat "$T/out")"

# The calendar: today's run is today's workout; the ride is skipped, politely.
wait_for 20 prop_is Schedule '"Easy 3 min"' || fail "Schedule: $(prop Schedule)"
expect_rc 0 pc schedule show
grep -q "$tomorrow  Tempo (intervals.icu)" "$T/out" || fail "schedule show: $(cat "$T/out")"
expect_rc 0 pc sync status
grep -q 'Sweet spot .* Ride .* skipped: a Ride, not a run' "$T/out" || fail "status: $(cat "$T/out")"
grep -q "paced runs only running workouts" "$T/sync.log" || fail "the ride was not reported"
grep -q "Rest well" "$T/out" && fail "a note became a workout: $(cat "$T/out")"

# Faults on the way out: each service's first answers go wrong.
fake_fault '{"match": "POST /api/v1/athlete/i4242/activities", "kind": "status", "status": 503}'
fake_fault '{"match": "POST /api/v1/athlete/i4242/activities", "kind": "truncated"}'
fake_fault '{"match": "PUT /api/v1/activity/", "kind": "cut"}'
fake_fault '{"match": "POST /api/v3/uploads", "kind": "status", "status": 429, "retry_after": 2,
             "body": {"message": "Rate Limit Exceeded"}}'
fake_fault '{"match": "GET /api/v3/uploads/", "kind": "truncated"}'

# The runner starts the day's workout: no name needed.
wait_for 20 treadmill_connected || fail "treadmill not connected"
expect_rc 0 pc start
wait_for 10 prop_is State '"running"' || fail "today's workout did not start"
prop_is Workout '"Easy 3 min"' || fail "running $(prop Workout)"
id=$(prop SessionId)
wait_for 120 prop_is State '"finished"' || fail "not finished: $(prop State)"

wait_for 60 sync_job_is intervals.icu "$id" done || fail "intervals.icu: $(pc sync status)"
wait_for 60 sync_job_is strava "$id" done || fail "strava: $(pc sync status)"

# Exactly once at each, with the session's external id, as a treadmill run.
state=$(fake_state)
python3 - "$state" "$id" <<'PY' || fail "delivery: $(pc sync status)"
import json, sys
s, sid = json.loads(sys.argv[1]), int(sys.argv[2])
iv, st = s["intervals"]["activities"], s["strava"]["activities"]
assert len(iv) == 1, "intervals.icu has %d activities" % len(iv)
assert len(st) == 1, "Strava has %d activities" % len(st)
assert iv[0]["external_id"].endswith("-%d" % sid), iv[0]
assert iv[0]["external_id"] == st[0]["external_id"]
assert iv[0]["type"] == "VirtualRun" and iv[0]["trainer"] is True, iv[0]
assert st[0]["trainer"] is True and st[0]["data_type"] == "fit", st[0]
assert iv[0]["name"] == "Easy 3 min" and st[0]["name"] == "Easy 3 min"
lines = [r["line"] for r in s["requests"]]
# The truncated answer left the upload uncertain: checked, found, not sent again.
assert lines.count("POST /api/v1/athlete/i4242/activities") == 2, lines
assert "GET /api/v1/athlete/i4242/activities" in lines, lines
# The 429 was waited out as asked.
ups = [r["t"] for r in s["requests"] if r["line"] == "POST /api/v3/uploads"]
assert len(ups) >= 2 and ups[1] - ups[0] >= 2.0, ups
PY
grep -q 'session .* arrived before as activity i1: not sent again' "$T/sync.log" ||
        fail "the check is not reported"
stop_sync TERM
log "PASS"
