#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Text at every boundary. A workout name that is not UTF-8
# used to make GetAll fail, so that `pacectl status` said "cannot reach
# paced" for everyone; TCX and SVG exports came out malformed; history and
# show printed raw terminal escapes. Here:
#  1. a text workout with a terminal escape is refused, with its position;
#  2. a .zwo whose name and cue hold C1 controls (a CSI) runs, and status
#     and watch print no control character;
#  3. a session whose stored name is invalid UTF-8 (a row from an older
#     paced) is resumed after a crash and `pacectl status` still works;
#     and ListSessions (what paced-sync uploads from) gives it as text;
#  4. history and show print valid UTF-8 without control characters, and
#     the TCX and SVG of that session are well-formed XML.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
command -v xmllint > /dev/null || { log "SKIP: xmllint missing"; exit 77; }
db="$T/state/paced.db"
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
# is_text FILE: valid UTF-8, and no control character but newline and tab.
is_text() {
        python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8 at byte %d" % e.start)
bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
if bad:
    sys.exit("control characters: %r" % bad[:5])
PY
}

start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

# ---- 1: a terminal escape in a text workout is refused ----
printf '# name: Red\n- \033[31mgo\033[0m 10m 8km/h\n' > "$T/escape.txt"
expect_rc 2 pc start "$T/escape.txt"
grep -q 'escape.txt:2:3: control character U+001B' "$T/err" || fail "escape: $(cat "$T/err")"
prop_is State '"idle"' || fail "state after a refused workout: $(prop State)"

# ---- 2: C1 controls in a .zwo are replaced ----
cat > "$T/csi.zwo" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<workout_file><name>Tempo&#x9b;2J&#x85;Läufe</name><sportType>run</sportType>
<workout><SteadyState Duration="600" Power="0.9" pace="2">
<textevent timeoffset="0" message="Go&#x9b;31m now"/></SteadyState></workout></workout_file>
XML
expect_rc 0 pc start "$T/csi.zwo"
wait_for 10 prop_is State '"running"' || fail "zwo not running: $(prop State)"
expect_rc 0 pc status
is_text "$T/out" || fail "status prints control characters: $(cat -v "$T/out")"
grep -q 'Tempo 2J Läufe' "$T/out" || fail "name: $(cat "$T/out")"
expect_rc 0 pc status --json
is_text "$T/out" || fail "status --json: $(cat -v "$T/out")"
SESSION=$(prop SessionId)
flushed() { [ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$SESSION")" -gt 3 ]; }
wait_for 20 flushed || fail "no samples flushed"

# ---- 3: crash; the stored name becomes invalid UTF-8 with an escape; resume ----
BELT=$(printf '%.1f' "$(prop Speed)")
stop_paced KILL
sqlite3 "$db" "UPDATE sessions SET workout_name = CAST(X'436166E9201B5B33316D726564' AS TEXT),
        treadmill_name = CAST(X'1B5D303B70776E6564' AS TEXT) WHERE id = $SESSION;
        INSERT INTO events (session_id, t, type, text)
        VALUES ($SESSION, 1.5, 'note', CAST(X'1B5B324A636C656172FF' AS TEXT))"
start_paced --simulate --time-scale 50 --sim-belt-speed "$BELT"
wait_for 20 grep -q "Resumed interrupted session $SESSION" "$T/paced.log" ||
        fail "session $SESSION not resumed"
expect_rc 0 pc status
is_text "$T/out" || fail "status after resume: $(cat -v "$T/out")"
grep -q "Caf" "$T/out" || fail "resumed workout name: $(cat "$T/out")"
expect_rc 0 pc stop
# What paced-sync reads of it (ListSessions) is text, as it uploads it.
wait_for 10 sessions_written || fail "the session's end was not written"
expect_rc 0 busctl --address="$BUS_ADDRESS" --json=short call io.paced.paced1 /io/paced/paced1 \
        io.paced.paced1.Manager ListSessions t 0
is_text "$T/out" || fail "ListSessions: $(cat -v "$T/out")"
grep -q "Caf" "$T/out" || fail "ListSessions lacks the session: $(cat "$T/out")"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"

# ---- 4: offline readers and exports ----
export PACED_STATE_DIR="$T/state"
expect_rc 0 pc history
is_text "$T/out" || fail "history: $(cat -v "$T/out")"
expect_rc 0 pc show "$SESSION"
is_text "$T/out" || fail "show: $(cat -v "$T/out")"
grep -q 'clear' "$T/out" || fail "event text missing from show: $(cat "$T/out")"
expect_rc 0 pc export "$SESSION" --format tcx -o "$T/s.tcx"
xmllint --noout "$T/s.tcx" || fail "TCX is not well-formed"
expect_rc 0 pc report "$SESSION" -o "$T/s.svg"
xmllint --noout "$T/s.svg" || fail "SVG is not well-formed"
log "PASS"
