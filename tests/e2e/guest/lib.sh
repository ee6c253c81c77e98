# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for e2e scenarios (sourced inside the guest). A scenario is a shell
# function scenario_<name> that runs in its own directory ($S) and fails by
# calling fail (or by any command failing: it runs under set -e).

# btvirt -l4: four LE controllers on one radio.
E2E_PERIPHERAL_ADDR=00:AA:01:00:00:00 # hci0, the virtual treadmill (and strap, unless split)
E2E_CLIENT_ADDR=00:AA:01:01:00:01     # hci1, paced's adapter
E2E_STRAP_ADDR=00:AA:01:02:00:02      # hci2, the virtual strap when split off
E2E_SPARE_ADDR=00:AA:01:03:00:03      # hci3, holds a placeholder link (strap_align_handles)
E2E_PERIPHERAL_ADAPTER=hci0
E2E_CLIENT_ADAPTER=hci1
E2E_STRAP_ADAPTER=hci2
E2E_SPARE_ADAPTER=hci3
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

# Bounded: a wedged bluetoothd must not hang the scenario (busctl waits 25 s
# by default, and the callers poll).
bluez_get() { # path interface property
        timeout 5 busctl --system --timeout=3 get-property org.bluez "$1" "$2" "$3" 2>/dev/null
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
        local pid end
        [ -e /run/e2e/main.conf ] || bluetoothd_config
        bluetoothd -n -d -f /run/e2e/main.conf > >(stamp >>"$R/bluetoothd.log") 2>&1 &
        pid=$!
        echo "$pid" >/run/e2e/bluetoothd.pid
        end=$(($(date +%s) + 30))
        while [ "$(date +%s)" -lt "$end" ]; do
                # Gone already ("Name already in use", a crash): no use waiting.
                kill -0 "$pid" 2>/dev/null || return 1
                if [ "$(bluez_get /org/bluez/hci0 org.bluez.Adapter1 Powered)" = "b true" ] &&
                   [ "$(bluez_get /org/bluez/hci1 org.bluez.Adapter1 Powered)" = "b true" ] &&
                   [ "$(bluez_get /org/bluez/hci2 org.bluez.Adapter1 Powered)" = "b true" ]; then
                        return 0
                fi
                sleep 0.3
        done
        return 1
}

# Stops bluetoothd for good: SIGKILL if SIGTERM is not enough (bluetoothd 5.66
# sometimes hangs on exit after a GATT application vanished), then waits until
# org.bluez is free, or the next one fails with "Name already in use".
bluetoothd_stop() {
        local pid _
        pid=$(cat /run/e2e/bluetoothd.pid 2>/dev/null) || return 0
        rm -f /run/e2e/bluetoothd.pid
        kill "$pid" 2>/dev/null
        if ! timeout 10 tail --pid="$pid" -f /dev/null; then
                log "bluetoothd $pid ignored SIGTERM for 10 s, killing it"
                kill -KILL "$pid" 2>/dev/null
                timeout 10 tail --pid="$pid" -f /dev/null
        fi
        for _ in $(seq 1 20); do
                timeout 5 busctl --system --timeout=3 status org.bluez >/dev/null 2>&1 || return 0
                sleep 0.5
        done
        log "org.bluez still owned after bluetoothd exited"
        return 1
}

