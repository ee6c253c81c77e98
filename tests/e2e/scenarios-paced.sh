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
        local tdata
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}" "${PACED_WORKOUT_CONFIG[@]}"
        wait_connected
        # Treadmill Data arrives through AcquireNotify's socket (the default),
        # as bluetoothd sees it; the indicate-only control point cannot (5.66)
        # and falls back to StartNotify, which the workout below needs.
        tdata=$(char_path "$(dev_path "$E2E_CLIENT_ADAPTER" "$E2E_PERIPHERAL_ADDR")" \
                "$UUID_TREADMILL_DATA") || fail "no Treadmill Data under paced's adapter"
        prop_is "$tdata" org.bluez.GattCharacteristic1 NotifyAcquired "b true" ||
                fail "Treadmill Data not acquired: $(bluez_get "$tdata" \
                        org.bluez.GattCharacteristic1 NotifyAcquired)"
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
        # (written off the loop: the last rows a moment after the state)
        local samples
        stored_samples() {
                pacectl show 1 --json --state-dir "$F/state" >"$S/session.json" 2>/dev/null &&
                        samples=$(grep -o '"samples":[0-9]*' "$S/session.json" | cut -d: -f2) &&
                        [ "${samples:-0}" -ge 20 ]
        }
        wait_for 10 stored_samples || fail "only ${samples:-0} samples stored"
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
        # The session's end is written off the loop, a moment after the state.
        stored_finished() {
                pacectl show 1 --json --state-dir "$F/state" >"$S/session.json" 2>/dev/null &&
                        grep -q '"end_reason":"finished"' "$S/session.json"
        }
        wait_for 10 stored_finished || fail "session not stored as finished: $(head -c 300 "$S/session.json")"
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

# The library's 6 x 400 m session end to end: every command across
# bluetoothd, with the caps, the rate limit and no refusal checked on what the
# treadmill received (library_workout), and the session finished. Whether
# each rep is run at goal pace is a runner outcome asserted on the simulator
# (unit/test-outcome-workouts, integration/test-mile-trial): here, at 30 times real time, one
# Control Point round trip over bluetoothd under TCG is several virtual
# seconds, which the run-up planner takes for a slow belt. The reps still
# reach goal pace (16.1 km/h) at least once.
scenario_intervals() {
        library_workout intervals-6x400
        speeds_after 'Step .*: .*400 m' | awk '$1 >= 16.1 { n++ } END { exit !n }' ||
                fail "no rep at 16.1 km/h: $(tr '\n' ' ' <"$S/speeds.txt")"
        grep -q '"end_reason":"finished"' "$S/session.json" || fail "session not finished"
}

# The library's mile time trial end to end: laps 2-3 on pace, the last lap's
# four 100 m faster each, the last ones clamped to max_speed. (Lap 1's second
# slow is asserted on the simulator; see scenario_intervals for why.)
scenario_mile() {
        library_workout mile-time-trial
        speeds_after 'Cue \(step-start\): Walk$' >"$S/trial.txt"
        # On the treadmill's 0.1 km/h grid: laps 2-3 at 6:00/mi, then 101,
        # 102 %, and 103 and 105 % both clamped to 16.5.
        in_order "$S/trial.txt" 16.10 16.30 16.40 16.50 ||
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

# 10. One device as both roles (the peripheral serves FTMS and HRS, as a
#     treadmill with a strap receiver does, and paced takes its HRS as the
#     strap): one Connect at a time, none refused by bluetoothd ("Operation
#     already in progress"), and both roles come back after a dropped link
#     without a warning.
scenario_shared_device() {
        peripheral_start
        paced_start
        wait_connected strap
        pacectl status --json >"$S/status.json"
        grep -q "\"strap\":{\"address\":\"$E2E_PERIPHERAL_ADDR\"" "$S/status.json" ||
                fail "the strap is not the treadmill's HRS: $(cat "$S/status.json")"
        periph drop-link
        wait_log 20 "$S/paced.log" 'treadmill .* lost'
        wait_for 60 device_connected treadmill || fail "the treadmill did not reconnect"
        wait_for 30 device_connected strap || fail "the strap did not reconnect"
        ! grep -E 'Operation already in progress|Connect failed' "$S/paced.log" ||
                fail "a Connect was refused or failed"
        [ "$(grep -c ': connecting$' "$S/paced.log")" = 2 ] ||
                fail "not one Connect per connection: $(grep ': connecting' "$S/paced.log")"
        paced_alive
}

# ---- distance from a treadmill that leaves Total Distance out ----
# The peripheral sends Total Distance in every other record only, and logs
# each record with its belt's exact travel on CLOCK_MONOTONIC; paced logs when
# each step began on the same clock. Both run DISTANCE_SCALE times faster
# than real time: bluetoothd's notification latency under TCG is that much
# more belt travel, so the scale stays low.
DISTANCE_SCALE=4

# belt_at MONO: the peripheral's belt travel at CLOCK_MONOTONIC MONO,
# interpolated between its records.
belt_at() {
        awk -v t="$1" '/ data at CLOCK_MONOTONIC / && !done {
                        for (i = 1; i <= NF; i++) {
                                if ($i == "CLOCK_MONOTONIC") m = $(i + 1)
                                if ($i == "travel") d = $(i + 1)
                        }
                        if (m + 0 <= t) { t0 = m; d0 = d; next }
                        if (t0 != "") { printf "%.3f\n", d0 + (d - d0) * (t - t0) / (m - t0); done = 1 }
                } END { exit !done }' "$S/peripheral.log"
}

