#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash recovery with the runner still on the belt: paced is killed (-9)
# mid-step and restarted while the belt keeps running (--sim-belt-speed).
# crash_recovery = resume: it finds the interrupted session, re-takes
# control within a few virtual seconds and resumes in the same step, never
# sending Start (the belt is already running). The restart is on a
# machine that booted two seconds before (a time namespace): the Pi that
# lost power and came back while the belt ran on, whose monotonic clock is
# younger than the session. crash_recovery = cooldown:
# it slows the belt to the cool-down speed instead. (The belt-stopped case,
# where the session stays interrupted, is in test-sigterm-workout.)
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
db="$T/state/paced.db"

# A short warm-up, so that the main step comes soon.
cat > "$T/crash.txt" <<'W'
# name: Crash test
Warmup
- 1m 90% easy Pace

Main
- 20m 97% threshold Pace

Cooldown
- 5m 90% easy Pace
W
write_conf() {
        cat > "$T/paced.conf" <<CONF
[Runner]
mile = 6:00
[Safety]
allow_remote_start = yes
cooldown_speed = 4.5
crash_recovery = $1
CONF
}

# Runs the workout into its main step and kills paced there; sets SESSION
# and BELT (the speed the belt keeps running at).
run_and_crash() {
        start_paced --simulate --time-scale 100
        wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
        expect_rc 0 pc start "$T/crash.txt"
        wait_for 20 prop_is StepIndex 1 || fail "main step never began: $(prop StepIndex)"
        SESSION=$(prop SessionId)
        at_speed() { awk -v s="$(prop Speed)" -v t="$(prop TargetSpeed)" \
                'BEGIN { exit !(s > 9 && s - t < 0.05 && t - s < 0.05) }'; }
        wait_for 20 at_speed || fail "belt never reached the main step's speed: $(prop Speed)"
        flushed() { [ "$(sqlite3 "$db" "SELECT count(*) FROM samples
                WHERE session_id=$SESSION AND step_index=1")" -gt 3 ]; }
        wait_for 20 flushed || fail "no samples of the main step flushed"
        BELT=$(printf '%.1f' "$(prop Speed)")
        stop_paced KILL
        KILLED_AT=$(date +%s.%N)
        LAST_T=$(sqlite3 "$db" "SELECT max(t) FROM samples WHERE session_id=$SESSION")
        log "killed paced in session $SESSION at $BELT km/h, last sample t $LAST_T"
        # Down for a while: a real second is 100 s of session time here.
        sleep 1
}

# ---- crash_recovery = resume ----
write_conf resume
run_and_crash
RESTARTED_AT=$(date +%s.%N)
if time_namespaces; then
        PACED_BOOTED_AGO=2 start_paced --simulate --time-scale 100 --sim-belt-speed "$BELT"
else
        log "no time namespaces here: the restart sees this machine's uptime"
        start_paced --simulate --time-scale 100 --sim-belt-speed "$BELT"
fi
wait_for 20 grep -q "Resumed interrupted session $SESSION at step 2 (resume)" "$T/paced.log" ||
        fail "interrupted session $SESSION not resumed"
wait_for 10 prop_is State '"running"' || fail "state after resume: $(prop State)"
prop_is StepIndex 1 || fail "resumed in step $(prop StepIndex), not 1"
prop_is SessionId "$SESSION" || fail "resumed as session $(prop SessionId), not $SESSION"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions")" -eq 1 ] || fail "a new session was opened"
sqlite3 "$db" "SELECT text FROM events WHERE session_id=$SESSION" |
        grep -q 'resumed after paced was interrupted' || fail "resume not logged in the session"
# The downtime is a gap in the samples, as long as paced was down (issue
# 18, 4: everything after the resume used to be stamped that much early).
after() { [ "$(sqlite3 "$db" "SELECT count(*) FROM samples WHERE session_id=$SESSION
        AND t > $LAST_T + 1.5")" -ge 3 ]; }