# A fresh bluetoothd with empty storage, so that no scenario sees another's
# devices or GATT caches (a cache whose DB hash matched a re-registered
# application made clients skip discovery).
bluez_reset() {
        bluetoothd_stop
        rm -rf /var/lib/bluetooth/*
        bluetoothd_start && return 0
        # Once more: a start can fail under TCG for want of time alone.
        log "bluetoothd did not come up, trying once more"
        bluetoothd_stop
        bluetoothd_start
}

# ---- scenario plumbing ----

# Prefixes each line with CLOCK_MONOTONIC (= the guest's uptime, as in notes).
stamp() {
        perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC \
                -ne 'BEGIN { $| = 1 } printf "[%.2f] %s", clock_gettime(CLOCK_MONOTONIC), $_'
}

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

note() {
        echo "[$(uptime_s)] $*" >&2
}

# bg NAME CMD... : runs CMD in the background (pid in BG_PID), output to
# $S/NAME.log; killed when the scenario ends (SIGTERM, then SIGKILL after 5 s).
bg() {
        local name=$1
        shift
        # <&0: an explicit redirection, or bash gives background jobs /dev/null.
        "$@" <&0 > >(stamp >"$S/$name.log") 2>&1 &
        BG_PID=$!
        echo "$BG_PID $name" >>"$S/.pids"
}

# wait_for TIMEOUT CMD... : retries CMD every 0.5 s until it succeeds.
wait_for() {
        local t=$1 end
        shift
        end=$(($(date +%s) + t))
        until "$@"; do
                [ "$(date +%s)" -lt "$end" ] || return 1
                # Every probe execs a D-Bus client, which is costly under TCG.
                sleep 0.5
        done
}

# wait_log TIMEOUT FILE ERE : waits until FILE has a line matching ERE.
wait_log() {
        wait_for "$1" grep -qE -- "$3" "$2" ||
                fail "timed out after $1 s waiting for /$3/ in $(basename "$2")"
}

# ---- the virtual peripheral (docs/peripheral.md) ----

# peripheral_start [ARGS...]: starts it on hci0 and waits until it advertises
# (with --strap-adapter, until both devices do).
peripheral_start() {
        rm -f "$F/peripheral.ctl"
        mkfifo "$F/peripheral.ctl"
        bg peripheral "$PERIPHERAL" --adapter "$E2E_PERIPHERAL_ADAPTER" \
                --control "$F/peripheral.ctl" --cp-log "$S/peripheral-cp.log" "$@"
        PERIPHERAL_PID=$BG_PID
        wait_log 30 "$S/peripheral.log" '] advertising on /org/bluez/hci0'
        case " $* " in
        *" --strap-adapter "* | *" --footpod-adapter "*)
                wait_log 30 "$S/peripheral.log" '] advertising on /org/bluez/hci2' ;;
        esac
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
        if [ -n "${E2E_DIRTY:-}" ]; then
                bluez_reset || log "bluetoothd did not restart"
        fi
        E2E_DIRTY=1
        log "scenario $name: start"
        t0=$(uptime_s)
        btmon -w "$F/hci.btsnoop" >/dev/null 2>&1 &
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
        kill "$btmon_pid" 2>/dev/null
        wait "$btmon_pid" 2>/dev/null
        cp "$F/hci.btsnoop" "$S/" 2>/dev/null
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

# ---- two links from paced's controller ----

# btvirt (BlueZ 5.66, emulator/btdev.c) gives each end of a new link the
# lowest free connection handle of its own controller, and forwards ACL data
# under the sending end's handle. A link therefore carries data only when both
# ends picked the same handle: paced's hci1 takes 42 for the treadmill, then
# 43 for the strap, but the strap's hci2 would take 42 and its ATT traffic
# would land on the treadmill's link. A placeholder link from the spare hci3
# to the strap takes hci2's 42 first, so the strap link is 43 at both ends;
# the treadmill must then connect before the strap (scenario_strap advertises
# the strap only once the treadmill is connected).
strap_align_handles() {
        local dev
        dev=$(dev_path "$E2E_SPARE_ADAPTER" "$E2E_STRAP_ADDR")
        wait_for 20 prop_is "/org/bluez/$E2E_SPARE_ADAPTER" org.bluez.Adapter1 Powered "b true" ||
                fail "$E2E_SPARE_ADAPTER is not powered"
        # bluetoothd stops a discovery when the client that started it leaves
        # the bus, so a one-shot busctl cannot scan: bluetoothctl stays.
        btctl_start
        btctl "select $E2E_SPARE_ADDR"
        btctl "scan on"
        # btvirt reports advertisements about every 10 s.
        wait_for 40 prop_is "$dev" org.bluez.Device1 Address "s \"$E2E_STRAP_ADDR\"" ||
                fail "hci3 did not find the strap"
        btctl "scan off"
        timeout 40 busctl --system --timeout=30 call org.bluez "$dev" org.bluez.Device1 Connect ||
                fail "hci3 could not connect to the strap"
        note "placeholder link hci3 -> strap up"
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
                # busctl prints the reply as one line of tokens: "path" n "iface" n
                # "UUID" s "uuid" ...; characteristics list UUID first.
                busctl --system call org.bluez / org.freedesktop.DBus.ObjectManager \
                        GetManagedObjects 2>/dev/null | tr ' ' '\n' |
                        awk -v dev="$dev" '
                        /^"\/org\/bluez\// {
                                p = $0; gsub(/"/, "", p)
                                cur = (p ~ ("^" dev "/service[0-9a-f]+/char[0-9a-f]+$")) ? p : ""
                                next
                        }
                        cur != "" && $0 == "\"UUID\"" {
                                getline; getline; u = $0; gsub(/"/, "", u)
                                print u, cur; cur = ""
                        }' >"$map"
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

# ---- paced, on the system bus with a real configuration file ----

# paced_start [CONFIG LINES...]: [Devices] adapter = hci1 plus the given lines
# ("[Safety]" headers allowed), state in tmpfs; waits for the bus name.
# --verbose unless PACED_QUIET=1 (benchmarks: paced as the service runs).
paced_start() {
        local line verbose=(--verbose)
        [ "${PACED_QUIET:-0}" = 1 ] && verbose=()
        mkdir -p "$F/state"
        {
                echo "[Devices]"
                echo "adapter = $E2E_CLIENT_ADAPTER"
                for line in "$@"; do
                        echo "$line"
                done
        } >"$S/paced.conf"
        # The safety monitor aborts paced on any violation: a scenario that
        # breaks an invariant fails (paced_alive, the log) instead of passing.
        bg paced env PACED_SAFETY_MONITOR=abort "$PACED" ${verbose[@]+"${verbose[@]}"} --config "$S/paced.conf" \
                --state-dir "$F/state" ${PACED_ARGS[@]+"${PACED_ARGS[@]}"}
        PACED_PID=$BG_PID
        wait_log 30 "$S/paced.log" 'Acquired the bus name'
}

paced_alive() {
        kill -0 "$PACED_PID" 2>/dev/null || fail "paced is not running any more"
}

pacectl() {
        "$PACECTL" "$@"
}

# status_field NAME: a scalar of `pacectl status --json` (strings unquoted, or null).
status_field() {
        pacectl status --json 2>/dev/null | grep -o "\"$1\":\\(\"[^\"]*\"\\|[^,}]*\\)" | head -n1 |
                cut -d: -f2- | tr -d '"'
}

# device_connected treadmill|strap
device_connected() {
        pacectl status --json 2>/dev/null |
                grep -q "\"$1\":{\"address\":\"[^\"]*\",\"name\":\"[^\"]*\",\"connected\":true"
}

status_is() { # NAME VALUE
        [ "$(status_field "$1")" = "$2" ]
}

status_ge() { # NAME NUMBER
        local v
        v=$(status_field "$1")
        [ -n "$v" ] && [ "$v" != null ] && awk -v a="$v" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

# wait_connected [strap]: the treadmill (and the strap) connected per pacectl status.
wait_connected() {
        wait_for 90 device_connected treadmill || fail "the treadmill never connected"
        if [ "${1:-}" = strap ]; then
                wait_for 30 device_connected strap || fail "the strap never connected"
        fi
        note "connected"
}

# cp_count ERE: how many Control Point log lines match.
cp_count() {
        grep -cE -- "$1" "$S/peripheral-cp.log" 2>/dev/null || true
}

# cp_speeds: the target speeds paced had accepted, in order, one per line.
cp_speeds() {
        sed -n 's/^set-target-speed \([0-9.]*\) -> success$/\1/p' "$S/peripheral-cp.log"
}

# in_order FILE VALUE...: the values appear in FILE's lines in this order.
in_order() {
        local file=$1
        shift
        awk -v want="$*" 'BEGIN { n = split(want, w, " "); i = 1 }
                i <= n && $0 == w[i] { i++ } END { exit !(i > n) }' "$file"
}