# step_began N: CLOCK_MONOTONIC when step N began (paced's debug log).
step_began() {
        sed -n "s/.*Step $1 began at CLOCK_MONOTONIC \([0-9.]*\) s\./\1/p" "$S/paced.log" | head -n1
}

# report_latency FROM TO: the shortest and the longest time (real seconds) a
# record with Total Distance took from the peripheral to paced, over those
# paced received between CLOCK_MONOTONIC FROM and TO.
report_latency() {
        awk -v from="$1" -v to="$2" '
                / data at CLOCK_MONOTONIC / {
                        for (i = 1; i <= NF; i++) {
                                if ($i == "CLOCK_MONOTONIC") m = $(i + 1)
                                if ($i == "travel") d = $(i + 1)
                        }
                        sent[int(d)] = m
                        next
                }
                /Total Distance [0-9]+ m at CLOCK_MONOTONIC/ {
                        for (i = 1; i <= NF; i++) {
                                if ($i == "Distance") f = $(i + 1)
                                if ($i == "CLOCK_MONOTONIC") r = $(i + 1)
                        }
                        if (r < from || r >= to || !(f in sent))
                                next
                        l = r - sent[f]
                        if (!n++ || l < lo) lo = l
                        if (n == 1 || l > hi) hi = l
                }
                END { if (n < 3) exit 1; printf "%.6f %.6f\n", lo, hi }' "$S/peripheral.log" "$S/paced.log"
}

