# SPDX-License-Identifier: LGPL-2.1-or-later
# paced against the virtual treadmill + strap through a real bluetoothd:
# paced on hci1 (system bus, configuration file), the peripheral on hci0.
# The numbered scenarios (1-9) are the ones the test-paced-*.sh scripts cite.

# Most scenarios talk to one device: the treadmill, which also reports the
# runner's heart rate in Treadmill Data (as treadmills with a hand-grip or
# chest-strap receiver do), with strap = none. scenario_strap adds a separate
# strap on its own controller, which btvirt only carries with the connection
# handles lined up (strap_align_handles).
PERIPHERAL_ARGS=(--treadmill-hr)
PACED_DEVICES=("strap = none")

# Fast enough that a 10 s step reaches its speed in one command; remote
# start so that `pacectl start` starts the belt.
PACED_WORKOUT_CONFIG=("[Safety]" "max_accel = 5" "max_incline_rate = 5" "allow_remote_start = yes")

# A workout short enough for TCG: three speeds and an incline step.
write_short_workout() {
        cat >"$S/short.txt" <<'EOF'
# name: e2e short
- 10s 8km/h
- 10s 10km/h
- 10s 9km/h 2% incline
EOF
}

# A workout that keeps running while a fault is injected.
write_long_workout() {
        cat >"$S/long.txt" <<'EOF'
# name: e2e long
- 5m 8km/h
EOF
}

# Starts paced with the workout config, connects, starts the long workout and
# waits until the belt has been commanded to 8 km/h.
long_workout_running() {
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}" "${PACED_WORKOUT_CONFIG[@]}" "$@"
        wait_connected
        write_long_workout
        pacectl start "$S/long.txt" || fail "pacectl start failed"
        wait_for 60 status_is state running || fail "the workout never ran: $(status_field state)"
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed 8.00 -> success'
}

# 1. No device configured: found by service UUID, connected, subscribed; HR and
#    treadmill data reach `pacectl status --json`.
scenario_discovery() {
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}"
        wait_connected
        wait_for 30 status_ge heart_rate_bpm 40 || fail "no heart rate in status"
        note "heart rate $(status_field heart_rate_bpm)"
        # The runner starts the belt on the console: speed reaches paced.
        periph console start
        wait_for 30 status_ge speed_kmh 0.5 || fail "treadmill speed never reached status"
        note "speed $(status_field speed_kmh) km/h"
        pacectl status --json >"$S/status.json"
        grep -q '"treadmill":{"address":"00:AA:01:00:00:00"' "$S/status.json" ||
                fail "treadmill is not the peripheral: $(cat "$S/status.json")"
        [ "$(cp_count .)" = 0 ] || fail "paced wrote the control point without a workout"
        paced_alive
}

# 2. Configured by address on a configured adapter: the peer's own adapter
#    (hci0, where bluetoothd also has a Device1 for the link) is not used.
scenario_by_address() {
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "treadmill = $E2E_PERIPHERAL_ADDR" "${PACED_DEVICES[@]}"
        wait_connected
        prop_is "$(dev_path hci1 "$E2E_PERIPHERAL_ADDR")" org.bluez.Device1 Connected "b true" ||
                fail "treadmill not connected through hci1"
        pacectl status --json >"$S/status.json"
        grep -q '"treadmill":{"address":"00:AA:01:00:00:00"' "$S/status.json" ||
                fail "wrong treadmill: $(cat "$S/status.json")"
        paced_alive
}

# 3. A short real-time workout: Request Control, then the exact targets in
#    order; the session is stored with samples.
scenario_workout() {
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}" "${PACED_WORKOUT_CONFIG[@]}"
        wait_connected
        write_short_workout
        pacectl start "$S/short.txt" || fail "pacectl start failed"
        wait_for 120 status_is state finished || fail "the workout did not finish: $(status_field state)"
        cp_log
        [ "$(head -n1 "$S/peripheral-cp.log")" = "request-control -> success" ] ||
                fail "the first request was not Request Control"
        cp_speeds >"$S/speeds.txt"
        in_order "$S/speeds.txt" 8.00 10.00 9.00 || fail "speeds not 8, 10, 9 in order"
        grep -q '^set-target-inclination 2.0 -> success' "$S/peripheral-cp.log" ||
                fail "no 2 % incline"
        # No rejected command: every target was within the machine's range.
        ! grep -v -- '-> success$' "$S/peripheral-cp.log" || fail "a command was refused"
        # The stored session has the workout's samples (one a second or so).
        pacectl show 1 --json --state-dir "$F/state" >"$S/session.json" ||
                fail "no stored session"
        local samples
        samples=$(grep -o '"samples":[0-9]*' "$S/session.json" | cut -d: -f2)
        [ "${samples:-0}" -ge 20 ] || fail "only ${samples:-0} samples stored"
        note "session 1: $samples samples"
        paced_alive
}

