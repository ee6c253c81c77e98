#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `pacectl sync strava-login` as the runner walks through it: the authorize
# address to open (client id, the localhost redirect, scope activity:write,
# approval forced), then the address Strava sent the browser to. Refusing on
# Strava's page, unticking "Upload your activities" or pasting something
# without a code each get a sentence saying what to do; nothing is sent to
# Strava then. Strava not set up: said so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
start_fake
write_sync_conf
start_sync

login() { printf '%s\n' "$1" | "$PACECTL" sync strava-login > "$T/out" 2> "$T/err"; }
tokens() { fake_count "[r['line'] for r in s['requests']].count('POST /oauth/token')"; }

rc=0
login "http://localhost/exchange_token?state=&error=access_denied" || rc=$?
[ "$rc" = 1 ] && grep -q "Strava says 'access_denied'" "$T/err" || fail "denied: $(cat "$T/err")"
grep -q "https://127.0.0.1:$FAKE_PORT/oauth/authorize?client_id=31337&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fexchange_token&approval_prompt=force&scope=activity%3Awrite%2Cread" \
        "$T/out" || fail "authorize address: $(cat "$T/out")"
grep -q 'copy the whole address' "$T/out" || fail "no instructions: $(cat "$T/out")"
rc=0
login "http://localhost/exchange_token?state=&code=$STRAVA_CODE&scope=read" || rc=$?
[ "$rc" = 1 ] && grep -q 'keep "Upload your activities" ticked' "$T/err" || fail "scope: $(cat "$T/err")"
rc=0
login "I pressed Authorize" || rc=$?
[ "$rc" = 2 ] && grep -q 'no code= in that address' "$T/err" || fail "no code: $(cat "$T/err")"
rc=0
login "http://localhost/exchange_token?code=not-hex!&scope=activity:write" || rc=$?
[ "$rc" = 2 ] && grep -q 'not a Strava authorization code' "$T/err" || fail "bad: $(cat "$T/err")"
[ "$(tokens)" = 0 ] || fail "Strava was asked with a refused address"
[ ! -e "$T/sync-state/strava-token" ] || fail "a login was stored"

login "http://localhost/exchange_token?state=&code=$STRAVA_CODE&scope=read,activity:write" ||
        fail "login: $(cat "$T/out" "$T/err")"
grep -q 'Logged in to Strava as Runner T.; sessions go there from now on.' "$T/out" ||
        fail "login: $(cat "$T/out")"
pc sync status | grep -q '^strava         ok' || fail "status after login: $(pc sync status)"
# A code works once.
rc=0
login "http://localhost/exchange_token?state=&code=$STRAVA_CODE&scope=read,activity:write" || rc=$?
[ "$rc" = 1 ] && grep -q 'Strava refused the code' "$T/err" || fail "reused code: $(cat "$T/err")"

# Without a [Strava] section.
stop_sync TERM
sed -i '/^\[Strava\]/,$d' "$T/sync.conf"
start_sync
rc=0
login "http://localhost/exchange_token?code=$STRAVA_CODE&scope=activity:write" || rc=$?
[ "$rc" = 1 ] && grep -q 'strava is not set up in' "$T/err" || fail "unconfigured: $(cat "$T/err")"
stop_sync TERM
log "PASS"