wait_for 10 after || fail "no samples after the resume"
first_after=$(sqlite3 "$db" "SELECT min(t) FROM samples WHERE session_id=$SESSION AND t > $LAST_T + 1.5")
down=$(awk -v a="$KILLED_AT" -v b="$RESTARTED_AT" 'BEGIN { printf "%.2f", b - a }')
log "last sample before the crash t $LAST_T, first after t $first_after; down at least $down s real"
awk -v a="$LAST_T" -v b="$first_after" -v d="$down" 'BEGIN { exit !(b - a >= d * 100 * 0.9) }' ||
        fail "the outage is not a gap: t $LAST_T -> $first_after after $down s down at x100"
expect_rc 0 pc show "$SESSION" --state-dir "$T/state"
grep -q "Not recorded: .* in [0-9]* gaps* (paced was stopped)" "$T/out" ||
        fail "show does not tell the gap: $(cat "$T/out")"

# What the treadmill received from the restarted paced: control taken first,
# then the step's speed, while the step still runs (how soon in virtual
# seconds is not asserted: at x100 it is the start-up's real time, times a
# hundred), never Start (the belt was running), never anything refused.
commanded() { sim_commands | awk '$2 == "set-target-speed" && $3 == "success"' | grep -q .; }
wait_for 10 commanded || fail "no speed commanded after the resume: $(sim_commands)"
prop_is StepIndex 1 || fail "the speed came in step $(prop StepIndex), not the resumed one"
sim_commands > "$T/cmds"
cat "$T/cmds" >&2
awk 'NR == 1 { exit !($2 == "request-control" && $3 == "success") }' "$T/cmds" ||
        fail "the first command was not Request Control"
awk -v belt="$BELT" '$2 == "set-target-speed" { v = $4; n++; exit }
        END { exit !(n && v - belt < 0.5 && belt - v < 0.5) }' "$T/cmds" ||
        fail "first speed command not the main step's speed ($BELT)"
! grep -q 'start-or-resume' "$T/cmds" || fail "paced sent Start after a crash"
! awk '$3 != "success"' "$T/cmds" | grep -q . || fail "refused commands"

# ---- crash_recovery = cooldown ----
stop_paced KILL
write_conf cooldown
start_paced --simulate --time-scale 100 --sim-belt-speed "$BELT"
wait_for 20 grep -q "Resumed interrupted session $SESSION at step 2 (cooldown)" "$T/paced.log" ||
        fail "interrupted session $SESSION not taken over for the cool-down"
cooled() { sim_commands | awk '$2 == "set-target-speed" { v = $4 } END { exit !(v == 4.5) }'; }
wait_for 20 cooled || fail "belt not slowed to 4.5 km/h: $(sim_commands)"
slow() { awk -v s="$(prop Speed)" 'BEGIN { exit !(s < 4.6) }'; }
wait_for 20 slow || fail "belt still at $(prop Speed) km/h"
sim_commands > "$T/cmds"
# Downhill all the way, never below the cool-down speed, never a Start or Stop.
awk '$2 == "set-target-speed" { if (n++ && $4 > last) exit 1; if ($4 < 4.5) exit 1; last = $4 }' \
        "$T/cmds" || fail "cool-down commands not monotonic to 4.5: $(cat "$T/cmds")"
! grep -Eq 'start-or-resume|stop-or-pause' "$T/cmds" || fail "cool-down started or stopped the belt"
[ "$(sim_prop BeltState)" = '"running"' ] || fail "belt state $(sim_prop BeltState)"
grep -q 'Recovered after a crash: slowing to the cool-down speed' "$T/paced.log" ||
        fail "cool-down safety action not logged"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
# The session's distance never goes back through both recoveries (the
# cool-down's samples used to start again from 0 m: show said 0.00 km).
back=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT distance_m - LAG(distance_m) OVER (ORDER BY t)
        AS dd FROM samples WHERE session_id = $SESSION) WHERE dd < -0.5")
[ "$back" -eq 0 ] || fail "the distance went back $back times: $(sqlite3 "$db" \
        "SELECT t, distance_m FROM samples WHERE session_id = $SESSION ORDER BY t" | tail -20)"
expect_rc 0 pc show "$SESSION" --state-dir "$T/state"
grep -q "Distance: *0.00 km" "$T/out" && fail "show says the session ran 0 km: $(cat "$T/out")"
log "PASS"
