# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for e2e scenarios (sourced inside the guest). A scenario is a shell
# function scenario_<name> that runs in its own directory ($S) and fails by
# calling fail (or by any command failing: it runs under set -e).

E2E_PERIPHERAL_ADDR=00:AA:01:00:00:00 # hci0, the virtual treadmill + strap
E2E_CLIENT_ADDR=00:AA:01:01:00:01     # hci1, paced's adapter
E2E_PERIPHERAL_ADAPTER=hci0
E2E_CLIENT_ADAPTER=hci1
E2E_SCENARIO_TIMEOUT=${E2E_SCENARIO_TIMEOUT:-90}

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

# Both ends of every link are served by this one bluetoothd. With EATT on,
# its client and server side sometimes took each other's responses ("Received
# unexpected ATT response") and service discovery never finished: one ATT
# bearer per link, as most treadmills and straps have anyway.
bluetoothd_config() {
        cat >/run/e2e/main.conf <<'EOT'
[General]
[GATT]
Channels = 1
[Policy]
AutoEnable = true
EOT
}

# prop_is PATH INTERFACE PROPERTY "VALUE-AS-BUSCTL-PRINTS-IT"
prop_is() {
        [ "$(bluez_get "$1" "$2" "$3")" = "$4" ]
}

bluetoothd_start() {
        [ -e /run/e2e/main.conf ] || bluetoothd_config
        bluetoothd -n -d -f /run/e2e/main.conf >>"$R/bluetoothd.log" 2>&1 &
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
        # <&0: an explicit redirection, or bash gives background jobs /dev/null.
        "$@" <&0 >"$S/$name.log" 2>&1 &
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
        rm -f "$F/peripheral.ctl"
        mkfifo "$F/peripheral.ctl"
        PERIPHERAL_PID=$(bg peripheral "$PERIPHERAL" --adapter "$E2E_PERIPHERAL_ADAPTER" \
                --control "$F/peripheral.ctl" --cp-log "$S/peripheral-cp.log" "$@")
        wait_log 30 "$S/peripheral.log" '^advertising' 
}

# periph CMD...: one control command (see docs/peripheral.md).
periph() {
        note "peripheral <- $*"
        echo "$*" >"$F/peripheral.ctl"
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
        F=/run/e2e/fifo/$name # FIFOs cannot live on the 9p share
        mkdir -p "$S" "$F"
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

# ---- bluetoothctl as a long-running client (notification sessions live with it) ----

btctl_start() {
        rm -f "$F/btctl.in"
        mkfifo "$F/btctl.in"
        # Read-write first, or opening the FIFO for reading would block.
        exec 4<>"$F/btctl.in"
        bg btctl bluetoothctl <"$F/btctl.in" >/dev/null
}

btctl() {
        note "bluetoothctl <- $*"
        echo "$*" >&4
}

# char_path DEVICE_PATH UUID: the GattCharacteristic1 object with that UUID.
# The UUID -> path map of a device is built once (D-Bus calls are slow under TCG).
char_path() {
        local dev=$1 uuid=$2 map=$F/gatt-${1//\//_}.map p
        if [ ! -s "$map" ]; then
                for p in $(busctl --system --list call org.bluez / \
                                   org.freedesktop.DBus.ObjectManager GetManagedObjects 2>/dev/null |
                           grep -o "\"$dev/service[0-9a-f]*/char[0-9a-f]*\"" | sort -u | tr -d '"'); do
                        echo "$(bluez_get "$p" org.bluez.GattCharacteristic1 UUID | tr -d '"' |
                                cut -d' ' -f2) $p"
                done >"$map"
        fi
        awk -v u="$uuid" '$1 == u { print $2; found = 1 } END { exit !found }' "$map"
}

# char_value PATH: the cached Value as decimal bytes ("22 120 ...").
char_value() {
        bluez_get "$1" org.bluez.GattCharacteristic1 Value | cut -d' ' -f3-
}

# cp_write PATH BYTE...: a write request (decimal bytes), returns after the ATT response.
cp_write() {
        local path=$1
        shift
        note "write $path: $*"
        busctl --system call org.bluez "$path" org.bluez.GattCharacteristic1 WriteValue \
                'aya{sv}' "$#" "$@" 1 type s request
}

char_value_nonempty() {
        [ -n "$(char_value "$1")" ]
}
