#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Storage faults, with the state directory on a small tmpfs of its own:
#  1. the disk fills up during a session: a clear error is logged, the
#     workout keeps running on time, and once space is back the buffered
#     samples reach the database (none lost);
#  2. the disk is full when a session begins (the whole session
#     used to be lost): the session waits in memory (Storage "buffering",
#     SessionId 0) and is written whole, with its own id, once space is back;
#  3. a read-only state directory: paced says so clearly, a workout runs,
#     its session waits in memory and is written when the file system is
#     remounted read-write.
# A mounted file system cannot become read-only while paced holds the
# database open for writing (the kernel answers EBUSY), so a write failure
# in the middle of a session is the full-disk case.
source "$(dirname "$0")/lib.sh"
lib_init
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to mount a tmpfs"; exit 77; }
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
mnt="$T/state"
storage_cleanup() {
        local rc=$? pid
        for pid in "${LIB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
        for pid in "${LIB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
        LIB_PIDS=()
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
        lib_cleanup "$rc"
}
trap storage_cleanup EXIT
mount -t tmpfs -o size=2m,mode=0755 paced-test "$mnt" || { log "SKIP: cannot mount a tmpfs"; exit 77; }
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
{
        echo "# name: Storage"
        echo "Warmup"
        echo "- 1m 8km/h"
        echo "Main"
        echo "- 2m 10km/h"
        echo "Cooldown"
        echo "- 1m 8km/h"
} > "$T/storage.txt"
elapsed_at_least() { awk -v e="$(prop Elapsed)" -v w="$1" 'BEGIN { exit !(e >= w) }'; }
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}

# ---- 1: full disk during a session ----
start_paced --simulate --time-scale 5
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/storage.txt"
wait_for 30 elapsed_at_least 20 || fail "Elapsed stuck at $(prop Elapsed)"
# Fill the file system (dd stops at ENOSPC).
dd if=/dev/zero of="$mnt/filler" bs=4k > /dev/null 2>&1 || true
[ "$(df --output=avail "$mnt" | tail -1)" -eq 0 ] || fail "the tmpfs is not full: $(df "$mnt")"
full_at=$(prop Elapsed)
wait_for 30 grep -q 'Failed to write the session.*disk is full' "$T/paced.log" ||
        fail "no clear error for the full disk"
# The workout goes on, steps change on time although nothing can be written.
wait_for 60 elapsed_at_least 70 || fail "workout stalled on the full disk: Elapsed $(prop Elapsed)"
prop_is State '"running"' || fail "State $(prop State) on a full disk"
prop_is StepIndex 1 || fail "StepIndex $(prop StepIndex) at Elapsed $(prop Elapsed)"
errors=$(grep -c 'Failed to write the session' "$T/paced.log")
log "disk full at Elapsed $full_at; $errors write errors logged while full"
# Logged once per change of error, not once per retry (no log flood).
[ "$errors" -le 2 ] || fail "$errors write errors logged while the disk was full"
grep -q 'The session is being written again' "$T/paced.log" &&
        fail "recovery logged while the disk is still full"
