# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for e2e scenarios (sourced inside the guest). A scenario is a shell
# function scenario_<name> that runs in its own directory ($S) and fails by
# calling fail (or by any command failing: it runs under set -e).

E2E_PERIPHERAL_ADDR=00:AA:01:00:00:00 # hci0, the virtual treadmill + strap
E2E_CLIENT_ADDR=00:AA:01:01:00:01     # hci1, paced's adapter
E2E_PERIPHERAL_ADAPTER=hci0
E2E_CLIENT_ADAPTER=hci1
E2E_SCENARIO_TIMEOUT=${E2E_SCENARIO_TIMEOUT:-150}

UUID_FTMS=00001826-0000-1000-8000-00805f9b34fb
UUID_HRS=0000180d-0000-1000-8000-00805f9b34fb
UUID_HRM=00002a37-0000-1000-8000-00805f9b34fb
UUID_FTMS_CP=00002ad9-0000-1000-8000-00805f9b34fb
UUID_TREADMILL_DATA=00002acd-0000-1000-8000-00805f9b34fb

dev_path() { # adapter address
        echo "/org/bluez/$1/dev_${2//:/_}"
}

# ---- bluetoothd ----

bluez_get() { # path interface property
        busctl --system get-property org.bluez "$1" "$2" "$3" 2>/dev/null
}

bluetoothd_start() {
        bluetoothd -n -d >>"$R/bluetoothd.log" 2>&1 &
        echo $! >/run/e2e/bluetoothd.pid
        local _
        for _ in $(seq 1 100); do
                if [ "$(bluez_get /org/bluez/hci0 org.bluez.Adapter1 Powered)" = "b true" ] &&
                   [ "$(bluez_get /org/bluez/hci1 org.bluez.Adapter1 Powered)" = "b true" ]; then
                        return 0
                fi
                sleep 0.3
        done
        return 1
}

bluetoothd_stop() {
        local pid
        pid=$(cat /run/e2e/bluetoothd.pid 2>/dev/null) || return 0
        kill "$pid" 2>/dev/null
        timeout 10 tail --pid="$pid" -f /dev/null
}

# Forgets every device on both adapters so scenarios do not see each other's.
bluez_forget_devices() {
        local a p
        for a in hci0 hci1; do
                for p in $(busctl --system --list call org.bluez / \
                               org.freedesktop.DBus.ObjectManager GetManagedObjects 2>/dev/null |
                           grep -o "\"/org/bluez/$a/dev_[0-9A-F_]*\"" | sort -u | tr -d '"'); do
                        busctl --system call org.bluez "/org/bluez/$a" org.bluez.Adapter1 \
                                RemoveDevice o "$p" >/dev/null 2>&1
                done
        done
}

# ---- scenario plumbing ----

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

note() {
        echo "[$(uptime_s)] $*" >&2
}

# bg NAME CMD... : runs CMD in the background, output to $S/NAME.log; killed
# when the scenario ends (SIGTERM, then SIGKILL after 5 s).
bg() {
        local name=$1
        shift
        "$@" >"$S/$name.log" 2>&1 &
        echo "$! $name" >>"$S/.pids"
        echo $!
}

# wait_for TIMEOUT CMD... : retries CMD every 0.2 s until it succeeds.
wait_for() {
        local t=$1 end
        shift
        end=$(($(date +%s) + t))
        until "$@"; do
                [ "$(date +%s)" -lt "$end" ] || return 1
                sleep 0.2
        done
}

# wait_log TIMEOUT FILE ERE : waits until FILE has a line matching ERE.
wait_log() {
        wait_for "$1" grep -qE -- "$3" "$2" ||
                fail "timed out after $1 s waiting for /$3/ in $(basename "$2")"
}

# ---- the virtual peripheral (docs/peripheral.md) ----

# peripheral_start [ARGS...]: starts it on hci0 and waits until it advertises.
peripheral_start() {
        rm -f "$S/peripheral.ctl"
        mkfifo "$S/peripheral.ctl"
        PERIPHERAL_PID=$(bg peripheral "$PERIPHERAL" --adapter "$E2E_PERIPHERAL_ADAPTER" \
                --control "$S/peripheral.ctl" --cp-log "$S/peripheral-cp.log" "$@")
        wait_log 30 "$S/peripheral.log" '^advertising' 
}

# periph CMD...: one control command (see docs/peripheral.md).
periph() {
        note "peripheral <- $*"
        echo "$*" >"$S/peripheral.ctl"
}

# cp_log: the Control Point requests the peripheral received, "op [param] -> result".
cp_log() {
        cat "$S/peripheral-cp.log" 2>/dev/null
}

scenario_cleanup() {
        local pid name
        [ -e "$S/.pids" ] || return 0
        while read -r pid name; do
                kill -TERM "$pid" 2>/dev/null
        done <"$S/.pids"
        while read -r pid name; do
                timeout 5 tail --pid="$pid" -f /dev/null ||
                        { echo "$name did not exit on SIGTERM, killing" >&2; kill -KILL "$pid"; }
        done <"$S/.pids" 2>>"$S/scenario.log"
        rm -f "$S/.pids"
}

scenario_run() {
        local name=$1 t0 t1 rc btmon_pid bt_off
        S=$R/$name
        mkdir -p "$S"
        log "scenario $name: start"
        t0=$(uptime_s)
        btmon -w "$S/hci.btsnoop" >/dev/null 2>&1 &
        btmon_pid=$!
        bt_off=$(stat -c %s "$R/bluetoothd.log")
        if ! declare -F "scenario_$name" >/dev/null; then
                echo "no such scenario: $name" >"$S/scenario.log"
                rc=2
        else
                (
                        set -eEuo pipefail
                        cd "$S"
                        "scenario_$name"
                ) >"$S/scenario.log" 2>&1 &
                local spid=$!
                # A watchdog, so that one stuck scenario does not eat the others' time.
                ( sleep "$E2E_SCENARIO_TIMEOUT"; echo "TIMEOUT after $E2E_SCENARIO_TIMEOUT s" \
                        >>"$S/scenario.log"; kill -TERM "$spid" ) 2>/dev/null &
                local wpid=$!
                wait "$spid"
                rc=$?
                kill "$wpid" 2>/dev/null
                wait "$wpid" 2>/dev/null
        fi
        scenario_cleanup
        bluez_forget_devices
        kill "$btmon_pid" 2>/dev/null
        wait "$btmon_pid" 2>/dev/null
        tail -c +"$((bt_off + 1))" "$R/bluetoothd.log" >"$S/bluetoothd.log"
        t1=$(uptime_s)
        local dur
        dur=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
        if [ "$rc" = 0 ]; then
                echo "PASS (${dur} s)" >"$S/result"
        else
                echo "FAIL (exit $rc, ${dur} s)" >"$S/result"
        fi
        log "scenario $name: $(cat "$S/result")"
}
