#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Files named by a client are never opened by paced:
#  1. a FIFO given to SetSchedule (allowed mid-workout) or StartWorkout is
#     answered at once with an error, and the event loop never waits on it
#     (it used to block in fopen() until a writer came);
#  2. a member of the admin group cannot make paced read a file only paced
#     can read: the error neither echoes the file's content nor tells an
#     existing unreadable file from a missing one;
#  3. pacectl reads files with the caller's rights and refuses a FIFO.
source "$(dirname "$0")/lib.sh"
lib_init
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to switch users"; exit 77; }
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
M=io.paced.paced1.Manager
# call_bounded ARGS...: a Manager call as root that must be answered within
# 10 s (a blocked loop never answers); its error text in $T/err.
call_bounded() {
        local rc=0
        timeout 10 busctl --address="$BUS_ADDRESS" --timeout=30 call io.paced.paced1 \
                /io/paced/paced1 $M "$@" > "$T/out" 2> "$T/err" || rc=$?
        [ "$rc" -ne 124 ] || fail "'$*' not answered within 10 s: the event loop is blocked"
        [ "$rc" -ne 0 ] || fail "'$*' succeeded"
}
start_paced --simulate --time-scale 10 --admin-group users
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

# ---- 1: FIFOs ----
mkfifo "$T/plan.fifo" "$T/workout.fifo"
expect_rc 0 pc start easy-run
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
call_bounded SetSchedule s "$T/plan.fifo"
grep -q 'InvalidArgument\|does not open files' "$T/err" || fail "SetSchedule FIFO: $(cat "$T/err")"
prop_is State '"running"' || fail "state after SetSchedule FIFO: $(prop State)"
expect_rc 0 pc stop
wait_for 10 prop_is State '"aborted"' || fail "not stopped: $(prop State)"
call_bounded StartWorkout sb "$T/workout.fifo" false
grep -q 'does not open files' "$T/err" || fail "StartWorkout FIFO: $(cat "$T/err")"
# Still answering, and nothing ever opened the FIFOs (an opener would have
# let this non-blocking writer in).
prop_is State '"aborted"' || fail "state after StartWorkout FIFO: $(prop State)"
if python3 -c 'import os, sys; os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)' \
        "$T/plan.fifo" 2> /dev/null; then
        fail "something holds the plan FIFO open for reading"
fi

# ---- 2: a file only paced (root) can read, asked for by an admin-group member ----
mkdir -m 0700 "$T/private"
printf '# name: Secret\n- 10m sk_live_SECRET_4242\n' > "$T/private/secret.txt"
chmod 0600 "$T/private/secret.txt"
as_member() {
        setpriv --reuid=nobody --regid=users --clear-groups busctl --address="$BUS_ADDRESS" \
                call io.paced.paced1 /io/paced/paced1 $M "$@"
}
rc=0
as_member StartWorkout sb "$T/private/secret.txt" false > "$T/out" 2> "$T/err.secret" || rc=$?
[ "$rc" -ne 0 ] || fail "StartWorkout of a private file succeeded"
as_member StartWorkout sb "$T/private/none.txt" false > "$T/out" 2> "$T/err.none" || true
as_member SetSchedule s "$T/private/secret.txt" > "$T/out" 2> "$T/err.plan" || true
log "private file: $(cat "$T/err.secret")"
! grep -q 'sk_live\|SECRET' "$T/err.secret" "$T/err.plan" "$T/err.none" ||
        fail "an error echoes the private file: $(cat "$T/err.secret" "$T/err.plan")"
[ "$(sed "s|secret.txt|X|" "$T/err.secret")" = "$(sed "s|none.txt|X|" "$T/err.none")" ] ||
        fail "existing and missing files answered differently: $(cat "$T/err.secret" "$T/err.none")"
! grep -q 'sk_live' "$T/paced.log" || fail "paced read the private file"

# ---- 3: pacectl refuses a FIFO instead of waiting on it ----
rc=0
timeout 10 "$PACECTL" start "$T/workout.fifo" > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 124 ] || fail "pacectl start waited on a FIFO"
grep -q 'not a regular file' "$T/err" || fail "pacectl start FIFO: rc $rc $(cat "$T/err")"
rc=0
timeout 10 "$PACECTL" schedule set "$T/plan.fifo" > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 124 ] || fail "pacectl schedule set waited on a FIFO"
grep -q 'not a regular file' "$T/err" || fail "pacectl schedule set FIFO: rc $rc $(cat "$T/err")"
# A file of the caller's own still works: its contents go over the bus.
printf '# name: Mine\n- 5m 8km/h\n' > "$T/mine.txt"
expect_rc 0 pc start "$T/mine.txt"
wait_for 10 prop_is Workout '"Mine"' || fail "own file not started: $(prop Workout)"
expect_rc 0 pc stop
kill -0 "$PACED_PID" || fail "paced died"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