# 1b. A separate strap on its own adapter, found by the Heart Rate service:
#     heart rate, RR intervals and the battery level arrive over its own link
#     next to the treadmill's; the strap's link drops and paced reconnects it.
#     (That the RR intervals are stored with a session is integration-tested.)
scenario_strap() {
        peripheral_start --strap-adapter "$E2E_STRAP_ADAPTER"
        strap_align_handles
        # The treadmill link first (see strap_align_handles).
        periph advertise off strap
        wait_log 20 "$S/peripheral.log" "advertising off on /org/bluez/$E2E_STRAP_ADAPTER"
        paced_start
        wait_connected
        periph advertise on strap
        wait_connected strap
        pacectl status --json >"$S/status.json"
        grep -q "\"strap\":{\"address\":\"$E2E_STRAP_ADDR\"" "$S/status.json" ||
                fail "the strap is not the peripheral's: $(cat "$S/status.json")"
        wait_for 30 status_ge heart_rate_bpm 40 || fail "no heart rate from the strap"
        wait_for 30 status_ge rr_count 3 || fail "no RR intervals in status"
        status_ge rr_ms 250 || fail "implausible RR interval: $(status_field rr_ms) ms"
        note "RR $(status_field rr_ms) ms, $(status_field rr_count) so far"
        wait_for 30 sh -c "'$PACECTL' status | grep -q 'battery [0-9]* %'" ||
                fail "no strap battery level: $("$PACECTL" status)"
        # The strap's link drops (paced's only, not the placeholder): paced
        # reconnects it by itself and the heart rate comes back.
        periph drop-link strap "$E2E_CLIENT_ADDR"
        wait_log 20 "$S/paced.log" 'strap .* lost'
        wait_for 60 device_connected strap || fail "the strap did not reconnect"
        periph hr 141
        wait_for 30 status_is heart_rate_bpm 141 || fail "no heart rate after the strap came back"
        paced_alive
}

# 1c. `pacectl devices --scan` lists what is around so that a user can pin a
#     device: with strap = none paced connects only the treadmill, and a scan
#     finds the separate strap by its Heart Rate service.
scenario_scan() {
        peripheral_start --strap-adapter "$E2E_STRAP_ADAPTER"
        paced_start "strap = none"
        wait_connected
        # btvirt reports advertisements about every 10 s: scan for 15.
        pacectl devices --scan=15 --json >"$S/scan.json" || fail "pacectl devices --scan failed"
        grep -q "{\"address\":\"$E2E_STRAP_ADDR\",\"name\":\"paced strap\",\"kind\":\"strap\"" \
                "$S/scan.json" || fail "the scan did not list the strap: $(cat "$S/scan.json")"
        pacectl devices --scan=1 >"$S/scan.txt" || fail "pacectl devices --scan (text) failed"
        paced_alive
}

# ---- library workouts against bluetoothd, 30 times faster than real time ----
# The peripheral's treadmill and runner models and paced's clock run at the
# same scale (paced --test-time-scale, paced-peripheral --time-scale), so a
# 50-minute session takes under two; every command still crosses bluetoothd.
E2E_SCALE=30
# Caps low enough that the mile's last 100 m (105 % of 6:00/mi, 16.9 km/h)
# must be clamped; the default rate limit (0.5 km/h per second).
LIBRARY_CONFIG=("[Runner]" "mile = 6:00" "[Safety]" "max_speed = 16.5" "max_accel = 0.5"
        "allow_remote_start = yes")

