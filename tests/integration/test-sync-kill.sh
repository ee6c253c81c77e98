#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Exactly once through a kill -9 of paced-sync in the middle of an upload.
#  1. The services take the upload and then never answer; paced-sync is
#     killed while it waits. Restarted, it must find the activity (by its
#     external id) and not send it again: one activity at each service.
#  2. The services hang before taking it; killed, restarted: it must send
#     it (nothing arrived), and again exactly one activity at each.
#  3. A session that finished while paced-sync was not running is queued
#     when it starts (nothing is lost).
#  4. Strava took the upload but is still processing it when paced-sync,
#     restarted, looks: not there yet, so it is sent again, and Strava's
#     duplicate check catches the copy; reported as a duplicate, one activity.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 60
start_fake
# Long enough that paced-sync is killed while it waits, not after its own timeout.
SYNC_TIMEOUT=120s write_sync_conf
start_sync
expect_rc 0 strava_login
printf 'Main\n- 1m 80%% Pace\n' > "$T/short.txt"

# count SERVICE EXTERNAL_ID_SUFFIX: activities the fake holds for a session.
count() {
        fake_count "len([a for a in s['$1']['activities'] if (a['external_id'] or '').endswith('-$2')])"
}
posts() { fake_count "[r['line'] for r in s['requests']].count('$1')"; }

# ---- 1: taken, then no answer; killed ----
fake_fault '{"match": "POST /api/v1/athlete/i4242/activities", "kind": "store-then-hang", "seconds": 60}'
fake_fault '{"match": "POST /api/v3/uploads", "kind": "store-then-hang", "seconds": 60}'
id=$(run_session "$T/short.txt")
stored() {
        [ "$(count intervals "$id")" = 1 ] &&
                [ "$(fake_count "len(s['strava']['uploads'])")" = 1 ]
}
wait_for 30 stored || fail "the uploads did not reach the fake: $(fake_state)"
sleep 0.5
[ "$(sync_job_state intervals.icu "$id")" = sending ] || fail "intervals.icu job not 'sending'"
kill -9 "$SYNC_PID"
wait "$SYNC_PID" 2> /dev/null || true
fake POST /_control/reset-faults > /dev/null
start_sync
wait_for 60 sync_job_is intervals.icu "$id" done || fail "intervals.icu after the kill: $(pc sync status)"
wait_for 60 sync_job_is strava "$id" done || fail "strava after the kill: $(pc sync status)"
[ "$(count intervals "$id")" = 1 ] || fail "intervals.icu holds $(count intervals "$id") activities"
[ "$(count strava "$id")" = 1 ] || fail "Strava holds $(count strava "$id") activities"
[ "$(posts "POST /api/v1/athlete/i4242/activities")" = 1 ] || fail "intervals.icu was sent it again"
grep -q "session $id arrived before as activity" "$T/sync.log" || fail "the check is not logged"

# ---- 2: no answer before it was taken; killed ----
fake_fault '{"match": "POST /api/v1/athlete/i4242/activities", "kind": "hang-then-store", "seconds": 60}'
fake_fault '{"match": "POST /api/v3/uploads", "kind": "hang-then-store", "seconds": 60}'
id2=$(run_session "$T/short.txt")
sending() { sync_job_is intervals.icu "$id2" sending && sync_job_is strava "$id2" sending; }
wait_for 30 sending || fail "not sending: $(pc sync status)"
sleep 0.5
kill -9 "$SYNC_PID"
wait "$SYNC_PID" 2> /dev/null || true
[ "$(count intervals "$id2")" = 0 ] || fail "the fake took what it should not have"
fake POST /_control/reset-faults > /dev/null
start_sync
wait_for 60 sync_job_is intervals.icu "$id2" done || fail "intervals.icu (2): $(pc sync status)"
wait_for 60 sync_job_is strava "$id2" done || fail "strava (2): $(pc sync status)"
[ "$(count intervals "$id2")" = 1 ] || fail "intervals.icu holds $(count intervals "$id2") (2)"
[ "$(count strava "$id2")" = 1 ] || fail "Strava holds $(count strava "$id2") (2)"

# ---- 3: finished while paced-sync was down ----
stop_sync TERM
id3=$(run_session "$T/short.txt")
start_sync
wait_for 60 sync_job_is intervals.icu "$id3" done || fail "intervals.icu (3): $(pc sync status)"
wait_for 60 sync_job_is strava "$id3" done || fail "strava (3): $(pc sync status)"
[ "$(count intervals "$id3")" = 1 ] && [ "$(count strava "$id3")" = 1 ] || fail "(3) not once"
# ---- 4: Strava still processing the first copy ----
fake POST /_control/set '{"strava": {"hold_processing": true}}' > /dev/null
fake_fault '{"match": "POST /api/v3/uploads", "kind": "store-then-hang", "seconds": 60}'
id4=$(run_session "$T/short.txt")
uploads() { fake_count "len(s['strava']['uploads'])"; }
n=$(uploads)
held() { [ "$(uploads)" -ge "$n" ] && sync_job_is strava "$id4" sending; }
wait_for 30 held || fail "(4) not sending: $(pc sync status)"
two_uploads_for() { [ "$(fake_count "len([u for u in s['strava']['uploads'].values() if u['external_id'].endswith('-$id4')])")" = "$1" ]; }
wait_for 30 two_uploads_for 1 || fail "(4) the first copy did not arrive"
kill -9 "$SYNC_PID"
wait "$SYNC_PID" 2> /dev/null || true
fake POST /_control/reset-faults > /dev/null
start_sync
wait_for 30 two_uploads_for 2 || fail "(4) not sent again while processing: $(pc sync status)"
fake POST /_control/set '{"strava": {"hold_processing": false}}' > /dev/null
wait_for 60 sync_job_is strava "$id4" done || fail "strava (4): $(pc sync status)"
pc sync status | grep -q "session $id4    done        already on Strava: duplicate of activity" ||
        fail "the duplicate is not reported as such: $(pc sync status)"
[ "$(count strava "$id4")" = 1 ] || fail "(4) Strava holds $(count strava "$id4")"
wait_for 60 sync_job_is intervals.icu "$id4" done || fail "intervals.icu (4): $(pc sync status)"

# And nothing of sessions 1 to 3 was sent again by the restarts.
[ "$(fake_count "len(s['intervals']['activities'])")" = 4 ] || fail "intervals.icu: $(fake_state)"
[ "$(fake_count "len(s['strava']['activities'])")" = 4 ] || fail "Strava: $(fake_state)"
stop_sync TERM
log "PASS"