# The mile of a time trial ends within 1 m of 1609.344 m of the belt's travel
# as reported to paced, and the stored distance never goes back nor runs ahead
# of the belt. Under TCG a notification takes from tens to hundreds of
# milliseconds through bluetoothd (times the scale in virtual time): paced can
# only end the mile on what has reached it, so the mile may end later by the
# latency of the last reports, which is measured and reported. The mile starts
# the workout, on a standing belt, where that latency costs nothing.
scenario_sparse_mile() {
        local t1 t2 d1 d2 mile lat_lo lat_hi late
        PACED_ARGS=(--test-time-scale "$DISTANCE_SCALE")
        peripheral_start --treadmill-hr --time-scale "$DISTANCE_SCALE" --distance-every 2 --log-data
        paced_start "${PACED_DEVICES[@]}" "[Safety]" "allow_remote_start = yes" "max_accel = 2"
        wait_connected
        printf '%s\n' "# name: e2e sparse mile" "Time trial" "- 1mi 16km/h" "" "Cooldown" \
                "- 10s 8km/h" >"$S/mile.txt"
        pacectl start "$S/mile.txt" || fail "pacectl start failed"
        wait_for 30 status_is state running || fail "not running: $(status_field state)"
        # 362 + 10 virtual seconds and the ramps.
        wait_for 200 status_is state finished || fail "did not finish: $(status_field state)"
        t1=$(step_began 1) t2=$(step_began 2)
        [ -n "$t1" ] && [ -n "$t2" ] || fail "no step times in paced.log"
        d1=$(belt_at "$t1") && d2=$(belt_at "$t2") || fail "no belt travel around $t1 $t2"
        read -r lat_lo lat_hi < <(report_latency "$(awk -v t="$t2" -v k="$DISTANCE_SCALE" \
                'BEGIN { printf "%.6f", t - 10 / k }')" "$t2") ||
                fail "no Total Distance matched in the logs"
        mile=$(awk -v a="$d1" -v b="$d2" 'BEGIN { printf "%.3f", b - a }')
        late=$(awk -v l="$lat_hi" -v k="$DISTANCE_SCALE" 'BEGIN { printf "%.3f", 16 / 3.6 * l * k }')
        note "mile: from $d1 m to $d2 m of belt travel, $mile m; the last reports reached" \
                "paced $lat_lo-$lat_hi s after they were sent, up to $late m of belt at 16 km/h" \
                "x$DISTANCE_SCALE"
        awk -v m="$mile" -v lo="$lat_lo" -v hi="$lat_hi" -v k="$DISTANCE_SCALE" 'BEGIN {
                v = 16 / 3.6 * k; d = m - 1609.344; exit !(d >= lo * v - 1 && d <= hi * v + 1) }' ||
                fail "the mile ended at $mile m of belt travel"

        # Each stored sample against the belt's travel since the workout began,
        # at the sample's time (session seconds are virtual ones), in one pass:
        # never back, never ahead of the belt (but for a few centimetres of
        # clock alignment). How far behind depends on this VM (a record's
        # travel, the latency, the loop stalled under TCG at 4x): reported.
        pacectl export 1 --format csv --state-dir "$F/state" -o "$S/session.csv" ||
                fail "pacectl export failed"
        awk -v t1="$t1" -v d1="$d1" -v k="$DISTANCE_SCALE" -F '[ ,]' '
                FILENAME ~ /peripheral/ && / data at CLOCK_MONOTONIC / {
                        for (i = 1; i <= NF; i++) {
                                if ($i == "CLOCK_MONOTONIC") tm[n] = $(i + 1)
                                if ($i == "travel") dm[n] = $(i + 1)
                        }
                        n++
                        next
                }
                FILENAME ~ /session/ && FNR > 1 && $8 != "" {
                        mono = t1 + $1 / k
                        while (j + 1 < n && tm[j + 1] <= mono) j++
                        if (j + 1 >= n || tm[j] > mono) next
                        belt = dm[j] + (dm[j + 1] - dm[j]) * (mono - tm[j]) / (tm[j + 1] - tm[j]) - d1
                        print $1, $8, belt > "stored-vs-belt.txt"
                        checked++
                        if ($8 < last - 1e-9) { print "back at " $1 ": " last " -> " $8; bad = 1 }
                        if ($8 > belt + 0.3) { print "ahead at " $1 ": " $8 " > " belt; bad = 1 }
                        behind += belt - $8
                        last = $8
                }
                END {
                        if (checked < 300) { print "only " checked " samples"; bad = 1 }
                        else printf "stored distance %.1f m behind the belt on average\n", behind / checked
                        exit bad
                }' \
                "$S/peripheral.log" "$S/session.csv" ||
                fail "stored distance against the belt: see stored-vs-belt.txt"
        paced_alive
}