# library_workout NAME: runs conf/workouts/NAME.txt to the end, skipping only
# the 15-minute warm-up, and checks what reached the treadmill.
library_workout() {
        local name=$1 steps
        PACED_ARGS=(--test-time-scale "$E2E_SCALE")
        peripheral_start --treadmill-hr --time-scale "$E2E_SCALE"
        paced_start "${PACED_DEVICES[@]}" "${LIBRARY_CONFIG[@]}"
        wait_connected
        pacectl start "$E2E_SRC/conf/workouts/$name.txt" || fail "pacectl start failed"
        wait_for 30 status_is state running || fail "not running: $(status_field state)"
        wait_log 30 "$S/paced.log" 'Step 1: '
        pacectl skip || fail "pacectl skip failed"
        wait_for 240 status_is state finished || fail "did not finish: $(status_field state)"
        pacectl show 1 --json --state-dir "$F/state" >"$S/session.json" || fail "no stored session"
        # Every target the treadmill accepted, with the peripheral's time stamp.
        sed -n 's/^\[\([0-9.]*\)\] cp: set-target-speed \([0-9.]*\) -> success$/\1 \2/p' \
                "$S/peripheral.log" >"$S/speeds.txt"
        [ -s "$S/speeds.txt" ] || fail "no speed was commanded"
        # The caps: nothing above max_speed reached the belt.
        awk '$2 > 16.5 + 1e-9 { print "over the cap: " $0; bad = 1 } END { exit bad }' \
                "$S/speeds.txt" || fail "a speed above max_speed was commanded"
        # The rate limit: the engine moves the target by max_accel (0.5 km/h)
        # a virtual second; while a Control Point write is in flight newer
        # targets coalesce, and at 30x one round trip over bluetoothd under
        # TCG (50-150 ms) spans a few virtual seconds. Six seconds' worth plus
        # an increment is the bound; without the limiter a rep starts with a
        # 7 km/h jump and a stride from a walk with a 10 km/h one.
        awk 'NR > 1 { d = $2 - prev; if (d < 0) d = -d; if (d > 6 * 0.5 + 0.1 + 1e-9) {
                print "jump " prev " -> " $2; bad = 1 } } { prev = $2 } END { exit bad }' \
                "$S/speeds.txt" || fail "a speed change exceeded the rate limit"
        ! grep -v -- '-> success$' "$S/peripheral-cp.log" || fail "a command was refused"
        steps=$(grep -o '"steps":\[.*' "$S/session.json" | grep -o '"target_kmh"' | wc -l)
        note "$(wc -l <"$S/speeds.txt") speed commands, $steps steps stored"
        paced_alive
}

# speeds_after ERE: the speeds commanded from the first paced.log line matching
# ERE on (both logs are stamped with the guest's CLOCK_MONOTONIC).
speeds_after() {
        local t
        t=$(grep -m1 -E "$1" "$S/paced.log" | sed -n 's/^\[\([0-9.]*\)\].*/\1/p')
        [ -n "$t" ] || fail "no step matching /$1/ in paced.log"
        awk -v t="$t" '$1 >= t { print $2 }' "$S/speeds.txt"
}

