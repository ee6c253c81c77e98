#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Another process holds the database's write lock. paced's
# connection never waits for it (it used to, up to 2 s a flush, on its
# event loop: steps 3.6 s late, bus calls 3.8 s, samples lost):
#  1. for 10 s in the middle of a workout: every step begins on time by the
#     session's own clock, every second's sample arrives, and what waited in
#     memory is written once the lock is released;
#  2. when the session begins: the session waits in memory (SessionId 0)
#     and is written whole, with its id, once the lock is released (it used
#     to be lost);
#  3. for a whole session: its SessionFinished says 0, and once it is written
#     a second one gives its id.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
db="$T/state/paced.db"
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
# 20 s, then 8 steps of 10 s (session time).
{
        echo "# name: Lock test"
        echo "Warmup"
        echo "- 20s 8km/h"
        echo "Main 4x"
        echo "- 10s 11km/h"
        echo "- 10s 9km/h"
} > "$T/lock.txt"
# The same with 4 steps of 10 s: parts 2 and 3 need no more.
sed 's/Main 4x/Main 2x/' "$T/lock.txt" > "$T/short.txt"
scale=2
elapsed_at_least() { awk -v e="$(prop Elapsed)" -v w="$1" 'BEGIN { exit !(e >= w) }'; }
# hold_lock SECONDS: a write transaction of another process, held that long.
hold_lock() {
        { echo "BEGIN IMMEDIATE;"; echo "SELECT 'locked';"; sleep "$1"; echo "COMMIT;"; } |
                sqlite3 "$db" > "$T/lock.out" 2>&1 &
        LOCK_PID=$!
        LIB_PIDS+=("$LOCK_PID")
        wait_for 5 grep -q locked "$T/lock.out" || fail "could not take the lock: $(cat "$T/lock.out")"
}
# check_session ID STEPS: step k begins 10 s after step k-1 (the first 20 s
# after the warm-up's), and a sample every second from the first to the last.
check_session() {
        local id=$1 n_steps=$2 worst gaps
        mapfile -t ts < <(sqlite3 "$db" \
                "SELECT t FROM events WHERE session_id = $id AND type = 'step-change' ORDER BY t")
        [ "${#ts[@]}" -eq "$n_steps" ] || fail "expected $n_steps step changes: ${ts[*]}"
        worst=$(printf '%s\n' "${ts[@]}" | awk 'NR == 1 { t0 = $1 } NR > 1 {
                e = ($1 - t0) - 20 - 10 * (NR - 2); if (e < 0) e = -e; if (e > w) w = e }
                END { printf "%.3f", w }')
        read -r n tmin tmax gaps < <(sqlite3 -separator ' ' "$db" "SELECT count(*), min(t), max(t),
                (SELECT count(*) FROM samples a WHERE a.session_id = $id AND NOT EXISTS
                   (SELECT 1 FROM samples b WHERE b.session_id = $id AND b.t > a.t
                    AND b.t < a.t + 1.5)) FROM samples WHERE session_id = $id")
        log "session $id: worst step-change error $worst s; $n samples, t $tmin..$tmax, $gaps without a successor within 1.5 s"
        # One-shot timers at the deadline: a loop that never waits is well
        # inside 0.5 s of session time (0.25 s real here); a 2 s wait is not.
        awk -v w="$worst" 'BEGIN { exit !(w < 0.5) }' || fail "steps late by up to $worst s"
        # Only the last sample has no successor: none lost.
        [ "$gaps" -eq 1 ] || fail "samples missing: $gaps gaps in $n samples ($tmin..$tmax)"
        awk -v a="$tmin" 'BEGIN { exit !(a < 1.5) }' || fail "first sample at $tmin"
}

# ---- 1: the lock held for 10 s mid-workout ----
start_paced --simulate --time-scale "$scale"
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/lock.txt"
wait_for 20 elapsed_at_least 15 || fail "Elapsed stuck at $(prop Elapsed)"
id=$(prop SessionId)
[ "$id" -gt 0 ] || fail "SessionId $id"
hold_lock 10
locked_at=$(prop Elapsed)
wait_for 10 grep -q 'Failed to write the session.*locked' "$T/paced.log" ||
        fail "the held lock was not noticed"
prop_is Storage '"buffering"' || fail "Storage $(prop Storage) while locked"
# Meanwhile the bus answers and the steps go on.
wait "$LOCK_PID" || fail "the lock holder failed: $(cat "$T/lock.out")"
released_at=$(prop Elapsed)
wait_for 10 prop_is Storage '"ok"' || fail "Storage $(prop Storage) after the lock was released"
finished() { [ "$(prop State)" = '"finished"' ]; }
wait_for 120 finished || fail "workout did not finish: State $(prop State)"
log "lock held from Elapsed $locked_at to $released_at"
awk -v a="$locked_at" -v b="$released_at" 'BEGIN { exit !(b - a > 15) }' ||
        fail "the lock did not cover 15 s of session time"
check_session "$id" 9
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"

# ---- 2: the lock held when the session begins ----
start_paced --simulate --time-scale "$scale"
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
hold_lock 10
expect_rc 0 pc start "$T/short.txt"
wait_for 10 elapsed_at_least 5 || fail "Elapsed stuck at $(prop Elapsed)"
grep -q 'session store cannot be written now.*locked.*kept in memory' "$T/paced.log" ||
        fail "no clear log line for the session kept in memory"
prop_is SessionId 0 || fail "SessionId $(prop SessionId) while the lock is held"
prop_is Storage '"buffering"' || fail "Storage $(prop Storage) while locked"
wait "$LOCK_PID" || fail "the lock holder failed: $(cat "$T/lock.out")"
recorded() { [ "$(prop SessionId)" != 0 ]; }
wait_for 10 recorded || fail "session not written after the lock was released"
id=$(prop SessionId)
wait_for 120 finished || fail "workout did not finish: State $(prop State)"
check_session "$id" 5
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id = $id")" = finished ] ||
        fail "session $id not finished"

# ---- 3: the lock held for a whole (short) session ----
# Its SessionFinished has no id to give; once written it is said again with
# the id, so that a client such as paced-sync can fetch it now.
dbus-monitor --address "$BUS_ADDRESS" \
        "type='signal',interface='io.paced.paced1.Manager',member='SessionFinished'" \
        > "$T/finished" 2>&1 &
LIB_PIDS+=("$!")
wait_for 5 grep -q NameAcquired "$T/finished" || fail "dbus-monitor did not start"
finished_ids() { awk '/member=SessionFinished/ { getline; print $2 }' "$T/finished"; }
hold_lock 6
expect_rc 0 pc start "$T/short.txt"
wait_for 10 elapsed_at_least 3 || fail "Elapsed stuck at $(prop Elapsed)"
expect_rc 0 pc stop
wait_for 5 grep -q 'Session (not recorded yet) aborted' "$T/paced.log" ||
        fail "the session was recorded while the lock was held"
finished_ids_are() { [ "$(finished_ids | tr '\n' ' ')" = "$1" ]; }
wait_for 5 finished_ids_are "0 " || fail "SessionFinished while locked: $(finished_ids)"
wait "$LOCK_PID" || fail "the lock holder failed: $(cat "$T/lock.out")"
late=$((id + 1))
wait_for 10 finished_ids_are "0 $late " ||
        fail "no SessionFinished with the id once written: $(finished_ids)"
[ "$(sqlite3 "$db" "SELECT end_reason FROM sessions WHERE id = $late")" = aborted ] ||
        fail "session $late not stored as aborted"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
