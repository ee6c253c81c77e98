#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM in the middle of a workout: paced slows the belt to the cool-down
# speed (stop_policy = cooldown), closes the session as aborted (not
# "interrupted", which is what a crash leaves), flushes it, and exits 0.
# With stop_policy = pause, SIGTERM pauses the belt instead (FTMS Stop or
# Pause, pause). Then SIGKILL: the next start finds the session interrupted
# and, with the belt stopped, leaves it so.
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
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "not running"
fast() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s > 6) }'; }
wait_for 60 fast || fail "belt never above 6 km/h: $(prop Speed)"
session=$(prop SessionId)

stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "SIGTERM: exit $PACED_RC"
grep -q 'slowing to 4.5 km/h' "$T/paced.log" || fail "no cool-down on stop"
# The runner is left on a running belt, slowing to 4.5 km/h (not stopped).
grep -q 'Simulated belt left running at .* (target 4.5 km/h)' "$T/paced.log" ||
        fail "belt not left running towards 4.5 km/h: $(grep 'Simulated belt' "$T/paced.log")"
db="$T/state/paced.db"
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id=$session")" = aborted ] ||
        fail "session end: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
[ -n "$(sqlite3 "$db" "SELECT end_usec FROM sessions WHERE id=$session")" ] || fail "no end time"
sqlite3 "$db" "SELECT text FROM events WHERE session_id=$session AND type='safety'" |
        grep -q 'slowing to 4.5' || fail "safety action not recorded"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$session")" -gt 5 ] ||
        fail "samples lost"

# stop_policy = pause: the belt is paused, the session closed the same way.
sed -i 's/^stop_policy = cooldown/stop_policy = pause/' "$T/paced.conf"
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "treadmill not connected (pause policy)"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "not running (pause policy)"
wait_for 60 fast || fail "belt never above 6 km/h: $(prop Speed)"
paused=$(prop SessionId)
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "SIGTERM (pause policy): exit $PACED_RC"
grep -q 'Simulated belt left paused' "$T/paced.log" ||
        fail "belt not paused on stop: $(grep 'Simulated belt' "$T/paced.log")"
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id=$paused")" = aborted ] ||
        fail "session end: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
sqlite3 "$db" "SELECT text FROM events WHERE session_id=$paused AND type='safety'" |
        grep -q 'paced is stopping: stopping the belt' || fail "pause on stop not recorded"
sed -i 's/^stop_policy = pause/stop_policy = cooldown/' "$T/paced.conf"

# Restarting finds nothing interrupted: the stop was clean.
start_paced --simulate --time-scale 20
! grep -q 'was interrupted' "$T/paced.log" || fail "a clean stop left an interrupted session"

# A crash (SIGKILL) is different: the session is found interrupted on the
# next start, and with the belt stopped (a fresh simulator) it is not resumed:
# paced never starts a belt by itself.
wait_for 20 treadmill_connected || fail "treadmill not connected after restart"
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "second workout not running"
crashed=$(session_id)
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
# Nothing was sent to the stopped belt: no Start, no speed.
sleep 1 # twenty virtual seconds for a command that must not come
sim_commands > "$T/cmds"
! grep -Eq 'start-or-resume|set-target-speed' "$T/cmds" ||
        fail "paced commanded a stopped belt after the crash: $(cat "$T/cmds")"
[ "$(sim_prop BeltState)" = '"idle"' ] || fail "belt $(sim_prop BeltState)"
stop_paced TERM
log "PASS"
