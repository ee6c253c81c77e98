#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-sync against a misbehaving service. Transient trouble (timeouts,
# 5xx, truncated, malformed or oversized answers) is retried with backoff
# and said in the log; a 429 waits as long as Retry-After asks; 401, 403
# and 404 stop the service with a reason the runner can act on, and the
# work waits (nothing is lost) until `pacectl sync now` after the fix; a
# 400 on an upload fails the job with the service's message, and `pacectl
# sync retry` sends it again. A server whose certificate the configured CA
# did not sign is never talked to.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 60
today=$(date +%F)
start_fake "{\"intervals\": {\"events\": [{\"id\": 9, \"start_date_local\": \"${today}T00:00:00\",
  \"category\": \"WORKOUT\", \"type\": \"Run\", \"name\": \"Easy\", \"description\": \"- 1m 70% Pace\"}]}}"
SYNC_TIMEOUT=2s write_sync_conf
start_sync
expect_rc 0 strava_login
wait_for 20 prop_is Schedule '"Easy"' || fail "no calendar at start"

events="GET /api/v1/athlete/i4242/events"
# calendar_after_fault FAULT_JSON LOG_TEXT: the fault on the next calendar fetch is
# logged as LOG_TEXT, and the fetch after it succeeds.
calendar_after_fault() {
        local before
        fake_fault "$1"
        before=$(grep -c 'calendar: 1 run on the schedule' "$T/sync.log" || true)
        expect_rc 0 pc sync now
        wait_for 30 grep -q "$2" "$T/sync.log" || fail "not logged: $2"
        calendar_done_again() {
                [ "$(grep -c 'calendar: 1 run on the schedule' "$T/sync.log")" -gt "$before" ]
        }
        wait_for 30 calendar_done_again || fail "no recovery after: $2"
}
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"timeout\", \"seconds\": 6}" \
        'intervals.icu: calendar: timed out; attempt 2'
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"status\", \"status\": 502}" \
        'intervals.icu: calendar: HTTP 502; attempt 2'
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"truncated\"}" \
        "calendar: intervals.icu's answer does not parse (truncated or malformed)"
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"malformed\"}" \
        "calendar: intervals.icu's answer does not parse (truncated or malformed); attempt 2"
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"oversized\"}" \
        'intervals.icu: calendar: the answer was larger than 2 MiB'
calendar_after_fault "{\"match\": \"$events\", \"kind\": \"cut\"}" \
        'intervals.icu: calendar: transfer closed'

# 401, 403 and 404: the service waits for the runner, with the reason; the
# work stays queued; `sync now` after the fix carries on.
service_waiting() {
        pc sync status | grep -q "^intervals.icu  waiting   $1"
}
service_ok() { pc sync status | grep -q "^intervals.icu  ok"; }
blocked_then_fixed() {
        local before
        fake_fault "$1"
        expect_rc 0 pc sync now
        wait_for 30 service_waiting "$2" || fail "not waiting on '$2': $(pc sync status)"
        pc sync status | grep -q "calendar     pending     waiting: $2" ||
                fail "the calendar job does not say why: $(pc sync status)"
        # The runner fixes it (the fault was one answer) and says so.
        before=$(grep -c 'calendar: 1 run on the schedule' "$T/sync.log" || true)
        expect_rc 0 pc sync now
        calendar_done_again() {
                [ "$(grep -c 'calendar: 1 run on the schedule' "$T/sync.log")" -gt "$before" ]
        }
        wait_for 30 calendar_done_again || fail "no calendar after the fix: $(pc sync status)"
        service_ok || fail "still waiting after the fix: $(pc sync status)"
}
blocked_then_fixed "{\"match\": \"$events\", \"kind\": \"status\", \"status\": 401}" \
        'intervals.icu refused the API key (HTTP 401'
blocked_then_fixed "{\"match\": \"$events\", \"kind\": \"status\", \"status\": 403,
        \"body\": {\"status\": 403, \"error\": \"Access denied\"}}" \
        'intervals.icu refused the API key (HTTP 403: Access denied)'
blocked_then_fixed "{\"match\": \"$events\", \"kind\": \"status\", \"status\": 404}" \
        'intervals.icu knows no athlete i4242'

# Uploads. intervals.icu: a 429 with Retry-After 3 is waited out.
fake_fault '{"match": "POST /api/v1/athlete/i4242/activities", "kind": "status", "status": 429,
             "retry_after": 3}'
# Strava: the first upload is refused outright (400): failed, with Strava's words.
fake_fault '{"match": "POST /api/v3/uploads", "kind": "status", "status": 400,
             "body": {"message": "Bad Request", "errors": [{"resource": "Upload",
                      "field": "data", "code": "empty"}]}}'
# And its token endpoint and poll fail once on the way.
fake_fault '{"match": "GET /api/v3/uploads/", "kind": "status", "status": 500}'
printf 'Main\n- 1m 80%% Pace\n' > "$T/short.txt"
id=$(run_session "$T/short.txt")
wait_for 30 sync_job_is strava "$id" failed || fail "strava 400: $(pc sync status)"
pc sync status | grep -q "session $id    failed      upload refused by Strava: HTTP 400: Bad Request: data empty" ||
        fail "the failure does not say why: $(pc sync status)"
wait_for 30 sync_job_is intervals.icu "$id" done || fail "intervals.icu: $(pc sync status)"
python3 - "$(fake_state)" <<'PY' || fail "Retry-After not honoured"
import json, sys
t = [r["t"] for r in json.loads(sys.argv[1])["requests"]
     if r["line"] == "POST /api/v1/athlete/i4242/activities"]
assert len(t) == 2 and t[1] - t[0] >= 3.0, t
PY
expect_rc 0 pc sync retry
grep -q '1 failed upload queued again' "$T/out" || fail "retry: $(cat "$T/out")"
wait_for 30 sync_job_is strava "$id" done || fail "strava after retry: $(pc sync status)"
grep -q 'strava: polling the upload: HTTP 500; attempt 2' "$T/sync.log" || fail "poll 500 not retried"
[ "$(fake_count "len(s['strava']['activities'])")" = 1 ] || fail "Strava: $(fake_state)"
[ "$(fake_count "len(s['intervals']['activities'])")" = 1 ] || fail "intervals.icu: $(fake_state)"

# TLS: the configured CA did not sign the server's certificate: no request is made.
stop_sync TERM
make_ca "$T/ca2" other
sed -i "s|^ca_file = .*|ca_file = $T/ca2/ca.pem|" "$T/sync.conf"
requests=$(fake_count "len(s['requests'])")
start_sync
expect_rc 0 pc sync now
wait_for 30 grep -q 'calendar: SSL certificate problem' "$T/sync.log" ||
        fail "no certificate error: $(tail "$T/sync.log")"
[ "$(fake_count "len(s['requests'])")" = "$requests" ] || fail "a request got through"
stop_sync TERM
log "PASS"
