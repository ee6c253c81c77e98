#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The database locked by another process for longer than the store's
# memory budget lasts (the budget cut to 300 samples, PACED_TEST_STORE_BUDGET,
# at 50 times real time, so it is spent in seconds, not four hours): the
# session waits in memory, the store says "dropping" once the budget is
# spent, paced's memory stays put, the workout carries on, and once the
# lock is released the session is written up to the budget, with a note
# saying how many samples were dropped. (The budget's arithmetic is
# unit-tested in test-session-store; this is the daemon end to end.)
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
[ -z "${PACED_VALGRIND:-}" ] || { log "SKIP: under valgrind"; exit 77; }
db="$T/state/paced.db"
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
printf '# name: Long run\nMain\n- 30m 8km/h\n' > "$T/w.txt"
elapsed_at_least() { awk -v e="$(prop Elapsed)" -v w="$1" 'BEGIN { exit !(e >= w) }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$PACED_PID/status"; }
PACED_TEST_STORE_BUDGET=300 start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
[ -e "$db" ] || fail "no database"
{ echo "BEGIN IMMEDIATE;"; echo "SELECT 'locked';"
  for _ in $(seq 300); do [ -e "$T/release" ] && break; sleep 0.2; done; echo "COMMIT;"; } | sqlite3 "$db" > "$T/lock.out" 2>&1 &
LIB_PIDS+=("$!")
wait_for 5 grep -q locked "$T/lock.out" || fail "could not take the lock: $(cat "$T/lock.out")"
expect_rc 0 pc start "$T/w.txt"
wait_for 10 prop_is Storage '"buffering"' || fail "Storage $(prop Storage)"
wait_for 30 prop_is Storage '"dropping"' || fail "budget never spent: Storage $(prop Storage), Elapsed $(prop Elapsed)"
at_full=$(prop Elapsed)
rss1=$(rss_kb)
# As long again past the budget (twice the samples, were they kept).
wait_for 30 elapsed_at_least "$(awk -v e="$at_full" 'BEGIN { print e + 300 }')" ||
        fail "Elapsed stuck at $(prop Elapsed)"
rss2=$(rss_kb)
prop_is State '"running"' || fail "the workout did not carry on: $(prop State)"
log "budget spent at ${at_full} s; RSS ${rss1} kB then ${rss2} kB 300 s later"
[ $((rss2 - rss1)) -lt 512 ] || fail "memory grew by $((rss2 - rss1)) kB past the budget"
grep -q 'new rows are dropped, and counted' "$T/paced.log" || fail "no log line for dropping"

touch "$T/release"
wait_for 30 prop_is Storage '"ok"' || fail "not written after the lock: Storage $(prop Storage)"
expect_rc 0 pc stop
wait_for 10 prop_is SessionId 0 || fail "session not closed"
wait_for 10 sessions_written || fail "the session's end was not written"
id=$(sqlite3 "$db" "SELECT max(id) FROM sessions")
[ -n "$id" ] || fail "the session was not written"
n=$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id = $id")
note=$(sqlite3 "$db" "SELECT text FROM events WHERE session_id = $id AND text LIKE '%not recorded%'")
log "session $id: $n samples; note: $note"
[ "$n" -ge 300 ] || fail "only $n samples kept"
# One note per stretch of dropping (under load the budget can fill twice).
dropped=$(sed -n 's/.*not recorded: \([0-9]*\) samples.*/\1/p' <<< "$note" | awk '{ n += $1 } END { print n }')
[ -n "$dropped" ] && [ "$dropped" -ge 250 ] || fail "dropped samples not reported: '$note'"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
