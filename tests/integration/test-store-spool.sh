#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced stops (SIGTERM) while another process holds the database's write
# lock past its last attempt: what it could not write goes to the spool
# (paced-spool.db in the state directory) instead of being lost, and the
# next start imports it before its crash recovery. The lock released and
# paced started again, the session is whole: ended as the stop ended it
# (aborted, not "interrupted"), a sample every second up to the stop, and
# the spool is gone. (It used to lose every row the lock held back.)
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
db="$T/state/paced.db"
spool="$T/state/paced-spool.db"
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
printf '# name: Spool\nWarmup\n- 20m 8km/h\n' > "$T/w.txt"
elapsed_at_least() { awk -v e="$(prop Elapsed)" -v w="$1" 'BEGIN { exit !(e >= w) }'; }

start_paced --simulate --time-scale 4
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/w.txt"
id=$(session_id)
wait_for 20 elapsed_at_least 8 || fail "Elapsed stuck at $(prop Elapsed)"
# Another process's write transaction, held until the test lets it go.
mkfifo "$T/lock.in"
sqlite3 "$db" < "$T/lock.in" > "$T/lock.out" 2>&1 &
LOCK_PID=$!
LIB_PIDS+=("$LOCK_PID")
exec 7> "$T/lock.in"
printf 'BEGIN IMMEDIATE;\nSELECT %s;\n' "'locked'" >&7
wait_for 5 grep -q locked "$T/lock.out" || fail "could not take the lock: $(cat "$T/lock.out")"
wait_for 10 prop_is Storage '"buffering"' || fail "Storage $(prop Storage) while locked"
wait_for 20 elapsed_at_least 20 || fail "Elapsed stuck at $(prop Elapsed)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
grep -q "samples are kept in .*paced-spool.db" "$T/paced.log" ||
        fail "no log line for the spool: $(grep -i 'stopping\|lost\|spool' "$T/paced.log")"
[ -s "$spool" ] || fail "no spool file"
stopped_at=$(sqlite3 "$spool" "SELECT max(t) FROM samples")
log "spooled up to t=$stopped_at"
# Let the lock go.
printf 'COMMIT;\n' >&7
exec 7>&-
wait "$LOCK_PID" || fail "the lock holder failed: $(cat "$T/lock.out")"

start_paced --simulate --time-scale 4
wait_for 10 grep -q "Imported what the last stop could not write" "$T/paced.log" ||
        fail "the spool was not imported: $(grep -i spool "$T/paced.log")"
[ ! -e "$spool" ] || fail "the spool is still there after its import"
read -r reason n tmin tmax gaps < <(sqlite3 -separator ' ' "$db" "SELECT
        (SELECT end_reason FROM sessions WHERE id = $id), count(*), min(t), max(t),
        (SELECT count(*) FROM samples a WHERE a.session_id = $id AND NOT EXISTS
           (SELECT 1 FROM samples b WHERE b.session_id = $id AND b.t > a.t
            AND b.t < a.t + 1.5)) FROM samples WHERE session_id = $id")
log "session $id: $reason, $n samples, t $tmin..$tmax, $gaps without a successor"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions")" = 1 ] ||
        fail "the spool made a second session: $(sqlite3 "$db" "SELECT id, end_reason FROM sessions")"
[ "$reason" = aborted ] || fail "session $id ended '$reason', not aborted"
[ "$gaps" -eq 1 ] || fail "samples missing: $gaps gaps in $n samples: $(sqlite3 "$db" "SELECT group_concat(round(t, 1), ' ') FROM samples WHERE session_id = $id")"
awk -v a="$tmin" 'BEGIN { exit !(a < 1.5) }' || fail "first sample at $tmin"
awk -v a="$tmax" -v b="$stopped_at" 'BEGIN { exit !(a >= b && a > 20) }' ||
        fail "samples end at $tmax (spooled up to $stopped_at)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
