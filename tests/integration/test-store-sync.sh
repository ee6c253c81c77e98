#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl reads a session the moment it ends as it is once all written.
# paced commits off its event loop (the writer thread), so the end of a
# session and its last samples reach the database a batch or two later; on
# a slow disk (every fsync 800 ms here, tests/lib/slow-fsync.c) that is
# seconds. `pacectl show`, `history` and `export` first ask paced to write
# what it holds (SyncStore, as `journalctl --sync`): what they print right
# after the end equals what they print once the writer is idle. So does
# the phone's view (paced-web's /api/sessions and /api/sessions/ID).
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
export PACED_STATE_DIR="$T/state"
printf '# name: Sync check\nWarmup\n- 20s 8km/h\nMain 2x\n- 10s 11km/h\n- 10s 9km/h\n' > "$T/w.txt"
start_paced_slow_disk 800 --simulate --time-scale 8
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
# run_workout: runs $T/w.txt to its end; ID its session.
run_workout() {
        expect_rc 0 pc start "$T/w.txt"
        ID=$(session_id)
        wait_for 30 prop_is State '"finished"' || fail "workout not finished: $(prop State)"
}

# ---- pacectl, at once, as a runner would type it ----
run_workout
id=$ID
expect_rc 0 pc show "$id"
cp "$T/out" "$T/show-now"
expect_rc 0 pc history
cp "$T/out" "$T/history-now"
expect_rc 0 pc export "$id" --format csv
cp "$T/out" "$T/csv-now"

wait_for 30 sessions_written || fail "the session's end was never written"
expect_rc 0 pc show "$id"
diff -u "$T/out" "$T/show-now" > "$T/diff" || fail "show right after the end differs: $(cat "$T/diff")"
expect_rc 0 pc history
diff -u "$T/out" "$T/history-now" > "$T/diff" || fail "history right after the end differs: $(cat "$T/diff")"
expect_rc 0 pc export "$id" --format csv
cmp -s "$T/out" "$T/csv-now" || fail "the CSV right after the end has $(wc -l < "$T/csv-now") lines, not $(wc -l < "$T/out")"
grep -q "warning" "$T/err" && fail "pacectl warned: $(cat "$T/err")"

# ---- the phone, at once (a session of its own: pacectl's SyncStore
# would have written everything for the phone too) ----
if [ -n "${PACED_WEB:-}" ] && [ -x "$PACED_WEB" ] && command -v jq > /dev/null; then
        start_web
        AUTH=(-H "Authorization: Bearer $(web_token "$(web_pair --read-only)")")
        web_get() { curl -sf "${AUTH[@]}" "$WEB_URL$1" | jq -S .; }
        run_workout
        web_get /api/sessions > "$T/web-list-now"
        web_get "/api/sessions/$ID" > "$T/web-session-now"
        wait_for 30 sessions_written || fail "the second session's end was never written"
        web_get /api/sessions | diff -u - "$T/web-list-now" > "$T/diff" ||
                fail "/api/sessions right after the end differs: $(cat "$T/diff")"
        web_get "/api/sessions/$ID" | diff -u - "$T/web-session-now" > "$T/diff" ||
                fail "/api/sessions/$ID right after the end differs: $(head -c 3000 "$T/diff")"
fi

# paced stopped: pacectl reads the file without waiting (nor starting it).
stop_paced TERM
expect_rc 0 pc show "$id"
diff -u "$T/out" "$T/show-now" > "$T/diff" || fail "show without paced differs: $(cat "$T/diff")"
log "PASS"