# The library's 6 x 400 m session end to end: six reps at goal mile pace (the
# mile without a plan: 16.09 km/h) with 400 m jogs (85 % of easy pace, 9.27
# km/h) between them.
scenario_intervals() {
        local reps
        library_workout intervals-6x400
        # Each rep ramps up to its target and holds it: six separate arrivals.
        reps=$(speeds_after 'Step .*: .*400 m' | awk '$1 >= 16.1 && !at { n++; at = 1 } $1 < 12 { at = 0 }
                END { print n + 0 }')
        [ "$reps" = 6 ] || fail "$reps reps at 16.1 km/h, expected 6: $(tr '\n' ' ' <"$S/speeds.txt")"
        grep -q '"end_reason":"finished"' "$S/session.json" || fail "session not finished"
}

# The library's mile time trial end to end: lap 1 a second slow, laps 2-3 on pace,
# the last lap's four 100 m faster each, the last ones clamped to max_speed.
scenario_mile() {
        library_workout mile-time-trial
        # From the walk before it: lap 1's run-up is done in that walk (the
        # engine starts it early so that the lap is run at pace).
        speeds_after 'Cue \(step-start\): Walk$' >"$S/trial.txt"
        # On the treadmill's 0.1 km/h grid: lap 1 at 402 m in 91 s, laps 2-3 at
        # 6:00/mi, then 101, 102 %, and 103 and 105 % both clamped to 16.5.
        in_order "$S/trial.txt" 15.90 16.10 16.30 16.40 16.50 ||
                fail "lap targets not in order: $(tr '\n' ' ' <"$S/trial.txt")"
        grep -q 'some targets exceed the caps and were clamped' "$S/paced.log" ||
                fail "the clamp to max_speed was not reported"
        grep -q '"end_reason":"finished"' "$S/session.json" || fail "session not finished"
}

# 4. Console stop pauses the workout; paced sends no start; console start resumes.
scenario_console_stop() {
        local starts
        long_workout_running
        starts=$(cp_count '^start-or-resume')
        periph console stop
        wait_for 30 status_is state paused || fail "not paused after console stop: $(status_field state)"
        sleep 8 # time in which a buggy client would restart the belt
        [ "$(cp_count '^start-or-resume')" = "$starts" ] || fail "paced restarted the belt"
        periph status
        periph console start
        wait_for 30 status_is state running || fail "not running after console start"
        paced_alive
}

# 5. Link loss mid-workout: reconnect, resubscribe, re-request control,
#    re-apply the current target.
scenario_link_loss() {
        local n
        long_workout_running
        n=$(wc -l <"$S/peripheral-cp.log")
        periph drop-link
        wait_log 20 "$S/peripheral.log" '] disconnected'
        wait_for 90 sh -c "tail -n +$((n + 1)) '$S/peripheral-cp.log' |
                grep -q '^request-control -> success'" || fail "control was not requested again"
        wait_for 30 sh -c "tail -n +$((n + 1)) '$S/peripheral-cp.log' |
                grep -q '^set-target-speed 8.00 -> success'" || fail "the target was not re-applied"
        wait_connected
        paced_alive
}

# 6. bluetoothd restarted: paced recovers without being restarted.
scenario_bluetoothd_restart() {
        local n
        long_workout_running
        n=$(wc -l <"$S/peripheral-cp.log")
        bluetoothd_stop
        bluetoothd_start || fail "bluetoothd did not come back"
        wait_log 30 "$S/peripheral.log" 'bluetoothd is back'
        wait_for 120 sh -c "tail -n +$((n + 1)) '$S/peripheral-cp.log' |
                grep -q '^request-control -> success'" || fail "paced did not take control again"
        wait_connected
        paced_alive
}

# 7. Control not permitted, operation failed, control permission lost.
scenario_control_errors() {
        local n
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        periph refuse-control on
        paced_start "${PACED_DEVICES[@]}" "${PACED_WORKOUT_CONFIG[@]}"
        wait_connected
        write_long_workout
        pacectl start "$S/long.txt" || true
        wait_log 60 "$S/peripheral-cp.log" '^request-control -> control-not-permitted'
        paced_alive
        periph refuse-control off
        # The treadmill may refuse a command it understood.
        periph fail speed on
        wait_for 90 sh -c "grep -q '^request-control -> success' '$S/peripheral-cp.log'" ||
                fail "paced never requested control again"
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed .* -> operation-failed'
        paced_alive
        periph fail speed off
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed 8.00 -> success'
        # The machine revokes control: paced asks again and re-applies the target.
        n=$(wc -l <"$S/peripheral-cp.log")
        periph lose-control
        wait_for 60 sh -c "tail -n +$((n + 1)) '$S/peripheral-cp.log' |
                grep -q '^request-control -> success'" || fail "control not re-requested"
        paced_alive
}

# 8. SIGTERM mid-workout: the configured safe slow-down (cooldown), then Disconnect.
scenario_sigterm() {
        local n
        long_workout_running
        n=$(wc -l <"$S/peripheral-cp.log")
        kill -TERM "$PACED_PID"
        timeout 30 tail --pid="$PACED_PID" -f /dev/null || fail "paced did not exit on SIGTERM"
        wait "$PACED_PID" || fail "paced exited with status $?"
        tail -n +$((n + 1)) "$S/peripheral-cp.log" >"$S/after-term.txt"
        # stop_policy = cooldown (the default): slower than the 8 km/h it ran, not stopped.
        awk '$1 == "set-target-speed" && $4 == "success" && $2 < 8.0 { ok = 1 }
             END { exit !ok }' "$S/after-term.txt" ||
                fail "no slow-down after SIGTERM: $(cat "$S/after-term.txt")"
        ! grep -q '^stop-or-pause' "$S/after-term.txt" || fail "cooldown stopped the belt"
        wait_log 20 "$S/peripheral.log" '] disconnected'
}

# 9. Malformed payloads: counted and logged, nothing crashes, data goes on.
scenario_malformed() {
        local hr
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}"
        wait_connected
        wait_for 30 status_ge heart_rate_bpm 40 || fail "no heart rate"
        periph malformed treadmill
        periph malformed status
        wait_log 30 "$S/paced.log" 'Malformed payload from the treadmill'
        paced_alive
        periph hr 133
        wait_for 30 status_is heart_rate_bpm 133 || fail "heart rate stopped after garbage"
        paced_alive
}
