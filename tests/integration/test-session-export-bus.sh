#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ListSessions and ExportSession (how paced-sync reads sessions without
# access to the state directory): a finished session is listed with its
# times and end reason, the one being recorded is not; its FIT over the bus
# is byte for byte what `pacectl export` writes; a session without samples
# is NoData; an unknown id or format is InvalidArgument; nothing is exported
# while a workout runs (Busy).
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
printf '[Safety]\nallow_remote_start = yes\n' > "$T/paced.conf"
start_paced --simulate --time-scale 30

call() {
        busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Manager "$@"
}
# export_bus ID FILE: ExportSession's bytes into FILE.
export_bus() {
        busctl --address="$BUS_ADDRESS" --json=short call io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Manager ExportSession ts "$1" fit |
                python3 -c 'import json, sys
sys.stdout.buffer.write(bytes(json.load(sys.stdin)["data"][0]))' > "$2"
}

[ "$(call ListSessions t 0)" = "a(tttssdd) 0" ] || fail "sessions before any: $(call ListSessions t 0)"

printf 'Main\n- 1m 80%% Pace\n- 1m 90%% Pace\n' > "$T/short.txt"
wait_for 20 treadmill_connected || fail "treadmill not connected"
expect_rc 0 pc start "$T/short.txt"
wait_for 10 prop_is State '"running"' || fail "not running"
id=$(session_id)
# The session being recorded is not finished: not listed, not exported.
[ "$(call ListSessions t 0)" = "a(tttssdd) 0" ] || fail "open session listed"
rc=0
call ExportSession ts "$id" fit > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "No finished session $id" "$T/err" || fail "open session: $(cat "$T/err")"
wait_for 60 prop_is State '"finished"' || fail "not finished"

list=$(call ListSessions t 0)
[[ "$list" =~ ^a\(tttssdd\)\ 1\ $id\ [0-9]+\ [0-9]+\ \"finished\"\ \"short\"\ ([0-9.]+)\ ([0-9.]+)$ ]] ||
        fail "ListSessions: $list"
awk -v d="${BASH_REMATCH[1]}" 'BEGIN { exit !(d >= 110 && d <= 130) }' || fail "duration in $list"
[ "$(call ListSessions t "$id")" = "a(tttssdd) 0" ] || fail "after_id not honoured"

export_bus "$id" "$T/bus.fit"
expect_rc 0 pc export "$id" --format fit -o "$T/cli.fit" --state-dir "$T/state"
[ -s "$T/bus.fit" ] && cmp "$T/bus.fit" "$T/cli.fit" || fail "the bus FIT differs from pacectl export's"
[ "$(head -c 12 "$T/bus.fit" | tail -c 4)" = ".FIT" ] || fail "not a FIT file"

for args in "999 fit" "0 fit" "$id gpx"; do
        rc=0
        # shellcheck disable=SC2086
        call ExportSession ts $args > "$T/out" 2> "$T/err" || rc=$?
        [ "$rc" -ne 0 ] || fail "ExportSession $args succeeded"
done

# A session stopped before its first sample has nothing to upload: NoData.
expect_rc 0 pc start "$T/short.txt"
wait_for 10 prop_is State '"running"' || fail "second run did not start"
id2=$(session_id)
# While it runs nothing is exported: the loop also drives the belt.
rc=0
call ExportSession ts "$id" fit > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q 'A workout is running' "$T/err" || fail "export while running: $(cat "$T/err")"
expect_rc 0 pc stop
wait_for 10 prop_is State '"aborted"' || fail "not stopped"
list=$(call ListSessions t "$id")
[[ "$list" == "a(tttssdd) 1 $id2 "*' "aborted" '* ]] || fail "aborted session: $list"
sqlite3 "$T/state/paced.db" "DELETE FROM samples WHERE session_id = $id2"
rc=0
busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager \
        ExportSession ts "$id2" fit > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "has no samples" "$T/err" || fail "empty session: $(cat "$T/err")"
stop_paced TERM
log "PASS"