# Space again: the buffered samples are committed.
rm -f "$mnt/filler"
finished() { [ "$(prop State)" = '"finished"' ]; }
wait_for 120 finished || fail "workout did not finish: State $(prop State)"
grep -q 'The session is being written again' "$T/paced.log" || fail "recovery not logged"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
id=$(sqlite3 "$mnt/paced.db" 'SELECT max(id) FROM sessions')
[ "$(sqlite3 "$mnt/paced.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
read -r n tmin tmax reason < <(sqlite3 -separator ' ' "$mnt/paced.db" "SELECT count(x.t), min(x.t),
        max(x.t), s.end_reason FROM sessions s JOIN samples x ON x.session_id = s.id WHERE s.id = $id")
log "session $id: $reason, samples $n (t $tmin..$tmax)"
[ "$reason" = finished ] || fail "session $id ended '$reason'"
# 240 s of 1 Hz samples; about 50 of them were taken while the disk was
# full and must have waited in memory. (A sample timer that fires more than
# a second of session time late skips its slot: a loaded machine may cost
# a few, never the 50.)
awk -v n="$n" -v a="$tmin" -v b="$tmax" 'BEGIN { exit !(n >= 236 && n <= 241 && a < 2 && b > 239) }' ||
        fail "samples lost while the disk was full: $n from $tmin to $tmax"

# ---- 2: the disk is full when the session begins ----
n_before=$(sqlite3 "$mnt/paced.db" 'SELECT count(*) FROM sessions')
dd if=/dev/zero of="$mnt/filler" bs=4k > /dev/null 2>&1 || true
[ "$(df --output=avail "$mnt" | tail -1)" -eq 0 ] || fail "the tmpfs is not full: $(df "$mnt")"
start_paced --simulate --time-scale 5
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/storage.txt"
wait_for 30 elapsed_at_least 15 || fail "workout stalled on a full disk: Elapsed $(prop Elapsed)"
grep -q 'session store cannot be written now.*kept in memory' "$T/paced.log" ||
        fail "no clear log line for a session kept in memory"
prop_is Storage '"buffering"' || fail "Storage $(prop Storage) on a full disk"
prop StorageError | grep -q 'full' || fail "StorageError $(prop StorageError)"
prop_is SessionId 0 || fail "SessionId $(prop SessionId) before the session could be written"
expect_rc 0 pc status
grep -qi 'kept in memory\|buffering' "$T/out" || fail "pacectl status does not say: $(cat "$T/out")"
rm -f "$mnt/filler"
recorded() { [ "$(prop SessionId)" != 0 ]; }
wait_for 20 recorded || fail "session not written once space was back: $(prop StorageError)"
prop_is Storage '"ok"' || fail "Storage $(prop Storage) after space came back"
id=$(prop SessionId)
grep -q "Session $id is recorded now" "$T/paced.log" || fail "recording not logged"
wait_for 30 elapsed_at_least 30 || fail "Elapsed stuck at $(prop Elapsed)"
expect_rc 0 pc stop
stopped_at=$(prop Elapsed)
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
read -r n tmin tmax reason < <(sqlite3 -separator ' ' "$mnt/paced.db" "SELECT count(x.t), min(x.t),
        max(x.t), s.end_reason FROM sessions s JOIN samples x ON x.session_id = s.id WHERE s.id = $id")
log "session $id (begun on a full disk): $reason, samples $n (t $tmin..$tmax), stopped at $stopped_at"
[ "$reason" = aborted ] || fail "session $id ended '$reason'"
# Every second from the first: the ones taken on the full disk waited in memory.
awk -v n="$n" -v a="$tmin" -v b="$tmax" 'BEGIN { exit !(a < 3 && n >= b - 3 && b > 29) }' ||
        fail "samples lost: $n from $tmin to $tmax"
[ "$(sqlite3 "$mnt/paced.db" "SELECT count(*) FROM events WHERE session_id = $id AND
        type = 'start'")" -eq 1 ] || fail "the start event is missing"

# ---- 3: a read-only state directory, writable later ----
mount -o remount,ro "$mnt" || fail "cannot remount the tmpfs read-only"
start_paced --simulate --time-scale 5
grep -q "Cannot open the session store in $mnt now (sessions are kept in memory" "$T/paced.log" ||
        fail "no clear error for the read-only state directory"
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/storage.txt"
wait_for 30 elapsed_at_least 10 || fail "workout does not run without a store: Elapsed $(prop Elapsed)"
prop_is State '"running"' || fail "State $(prop State) without a store"
prop_is Storage '"buffering"' || fail "Storage $(prop Storage) on a read-only directory"
prop_is SessionId 0 || fail "SessionId $(prop SessionId) on a read-only directory"
# paced never opened the database, so the file system can become writable.
mount -o remount,rw "$mnt" || fail "cannot remount the tmpfs read-write"
wait_for 20 recorded || fail "session not written once the directory was writable"
id=$(prop SessionId)
wait_for 30 elapsed_at_least 20 || fail "Elapsed stuck at $(prop Elapsed)"
expect_rc 0 pc stop
kill -0 "$PACED_PID" || fail "paced died"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
read -r n tmin tmax < <(sqlite3 -separator ' ' "$mnt/paced.db" "SELECT count(t), min(t), max(t)
        FROM samples WHERE session_id = $id")
log "session $id (begun read-only): samples $n (t $tmin..$tmax)"
awk -v n="$n" -v a="$tmin" -v b="$tmax" 'BEGIN { exit !(a < 3 && n >= b - 3 && b > 19) }' ||
        fail "samples lost: $n from $tmin to $tmax"
log "PASS"
