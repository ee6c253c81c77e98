#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a second of running workout costs paced in wake-ups (issue 28,
# docs/performance.md): the treadmill's and the strap's notifications, and
# one tick that samples, commits and emits the live properties. The work
# still happens: a sample stored and a PropertiesChanged sent each second.
# Counted, not timed: the kernel's voluntary context switches of each of
# paced's threads over ten seconds of a steady run at the real clock.
# (Before the tick, the sample, the flush, the property emission and the
# writer's answer each woke the loop, 4.3 a second besides the notifications,
# and the writer thread woke 4.7 times a second around its fsync.)
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

printf '# name: Steady\nRun\n- 120s 10kph\n' > "$T/steady.txt"
busctl --address="$BUS_ADDRESS" monitor --match \
        "type='signal',path='/io/paced/paced1',member='PropertiesChanged'" > "$T/signals" 2>&1 &
LIB_PIDS+=("$!")
sleep 0.3
start_paced --simulate --sim-belt-speed 10 --run "$T/steady.txt"
wait_for 20 prop_is State '"running"' || fail "the run did not start: $(prop State)"
sleep 4 # the session written, the belt at speed

# switches THREAD: its voluntary context switches so far.
switches() {
        local t
        for t in /proc/"$PACED_PID"/task/*; do
                [ "$(cat "$t/comm")" = "$1" ] &&
                        awk '/^voluntary_ctxt_switches/ { print $2 }' "$t/status"
        done
}
db="$T/state/paced.db"
samples() { sqlite3 "$db" "SELECT count(*) FROM samples"; }
signals() { grep -c 'Member=PropertiesChanged' "$T/signals" || true; }

main0=$(switches paced) store0=$(switches paced-store) s0=$(samples) p0=$(signals)
[ -n "$main0" ] && [ -n "$store0" ] || fail "threads: $(cat /proc/"$PACED_PID"/task/*/comm)"
sleep 10
main1=$(switches paced) store1=$(switches paced-store) s1=$(samples) p1=$(signals)

log "over 10 s: main thread $((main1 - main0)) wake-ups, store thread $((store1 - store0)),"\
" $((s1 - s0)) samples committed, $((p1 - p0)) PropertiesChanged"
# The work: a sample a second committed (the commit in flight at either end
# may fall outside), the live properties once a second.
[ $((s1 - s0)) -ge 8 ] || fail "only $((s1 - s0)) samples committed in 10 s"
[ $((p1 - p0)) -ge 8 ] || fail "only $((p1 - p0)) PropertiesChanged in 10 s"
# Its cost: two notifications and one tick a second on the loop (30), with
# room for a bus call or a scheduling hiccup; one commit a second on the
# writer, and its fsync every 30 s.
[ $((main1 - main0)) -le 36 ] ||
        fail "the loop woke $((main1 - main0)) times in 10 s (2 notifications + 1 tick a second: 30)"
[ $((store1 - store0)) -le 18 ] ||
        fail "the store's writer woke $((store1 - store0)) times in 10 s (one commit a second: 10)"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
