#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Secrets never show: the intervals.icu API key, the Strava client secret,
# the authorization code and every access and refresh token the fake Strava
# hands out (it rotates them on each refresh here) are searched for in every
# log (paced-sync at debug level, paced, and the fake's request lines, which
# shows they never travel in a URL), in every status output (text, JSON,
# the raw D-Bus answer, introspection) and in the outbox database. The
# refresh token is kept 0600 in the state directory; a key file others can
# read is refused with a reason that names the file, not its contents.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 60
today=$(date +%F)
# Access tokens that expire within paced-sync's margin: a refresh (and a new
# refresh token) before every Strava request.
start_fake "{\"strava\": {\"token_lifetime\": 60}, \"intervals\": {\"events\": [{\"id\": 9,
  \"start_date_local\": \"${today}T00:00:00\", \"category\": \"WORKOUT\", \"type\": \"Run\",
  \"name\": \"Easy\", \"description\": \"- 1m 70% Pace\"}]}}"
write_sync_conf
start_sync --verbose

# The login as a runner does it: the address pasted on standard input.
printf 'http://localhost/exchange_token?state=&code=%s&scope=read,activity:write\n' \
        "$STRAVA_CODE" | "$PACECTL" sync strava-login > "$T/login.out" 2>&1 ||
        fail "login: $(cat "$T/login.out")"
grep -q 'Logged in to Strava as Runner T.' "$T/login.out" || fail "login: $(cat "$T/login.out")"
[ "$(stat -c %a "$T/sync-state/strava-token")" = 600 ] || fail "strava-token is not 0600"

printf 'Main\n- 1m 80%% Pace\n' > "$T/short.txt"
id=$(run_session "$T/short.txt")
wait_for 60 sync_job_is strava "$id" done || fail "strava: $(pc sync status)"
wait_for 60 sync_job_is intervals.icu "$id" done || fail "intervals.icu: $(pc sync status)"
[ "$(fake_count "s['strava']['next_id']")" -gt 1003 ] || fail "tokens were not rotated"
grep -qx "$(fake_count "s['strava']['refresh']")" "$T/sync-state/strava-token" ||
        fail "the newest refresh token is not the one kept"

# Error paths, which are where secrets tend to leak: a revoked Strava login, a
# refused intervals.icu key (with a body), a bad code.
fake POST /_control/set '{"strava": {"refresh": "revoked"}}' > /dev/null
fake_fault '{"match": "GET /api/v1/athlete/i4242/events", "kind": "status", "status": 401,
             "body": {"status": 401, "error": "Unauthorized"}}'
id2=$(run_session "$T/short.txt")
wait_for 60 sync_job_is intervals.icu "$id2" done || fail "intervals.icu (2): $(pc sync status)"
expect_rc 0 pc sync now
waiting() { pc sync status | grep -q "^strava         waiting   Strava refused the login: run pacectl sync strava-login"; }
wait_for 30 waiting || fail "a revoked login does not say so: $(pc sync status)"
sync_job_is strava "$id2" pending || fail "the job is not kept: $(pc sync status)"
expect_rc 1 pc sync strava-login --url "http://localhost/exchange_token?code=0123456789abcdef&scope=activity:write"
grep -q 'Strava refused the code' "$T/err" || fail "bad code: $(cat "$T/err")"
fake POST /_control/set '{"strava": {"codes": ["c0de5ec7e7a1b2c3d5"]}}' > /dev/null
expect_rc 0 pc sync strava-login --url "http://localhost/exchange_token?state=&code=c0de5ec7e7a1b2c3d5&scope=read,activity:write"
wait_for 60 sync_job_is strava "$id2" done || fail "strava after the new login: $(pc sync status)"

# Everything a runner or admin sees.
{
        pc sync status
        pc sync status --json
        pc schedule show --json
        busctl --address="$BUS_ADDRESS" call io.paced.sync1 /io/paced/sync1 io.paced.sync1.Manager GetStatus
        busctl --address="$BUS_ADDRESS" introspect io.paced.sync1 /io/paced/sync1
} > "$T/status.txt" 2>&1
grep -q "uploaded as activity" "$T/status.txt" || fail "the status is empty: $(cat "$T/status.txt")"
secrets=("$INTERVALS_KEY" "$STRAVA_SECRET" "$STRAVA_CODE" "c0de5ec7e7a1b2c3d5" "SECRET")
issued=$(fake_count "s['strava']['next_id']")
for f in "$T/sync.log" "$T/paced.log" "$T/fake.log" "$T/status.txt" "$T/login.out" \
        "$T/out" "$T/err" "$T/sync-state/outbox.db" "$T/sync-state/outbox.db-wal"; do
        [ -e "$f" ] || continue
        for s in "${secrets[@]}"; do
                if grep -aqF -- "$s" "$f"; then
                        fail "$(basename "$f") contains a secret ($s...): $(grep -aF -- "$s" "$f" | head -3)"
                fi
        done
done
grep -q 'debug:' "$T/sync.log" || fail "the log was not at debug level: the search proves less"
log "secrets searched in $(wc -c < "$T/sync.log") bytes of paced-sync log, $issued token ids"

# A key file others can read is refused, by name.
stop_sync TERM
rm "$T/credentials/paced-sync.intervals-api-key"
printf '%s\n' "$INTERVALS_KEY" > "$T/intervals.key"
chmod 0644 "$T/intervals.key"
sed -i "s|^athlete_id = i4242|athlete_id = i4242\napi_key_file = $T/intervals.key|" "$T/sync.conf"
start_sync
expect_rc 0 pc sync status
grep -q "intervals.icu  waiting   $T/intervals.key is readable by others: chmod 0600" "$T/out" ||
        fail "a readable key file: $(cat "$T/out")"
grep -aqF "$INTERVALS_KEY" "$T/out" "$T/sync.log" && fail "the key was shown"
chmod 0600 "$T/intervals.key"
expect_rc 0 pc sync now
ok() { pc sync status | grep -q "^intervals.icu  ok"; }
wait_for 20 ok || fail "the key file was not read after the fix: $(pc sync status)"
stop_sync TERM
log "PASS"