# 11. The relay (docs/relay.md): paced serves Running Speed and Cadence on its
#     adapter (hci1) through bluetoothd. The central is the peripheral's
#     controller (hci0): over the link paced opened to the treadmill (one
#     bearer, both ends aligned, see strap_align_handles) bluetoothd on hci0
#     discovers paced's GATT application as any footpod's; it subscribes to
#     RSC Measurement and receives the treadmill's speed and total distance.
#     The FTMS and Heart Rate relays (ftms, heart_rate = yes) carry the speed
#     and the heart rate; paced's FTMS has no Control Point. Writes are
#     refused. bluetoothd restarts: paced registers the relay again.
scenario_relay() {
        local dev meas value speed dist ftms hrm
        peripheral_start "${PERIPHERAL_ARGS[@]}"
        paced_start "${PACED_DEVICES[@]}" "[Relay]" "enabled = yes" "name = paced relay" \
                "ftms = yes" "heart_rate = yes" "${PACED_WORKOUT_CONFIG[@]}"
        wait_log 60 "$S/paced.log" 'Relay: serving Running Speed and Cadence'
        wait_connected
        dev=$(dev_path "$E2E_PERIPHERAL_ADAPTER" "$E2E_CLIENT_ADDR")
        wait_for 60 prop_is "$dev" org.bluez.Device1 ServicesResolved "b true" ||
                fail "hci0 never resolved paced's services"
        wait_for 30 char_path "$dev" 00002a53-0000-1000-8000-00805f9b34fb >/dev/null ||
                fail "no RSC Measurement on paced: $(cat "$F"/gatt-*.map 2>/dev/null)"
        meas=$(char_path "$dev" 00002a53-0000-1000-8000-00805f9b34fb)
        note "RSC Measurement at $meas"
        # Subscribed by a client that stays (a notify session lives with it).
        btctl_start
        btctl "menu gatt"
        btctl "select-attribute $meas"
        btctl "notify on"
        wait_log 30 "$S/paced.log" 'Relay: a watch subscribed to RSC Measurement'
        # The treadmill runs at 10 km/h.
        write_long_workout
        sed -i 's/8km\/h/10km\/h/' "$S/long.txt"
        pacectl start "$S/long.txt" || fail "pacectl start failed"
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed 10.00 -> success'
        # Value: flags, speed (1/256 m/s, LE), cadence, total distance (dm, LE).
        relay_speed_is_10() {
                read -r -a value <<<"$(char_value "$meas")"
                [ "${#value[@]}" -ge 8 ] || return 1
                speed=$(((value[1] + 256 * value[2]) * 36 / 256))
                [ "$speed" -ge 98 ] && [ "$speed" -le 102 ]
        }
        wait_for 60 relay_speed_is_10 || fail "relay value $(char_value "$meas")"
        (( value[0] & 2 )) || fail "no total distance in $(char_value "$meas")"
        dist=$((value[4] + 256 * value[5] + 65536 * value[6]))
        note "relay: $((speed / 10)).$((speed % 10)) km/h, distance $dist dm"
        sleep 5
        read -r -a value <<<"$(char_value "$meas")"
        [ $((value[4] + 256 * value[5] + 65536 * value[6])) -gt "$dist" ] ||
                fail "relay distance did not grow: $dist -> $(char_value "$meas")"
        # FTMS Treadmill Data (flags, speed in 0.01 km/h, LE, ...) and Heart Rate.
        ftms=$(char_path "$dev" 00002acd-0000-1000-8000-00805f9b34fb) ||
                fail "no FTMS Treadmill Data on paced"
        hrm=$(char_path "$dev" 00002a37-0000-1000-8000-00805f9b34fb) ||
                fail "no Heart Rate Measurement on paced"
        ! char_path "$dev" 00002ad9-0000-1000-8000-00805f9b34fb >/dev/null ||
                fail "paced's FTMS relay has a Control Point"
        btctl "select-attribute $ftms"
        btctl "notify on"
        btctl "select-attribute $hrm"
        btctl "notify on"
        ftms_speed_is_10() {
                read -r -a value <<<"$(char_value "$ftms")"
                [ "${#value[@]}" -ge 4 ] || return 1
                speed=$((value[2] + 256 * value[3]))
                [ "$speed" -ge 980 ] && [ "$speed" -le 1020 ]
        }
        wait_for 60 ftms_speed_is_10 || fail "FTMS relay value $(char_value "$ftms")"
        hr_known() {
                read -r -a value <<<"$(char_value "$hrm")"
                [ "${#value[@]}" -ge 2 ] && [ "${value[1]}" -ge 40 ]
        }
        wait_for 60 hr_known || fail "Heart Rate relay value $(char_value "$hrm")"
        note "FTMS relay: speed $speed (0.01 km/h); heart rate relay: ${value[1]} bpm"
        # Nothing a watch writes is taken.
        ! busctl --system call org.bluez "$meas" org.bluez.GattCharacteristic1 WriteValue \
                'aya{sv}' 1 0 1 type s request 2>"$S/write.err" ||
                fail "a write to the relay was accepted"
        note "write refused: $(cat "$S/write.err")"
        # bluetoothd restarts: what paced registered went with it; paced
        # registers the relay again, and the new bluetoothd takes it (the
        # line comes with its answer to RegisterAdvertisement).
        bluez_reset || fail "bluetoothd did not restart"
        relay_served_twice() {
                [ "$(grep -c 'Relay: serving Running Speed and Cadence' "$S/paced.log")" -ge 2 ]
        }
        wait_for 60 relay_served_twice ||
                fail "the relay was not registered again after bluetoothd restarted"
        note "relay registered again after the restart"
        paced_alive
}

