# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks inside the e2e VM (run by bench/bleak-compare, not by ctest).

# bleak_compare: paced running a workout (treadmill + strap, as the service
# runs it: no --verbose) next to a minimal python3-bleak heart-rate logger
# (bench/hr-logger-bleak.py) on the same virtual strap, through the same
# bluetoothd and system bus, measured over the same window: CPU seconds
# (utime + stime from /proc/PID/stat) of paced, the logger, bluetoothd and
# dbus-daemon (and the simulated devices), and peak RSS (VmHWM).
#
# The logger and paced must sit on separate links: bluetoothd 5.66 refuses
# AcquireNotify on a characteristic another client has started (InProgress),
# and StartNotify on one that is acquired ("Notify acquired"), so on one
# Device1 object paced would fall back to StartNotify. The strap therefore
# runs on its own controller (hci2) and the logger connects to it from the
# spare hci3 before paced: that link is also the placeholder that lines up
# btvirt's connection handles for paced's strap link (strap_align_handles).
# BENCH_SECONDS comes from $E2E_BUILD/bench-bleak.env.
scenario_bleak_compare() {
        local secs=60 tck n bleak_pid btd_pid bus_pid
        # shellcheck source=/dev/null
        [ -r "$E2E_BUILD/bench-bleak.env" ] && . "$E2E_BUILD/bench-bleak.env"
        secs=${BENCH_SECONDS:-$secs}
        tck=$(getconf CLK_TCK)
        peripheral_start --strap-adapter "$E2E_STRAP_ADAPTER"
        wait_for 20 prop_is "/org/bluez/$E2E_SPARE_ADAPTER" org.bluez.Adapter1 Powered "b true" ||
                fail "$E2E_SPARE_ADAPTER is not powered"
        # The logger first: it scans for the strap, connects and subscribes.
        bg bleak python3 "$E2E_SRC/bench/hr-logger-bleak.py" --adapter "$E2E_SPARE_ADAPTER" \
                --address "$E2E_STRAP_ADDR" --seconds "$((secs + 400))" --out "$S/bleak-hr.txt"
        bleak_pid=$BG_PID
        wait_log 120 "$S/bleak.log" 'subscribed'
        # paced's treadmill link before its strap link (strap_align_handles).
        periph advertise off strap
        wait_log 20 "$S/peripheral.log" "advertising off on /org/bluez/$E2E_STRAP_ADAPTER"
        PACED_QUIET=1 paced_start "[Safety]" "allow_remote_start = yes"
        wait_connected
        periph advertise on strap
        # paced may be in its 30 s pause between scans by then.
        wait_for 90 device_connected strap || fail "the strap never connected"
        wait_for 30 status_ge heart_rate_bpm 40 || fail "no heart rate in paced"
        cat >"$S/bench.txt" <<'EOT'
# name: bench steady
- 30m 8km/h
EOT
        pacectl start "$S/bench.txt" || fail "pacectl start failed"
        wait_for 60 status_is state running || fail "the workout never ran: $(status_field state)"
        wait_log 60 "$S/peripheral-cp.log" '^set-target-speed 8.00 -> success'
        btd_pid=$(cat /run/e2e/bluetoothd.pid)
        bus_pid=$(cat /run/dbus/pid 2>/dev/null || pidof dbus-daemon)
        [ "$(cat "/proc/$btd_pid/comm")" = bluetoothd ] || fail "no bluetoothd at $btd_pid"
        [ "$(cat "/proc/$bus_pid/comm")" = dbus-daemon ] || fail "no dbus-daemon at $bus_pid"
        sleep 5 # everyone past their setup
        # name pid pairs, measured in this order at both ends of the window
        local procs=("paced" "$PACED_PID" "bleak" "$bleak_pid" "bluetoothd" "$btd_pid"
                "dbus-daemon" "$bus_pid" "peripheral" "$PERIPHERAL_PID")
        # name, user and system CPU seconds, voluntary context switches
        # (wake-ups) summed over the threads
        cpu_all() {
                local i pid
                for ((i = 0; i < ${#procs[@]}; i += 2)); do
                        pid=${procs[i + 1]}
                        awk -v t="$tck" -v n="${procs[i]}" \
                                -v w="$(cat /proc/"$pid"/task/*/status |
                                        awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }')" \
                                '{ printf "%s %.2f %.2f %d\n", n, $14 / t, $15 / t, w }' "/proc/$pid/stat"
                done
        }
        cpu_all >"$S/cpu0.txt"
        n=$(wc -l <"$S/bleak-hr.txt")
        sleep "$secs"
        cpu_all >"$S/cpu1.txt"
        n=$(($(wc -l <"$S/bleak-hr.txt") - n))
        local i
        for ((i = 0; i < ${#procs[@]}; i += 2)); do
                echo "${procs[i]} $(awk '/^VmHWM/ { print $2 }' "/proc/${procs[i + 1]}/status")"
        done >"$S/hwm.txt"
        # Checked after the window: the checks are D-Bus calls too.
        [ "$n" -gt 0 ] || fail "the bleak logger received nothing"
        paced_alive
        kill -0 "$bleak_pid" || fail "the bleak logger exited early"
        status_is state running || fail "the workout stopped: $(status_field state)"
        local hrm tdata lhrm acq
        hrm=$(char_path "$(dev_path "$E2E_CLIENT_ADAPTER" "$E2E_STRAP_ADDR")" "$UUID_HRM") ||
                fail "no Heart Rate Measurement under paced's adapter"
        tdata=$(char_path "$(dev_path "$E2E_CLIENT_ADAPTER" "$E2E_PERIPHERAL_ADDR")" \
                "$UUID_TREADMILL_DATA") || fail "no Treadmill Data under paced's adapter"
        lhrm=$(char_path "$(dev_path "$E2E_SPARE_ADAPTER" "$E2E_STRAP_ADDR")" "$UUID_HRM") ||
                fail "no Heart Rate Measurement under the logger's adapter"
        acq=$(printf 'paced Heart Rate Measurement: NotifyAcquired %s, Notifying %s\n' \
                "$(bluez_get "$hrm" org.bluez.GattCharacteristic1 NotifyAcquired)" \
                "$(bluez_get "$hrm" org.bluez.GattCharacteristic1 Notifying)"
                printf 'paced Treadmill Data: NotifyAcquired %s, Notifying %s\n' \
                "$(bluez_get "$tdata" org.bluez.GattCharacteristic1 NotifyAcquired)" \
                "$(bluez_get "$tdata" org.bluez.GattCharacteristic1 Notifying)"
                printf 'bleak Heart Rate Measurement: NotifyAcquired %s, Notifying %s\n' \
                "$(bluez_get "$lhrm" org.bluez.GattCharacteristic1 NotifyAcquired)" \
                "$(bluez_get "$lhrm" org.bluez.GattCharacteristic1 Notifying)")
        note "$acq"
        {
                printf 'window %d s, a workout running (8 km/h), %d heart-rate notifications to the logger\n' \
                        "$secs" "$n"
                echo "$acq" | sed 's/b true/yes/g; s/b false/no/g'
                awk '
                FILENAME == ARGV[1] { u0[$1] = $2; s0[$1] = $3; w0[$1] = $4; next }
                FILENAME == ARGV[2] {
                        u[$1] = $2 - u0[$1]; k[$1] = $3 - s0[$1]; c[$1] = u[$1] + k[$1]
                        w[$1] = $4 - w0[$1]; next
                }
                { hwm[$1] = $2 }
                function row(p, label) {
                        printf "%-34s %6.2f %6.2f %6.2f %8d %12d\n", label, c[p], u[p], k[p], w[p], hwm[p]
                }
                # mawk reads a ">" in print arguments as a redirection: parentheses
                function ratio(what, a, b, goal) {
                        if (b > 0)
                                printf("%-34s %7.1fx  (goal >= %dx: %s)\n", what, a / b, goal,
                                        (a / b >= goal ? "met" : "NOT met"))
                        else
                                printf("%-34s     n/a  (paced 0.00 s)\n", what)
                }
                END {
                        printf "%-34s %6s %6s %6s %8s %12s\n", "", "CPU s", "user", "system",
                                "wake-ups", "peak RSS kB"
                        row("paced", "paced (treadmill + strap, workout)")
                        row("bleak", "python3-bleak logger (strap only)")
                        row("bluetoothd", "bluetoothd (both ends, 3 links)")
                        row("dbus-daemon", "dbus-daemon (system bus)")
                        row("peripheral", "paced-peripheral (the devices)")
                        ratio("CPU bleak / paced", c["bleak"], c["paced"], 10)
                        ratio("CPU bluetoothd / paced", c["bluetoothd"], c["paced"], 4)
                        if (c["paced"] > 0)
                                printf("%-34s %7.1fx\n", "CPU dbus-daemon / paced", c["dbus-daemon"] / c["paced"])
                        ratio("peak RSS bleak / paced", hwm["bleak"], hwm["paced"], 6)
                }' "$S/cpu0.txt" "$S/cpu1.txt" "$S/hwm.txt"
        } | tee "$S/figures.txt"
}
