#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 50 concurrent clients read properties (GetAll, Get) as fast as they can
# while a simulated interval workout runs. The engine must not be slowed:
# every step begins on time by the session's own clock (the step-change
# events paced stores, against the workout's planned durations), within
# the same bound as an unloaded run would have. The clients run at the
# lowest CPU priority so that what is tested is paced's event loop (does a
# storm of bus requests delay its timers?), not the kernel's scheduler.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
# 1 + 8 steps of 5 s in real time (session time = real time). Jogs, not
# reps: a rep waits for the belt to reach its speed, which would
# move the boundaries this test times.
{
        echo "# name: Load test"
        echo "Warmup"
        echo "- 5s 8km/h"
        echo "Main 4x"
        echo "- Jog 5s 11km/h"
        echo "- Jog 5s 9km/h"
} > "$T/load.txt"
scale=1
start_paced --simulate --time-scale "$scale"
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

client() {
        local n=0
        while [ ! -e "$T/stop" ]; do
                busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 \
                        org.freedesktop.DBus.Properties GetAll s io.paced.paced1.Manager \
                        > /dev/null 2>&1 || true
                busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 /io/paced/paced1 \
                        io.paced.paced1.Manager StepRemaining > /dev/null 2>&1 || true
                n=$((n + 2))
        done
        echo "$n" > "$T/client.$BASHPID"
}
declare -a clients=()
for _ in $(seq 1 50); do
        nice -n 19 bash -c "$(declare -f client); T=$T BUS_ADDRESS=$BUS_ADDRESS client" &
        clients+=("$!")
        LIB_PIDS+=("$!")
done

expect_rc 0 pc start "$T/load.txt"
finished() { [ "$(prop State)" = '"finished"' ]; }
wait_for 150 finished || fail "workout did not finish: State $(prop State)"
id=$(prop SessionId)
[ "$id" -gt 0 ] || id=$(sqlite3 "$T/state/paced.db" 'SELECT max(id) FROM sessions')
touch "$T/stop"
for pid in "${clients[@]}"; do wait "$pid" 2>/dev/null || true; done
calls=$(cat "$T"/client.* | awk '{ s += $1 } END { print s + 0 }')
[ "$(ls "$T"/client.* | wc -l)" -eq 50 ] || fail "not every client reported"

# Step changes, by the session clock (virtual seconds).
mapfile -t ts < <(sqlite3 "$T/state/paced.db" \
        "SELECT t FROM events WHERE session_id = $id AND type = 'step-change' ORDER BY t")
log "step changes at: ${ts[*]}"
[ "${#ts[@]}" -eq 9 ] || fail "expected 9 step changes, got ${#ts[@]}: ${ts[*]}"
# Step k begins 5 s after step k-1. Timed from the second step: the first
# one's clock starts when the belt runs (paced waits for it after Start),
# which is after its step-change event.
worst=$(printf '%s\n' "${ts[@]}" | awk 'NR == 2 { t0 = $1 } NR > 2 {
        e = ($1 - t0) - 5 * (NR - 2); if (e < 0) e = -e; if (e > w) w = e } END { printf "%.3f", w }')
log "$calls property reads by 50 clients; worst step-change error ${worst} s of session time (time-scale $scale)"
[ "$calls" -ge 500 ] || fail "the clients made only $calls calls: no load"
# The engine's timers are one-shot at the step's deadline: 100 ms is well
# beyond an unloaded run's error (a few ms) and below what a backlog of
# requests in front of the timer would cause.
awk -v w="$worst" 'BEGIN { exit !(w < 0.1) }' || fail "steps late by up to $worst s under load"
kill -0 "$PACED_PID" || fail "paced died"
stop_paced TERM
log "PASS"
