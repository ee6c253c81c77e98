#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A slow disk: every fsync takes 400 ms (tests/lib/slow-fsync.c, preloaded).
# The store's commits, and the fsyncs that come with them, run on its writer
# thread: paced's event loop (the main thread) never calls fsync during a
# workout (it used to, once a second: 1.6 s of session time lost per flush
# at this time scale), every step begins on time by the session's own clock
# and every second's sample is written.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
db="$T/state/paced.db"
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
printf '# name: Slow disk\nWarmup\n- 10s 8km/h\nMain 2x\n- 5s 11km/h\n- 5s 9km/h\n' > "$T/w.txt"
export PACED_TEST_FSYNC_LOG="$T/fsync.log"
start_paced_slow_disk 400 --simulate --time-scale 4
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
# Opening the database at startup may sync on the main thread: not a workout.
before=$(grep -c '^main ' "$T/fsync.log" 2> /dev/null || true)
expect_rc 0 pc start "$T/w.txt"
wait_for 30 prop_is State '"finished"' || fail "workout not finished: $(prop State)"
wait_for 10 prop_is SessionId 0 || fail "session not closed"
wait_for 10 sessions_written || fail "the session's end was not written"
id=$(sqlite3 "$db" "SELECT max(id) FROM sessions")
[ -n "$id" ] || fail "the session was not written"
after=$(grep -c '^main ' "$T/fsync.log" 2> /dev/null || true)
n_thread=$(grep -c '^thread .*paced\.db' "$T/fsync.log" 2> /dev/null || true)
log "fsync: ${before:-0} on the main thread at startup, $((${after:-0} - ${before:-0})) during the workout, ${n_thread:-0} on the writer thread"
[ "${after:-0}" -eq "${before:-0}" ] ||
        fail "the event loop waited for the disk: $(grep '^main ' "$T/fsync.log" | sort | uniq -c)"
[ "${n_thread:-0}" -gt 0 ] || fail "no fsync of the database on the writer thread (shim not loaded?)"

# Steps on time by the session's clock: the main set's every 5 s (the
# warm-up waits for the belt to come up to speed).
mapfile -t ts < <(sqlite3 "$db" \
        "SELECT t FROM events WHERE session_id = $id AND type = 'step-change' ORDER BY t")
[ "${#ts[@]}" -eq 5 ] || fail "expected 5 step changes: ${ts[*]}"
worst=$(printf '%s\n' "${ts[@]}" | awk 'NR == 2 { t0 = $1 } NR > 2 {
        e = ($1 - t0) - 5 * (NR - 2); if (e < 0) e = -e; if (e > w) w = e }
        END { printf "%.3f", w }')
read -r n tmin gaps < <(sqlite3 -separator ' ' "$db" "SELECT count(*), min(t),
        (SELECT count(*) FROM samples a WHERE a.session_id = $id AND NOT EXISTS
           (SELECT 1 FROM samples b WHERE b.session_id = $id AND b.t > a.t
            AND b.t < a.t + 1.5)) FROM samples WHERE session_id = $id")
log "session $id: worst step-change error $worst s (session time); $n samples, $gaps without a successor"
# A 400 ms fsync on the loop is 1.6 s of session time here; scheduling noise is far less.
awk -v w="$worst" 'BEGIN { exit !(w < 0.8) }' || fail "steps late by up to $worst s: ${ts[*]}"
[ "$gaps" -eq 1 ] || fail "samples missing: $gaps gaps in $n samples"
awk -v a="$tmin" 'BEGIN { exit !(a < 1.5) }' || fail "first sample at $tmin"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
