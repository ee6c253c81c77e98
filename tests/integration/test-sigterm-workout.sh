#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM in the middle of a workout: paced slows the belt to the cool-down
# speed (stop_policy = cooldown), closes the session as aborted (not
# "interrupted", which is what a crash leaves), flushes it, and exits 0.
# Then SIGKILL: the next start finds the session interrupted and, with the
# belt stopped, leaves it so.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
[Safety]
allow_remote_start = yes
stop_policy = cooldown
cooldown_speed = 4.5
CONF
start_paced --simulate --time-scale 20
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "not running"
fast() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s > 6) }'; }
wait_for 60 fast || fail "belt never above 6 km/h: $(prop Speed)"
session=$(prop SessionId)

stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "SIGTERM: exit $PACED_RC"
grep -q 'slowing to 4.5 km/h' "$T/paced.log" || fail "no cool-down on stop"
db="$T/state/paced.db"
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id=$session")" = aborted ] ||
        fail "session end: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
[ -n "$(sqlite3 "$db" "SELECT end_usec FROM sessions WHERE id=$session")" ] || fail "no end time"
sqlite3 "$db" "SELECT text FROM events WHERE session_id=$session AND type='safety'" |
        grep -q 'slowing to 4.5' || fail "safety action not recorded"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$session")" -gt 5 ] ||
        fail "samples lost"

# Restarting finds nothing interrupted: the stop was clean.
start_paced --simulate --time-scale 20
! grep -q 'was interrupted' "$T/paced.log" || fail "a clean stop left an interrupted session"

# A crash (SIGKILL) is different: the session is found interrupted on the
# next start, and with the belt stopped (a fresh simulator) it is not resumed:
# paced never starts a belt by itself.
wait_for 20 treadmill_connected || fail "treadmill not connected after restart"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "second workout not running"
crashed=$(prop SessionId)
flushed() { [ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$crashed")" -gt 3 ]; }
wait_for 20 flushed || fail "no samples flushed before the crash"
stop_paced KILL
start_paced --simulate --time-scale 20
wait_for 20 grep -q "Session $crashed was interrupted" "$T/paced.log" ||
        fail "interrupted session not found on restart"
wait_for 20 grep -q "belt is stopped: interrupted session $crashed stays interrupted" \
        "$T/paced.log" || fail "no decision about the interrupted session"
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id=$crashed")" = interrupted ] ||
        fail "crashed session: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
prop_is State '"idle"' || fail "state after restart: $(prop State)"
stop_paced TERM
log "PASS"
