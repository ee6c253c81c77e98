#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Session hygiene: a workout whose belt never moved leaves no
# empty "aborted" session in the history; `pacectl delete ID` asks first and
# deletes a session with everything in it; `skip --step N` skips step N only,
# `skip --to main` jumps past the warm-up.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:30
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 20
export PACED_STATE_DIR="$T/state"
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
busctl --address="$BUS_ADDRESS" monitor --match \
        "type='signal',interface='io.paced.paced1.Manager',member='SessionFinished'" \
        > "$T/signals" 2>&1 &
LIB_PIDS+=("$!")
sleep 0.3
db="$T/state/paced.db"

# The treadmill refuses control: the Start never reaches the belt, which never moves.
expect_rc 0 pc sim inject refuse-control
expect_rc 0 pc start easy-run
# The workout waits (paused) for the belt to run, not for the Start to be sent.
wait_for 10 prop_is State '"paused"' || fail "not waiting for the belt: $(prop State)"
sleep 1 # twenty virtual seconds of a belt standing still
[ "$(sim_prop BeltState)" = '"idle"' ] || fail "the belt moved: $(sim_prop BeltState)"
expect_rc 0 pc stop
wait_for 10 grep -q 'STRING "discarded"' "$T/signals" || fail "no SessionFinished discarded"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions")" -eq 0 ] ||
        fail "empty session kept: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
expect_rc 0 pc history
grep -q "No sessions." "$T/out" || fail "history: $(cat "$T/out")"
expect_rc 0 pc sim clear refuse-control

# A real run: skip --to main leaves the warm-up at once (steps of minutes,
# so that nothing ends on its own while the test looks).
expect_rc 0 pc start tempo-run
wait_for 10 prop_is State '"running"' || fail "not running"
wait_for 10 prop_is StepIndex 0 || fail "StepIndex $(prop StepIndex)"
expect_rc 0 pc skip --to main
grep -q "^Now: step 2/" "$T/out" || fail "skip --to main: $(cat "$T/out")"
prop_is StepIndex 1 || fail "skip --to main went to $(prop StepIndex)"
# skip --step N skips step N only: step 1 ended, asking to skip it skips nothing.
expect_rc 1 pc skip --step 1
grep -q "Cannot skip step 1: it already ended (now in step 2)." "$T/err" || fail "$(cat "$T/err")"
prop_is StepIndex 1 || fail "a stale skip moved to $(prop StepIndex)"
expect_rc 0 pc skip --step 2
prop_is StepIndex 2 || fail "skip --step 2 went to $(prop StepIndex)"
expect_rc 2 pc skip --to lunch
grep -q "expected main, trial or cooldown" "$T/err" || fail "$(cat "$T/err")"
sleep 1 # some distance in the session
expect_rc 0 pc stop
wait_for 10 prop_is SessionId 0 || fail "session not closed"
wait_for 10 sessions_written || fail "the session's end was not written"
id=$(sqlite3 "$db" "SELECT max(id) FROM sessions")
[ -n "$id" ] || fail "the run was not kept"

# delete: asks first; without a terminal it needs --yes.
expect_rc 2 pc delete "$id" < /dev/null
grep -q "add --yes" "$T/err" || fail "delete without --yes: $(cat "$T/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE id=$id")" -eq 1 ] || fail "deleted unasked"
expect_rc 2 pc delete 999 --yes
grep -q "No session 999" "$T/err" || fail "$(cat "$T/err")"
expect_rc 0 pc delete "$id" --yes
grep -q "^Deleted session $id (Tempo run (20 min), " "$T/out" || fail "$(cat "$T/out")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE id=$id")" -eq 0 ] || fail "not deleted"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$id")" -eq 0 ] || fail "samples kept"
expect_rc 0 pc history
grep -q "No sessions." "$T/out" || fail "history after delete: $(cat "$T/out")"
stop_paced TERM
log "PASS"