# 12. A footpod peer (docs/relay.md): the peripheral serves a footpod (RSC) on
#     its own controller (hci2) on a belt that runs 5 % faster than the
#     treadmill reports (--footpod-factor 1.05). paced (footpod = auto) finds
#     it by its service, reads its speed and cadence through bluetoothd, and
#     its calibration estimate converges to the factor the peer was given.
#     4 times faster than real time, so that the estimate's 2 minutes of
#     steady running take half a minute: faster, and a notification late by
#     a few hundred milliseconds under TCG would be seconds of the estimate's
#     time, a gap that ends its segments. Handles aligned as for the strap
#     (strap_align_handles): the treadmill connects first.
scenario_footpod() {
        local fp scale=4
        PACED_ARGS=(--test-time-scale "$scale")
        peripheral_start "${PERIPHERAL_ARGS[@]}" --time-scale "$scale" \
                --footpod-adapter "$E2E_STRAP_ADAPTER" --footpod-factor 1.05
        strap_align_handles
        periph advertise off footpod
        wait_log 20 "$S/peripheral.log" "advertising off on /org/bluez/$E2E_STRAP_ADAPTER"
        paced_start "${PACED_DEVICES[@]}" "footpod = auto" "${PACED_WORKOUT_CONFIG[@]}"
        wait_connected
        periph advertise on footpod
        footpod_connected() {
                [ "$(busctl --system get-property io.paced.paced1 /io/paced/paced1/device/footpod \
                        io.paced.paced1.Device Connected 2>/dev/null)" = "b true" ]
        }
        wait_for 90 footpod_connected || fail "the footpod never connected"
        [ "$(busctl --system get-property io.paced.paced1 /io/paced/paced1/device/footpod \
                io.paced.paced1.Device Address)" = "s \"$E2E_STRAP_ADDR\"" ] ||
                fail "the footpod is not the peer's"
        write_long_workout
        sed -i 's/5m 8km\/h/4m 10km\/h/' "$S/long.txt"
        pacectl start "$S/long.txt" || fail "pacectl start failed"
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed 10.00 -> success'
        # The belt reports 10 km/h; the runner, and the footpod, run 10.5.
        footpod_10_5() {
                fp=$(status_field footpod_speed_kmh)
                awk -v v="$fp" 'BEGIN { exit !(v > 10.4 && v < 10.6) }'
        }
        wait_for 60 footpod_10_5 || fail "footpod speed ${fp:-none} in status"
        note "footpod $fp km/h, cadence $(status_field cadence_spm)"
        calibration_ready() {
                pacectl calibrate --json >"$S/calibrate.json" 2>/dev/null &&
                        grep -q '"status":"ready"' "$S/calibrate.json"
        }
        wait_for 90 calibration_ready || fail "estimate never ready: $(cat "$S/calibrate.json")"
        note "estimate: $(cat "$S/calibrate.json")"
        python3 - "$S/calibrate.json" <<'PY' || fail "estimate $(cat "$S/calibrate.json")"
import json, sys
e = json.load(open(sys.argv[1]))["estimate"]
assert abs(e["factor"] - 1.05) < 0.01, e
PY
        # The footpod changed nothing that was commanded.
        ! grep -E '^set-target-speed (1[1-9]|[2-9][0-9])' "$S/peripheral-cp.log" ||
                fail "a speed above 10 km/h was commanded"
        paced_alive
}

