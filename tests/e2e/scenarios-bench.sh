# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks inside the e2e VM (run by bench/bleak-compare, not by ctest).

# bleak_compare: paced and a minimal python3-bleak heart-rate logger
# (bench/hr-logger-bleak.py) both subscribed to the virtual strap's Heart Rate
# Measurement through the same bluetoothd and the same LE link, measured over
# the same window: CPU seconds (utime + stime from /proc/PID/stat) and peak
# RSS (VmHWM). paced runs as the service would, so it also takes the
# treadmill's notifications from the same device; the logger takes only the
# heart rate. BENCH_SECONDS comes from $E2E_BUILD/bench-bleak.env.
scenario_bleak_compare() {
        local secs=60 tck p0 p1 b0 b1 n
        # shellcheck source=/dev/null
        [ -r "$E2E_BUILD/bench-bleak.env" ] && . "$E2E_BUILD/bench-bleak.env"
        secs=${BENCH_SECONDS:-$secs}
        tck=$(getconf CLK_TCK)
        peripheral_start
        # The logger first: it scans for the strap, connects and subscribes.
        bg bleak python3 "$E2E_SRC/bench/hr-logger-bleak.py" --adapter "$E2E_CLIENT_ADAPTER" \
                --address "$E2E_PERIPHERAL_ADDR" --seconds "$((secs + 120))" --out "$S/bleak-hr.txt"
        local bleak_pid=$BG_PID
        wait_log 90 "$S/bleak.log" 'subscribed'
        paced_start
        wait_connected strap
        wait_for 30 status_ge heart_rate_bpm 40 || fail "no heart rate in paced"
        sleep 5 # both past their setup
        cpu() { awk -v t="$tck" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$1/stat"; }
        p0=$(cpu "$PACED_PID")
        b0=$(cpu "$bleak_pid")
        n=$(wc -l <"$S/bleak-hr.txt")
        sleep "$secs"
        p1=$(cpu "$PACED_PID")
        b1=$(cpu "$bleak_pid")
        n=$(($(wc -l <"$S/bleak-hr.txt") - n))
        [ "$n" -gt 0 ] || fail "the bleak logger received nothing"
        paced_alive
        kill -0 "$bleak_pid" || fail "the bleak logger exited early"
        awk -v s="$secs" -v n="$n" -v p="$(awk -v a="$p0" -v b="$p1" 'BEGIN { print b - a }')" \
                -v b="$(awk -v a="$b0" -v b="$b1" 'BEGIN { print b - a }')" \
                -v prss="$(awk '/^VmHWM/ { print $2 }' "/proc/$PACED_PID/status")" \
                -v brss="$(awk '/^VmHWM/ { print $2 }' "/proc/$bleak_pid/status")" 'BEGIN {
                printf "window %d s, %d heart-rate notifications to each\n", s, n
                printf "%-26s %10s %14s\n", "", "CPU s", "peak RSS kB"
                printf "%-26s %10.2f %14d\n", "paced (HR + treadmill)", p, prss
                printf "%-26s %10.2f %14d\n", "python3-bleak logger (HR)", b, brss
                if (p > 0) printf "bleak / paced: CPU %.1fx", b / p; else printf "bleak / paced: CPU n/a (paced 0.00 s)"
                printf ", peak RSS %.1fx\n", brss / prss
        }' | tee "$S/figures.txt"
}
