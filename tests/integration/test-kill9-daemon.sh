#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 of paced at random moments of a simulated session, 20 times over
# the same state directory. After each kill: the database passes PRAGMA
# integrity_check; the session's samples are a gap-free run of 1 Hz slots
# and none is missing but the last second's (counted against the time that
# elapsed between the session's start and the kill); the next start of
# paced marks the session interrupted.
# Real time (--time-scale 1): the store commits once a second of real time.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
db="$T/state/paced.db"
q() { sqlite3 "$db" "$@"; }
# Allowance for the daemon being scheduled late on a loaded machine (its
# sample and commit timers), in seconds of the session clock.
slack=0.5
rounds=${KILL9_ROUNDS:-20}
checked=0
for round in $(seq 1 "$rounds"); do
        start_paced --simulate --run easy-run
        # A random moment: 0.2 .. 6 s after paced owns its name (some kills
        # land before the session begins, most in the middle of it).
        sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.2 + (r % 5800) / 1000 }')"
        kill_usec=$(($(date +%s%N) / 1000))
        kill -9 "$PACED_PID"
        wait "$PACED_PID" 2>/dev/null || true

        [ -f "$db" ] || { log "round $round: killed before the database existed"; continue; }
        [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "round $round: integrity_check failed"
        id=$(q "SELECT coalesce(max(id), 0) FROM sessions WHERE end_reason IS NULL")
        if [ "$id" -eq 0 ]; then
                log "round $round: killed before the session began"
        else
                read -r start_usec n t0 t1 < <(q -separator ' ' "SELECT s.start_usec, count(x.t),
                        coalesce(min(x.t), -1), coalesce(max(x.t), -1)
                        FROM sessions s LEFT JOIN samples x ON x.session_id = s.id
                        WHERE s.id = $id")
                elapsed=$(awk -v k="$kill_usec" -v s="$start_usec" 'BEGIN { printf "%.3f", (k - s) / 1e6 }')
                # Slots are 1 s apart from the first (t is when the sample was
                # taken: within scheduling jitter of its slot); every slot up to
                # (elapsed - 1 s - slack) must be stored, i.e. at most the
                # last second's slot may be missing.
                verdict=$(awk -v n="$n" -v t0="$t0" -v t1="$t1" -v e="$elapsed" -v sl="$slack" 'BEGIN {
                        if (n == 0) { first = 2; expected = (e - sl >= first) ? int(e - sl - first) + 1 : 0 }
                        else expected = int(e - sl - t0) + 1
                        if (expected < 0) expected = 0
                        gapfree = (n == 0) || (t1 - t0 > n - 1.5 && t1 - t0 < n - 0.5)
                        printf "%d %d %d", expected, expected - n, gapfree }')
                read -r expected missing gapfree <<< "$verdict"
                log "round $round: session $id, elapsed ${elapsed}s, samples $n (t $t0..$t1), slots due $expected, missing $missing"
                [ "$gapfree" -eq 1 ] || fail "round $round: samples are not gap-free: $n from $t0 to $t1"
                [ "$missing" -le 1 ] || fail "round $round: $missing samples missing (more than the last second)"
                # Nothing from after the kill, nothing invented.
                awk -v t1="$t1" -v e="$elapsed" 'BEGIN { exit !(t1 <= e + 0.01) }' ||
                        fail "round $round: a sample at $t1 s after the kill at $elapsed s"
                checked=$((checked + 1))
        fi

        # The next start marks it interrupted.
        start_paced --simulate
        if [ "$id" -ne 0 ]; then
                [ "$(q "SELECT end_reason FROM sessions WHERE id = $id")" = interrupted ] ||
                        fail "round $round: session $id is '$(q "SELECT end_reason FROM sessions WHERE id = $id")', not interrupted"
        fi
        stop_paced TERM
        [ "$PACED_RC" -eq 0 ] || fail "round $round: paced exited $PACED_RC after SIGTERM"
done
[ "$checked" -ge $((rounds / 2)) ] || fail "only $checked of $rounds kills landed in a session"
log "PASS: $checked kills inside a session, $rounds in all"
