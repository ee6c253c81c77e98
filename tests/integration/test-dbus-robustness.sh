#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The D-Bus API against hostile callers, on a bus that lets everybody call
# everything (so paced's own checks are what is tested):
#  1. every method paced exports (found by introspection, so a method added
#     later is covered too) is refused to an unprivileged caller with
#     io.paced.paced1.Error.NotPermitted, whatever its arguments;
#  2. malformed arguments (wrong signature, out of range, NaN, garbage
#     JSON, unknown names) get a typed error, change nothing, and paced
#     keeps running its workout.
source "$(dirname "$0")/lib.sh"
lib_init
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to switch users"; exit 77; }
command -v dbus-send > /dev/null || { log "SKIP: dbus-send missing"; exit 77; }
start_bus
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 5 --admin-group users
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

# call [--as-nobody] IFACE METHOD ARGS...: dbus-send; output in $T/out.
call() {
        local pre=()
        if [ "$1" = --as-nobody ]; then
                pre=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
                shift
        fi
        local iface=$1 method=$2
        shift 2
        "${pre[@]}" dbus-send --bus="$BUS_ADDRESS" --print-reply --reply-timeout=10000 \
                --dest=io.paced.paced1 /io/paced/paced1 "$iface.$method" "$@" > "$T/out" 2>&1
}
# expect_error NAME IFACE METHOD ARGS...: the call fails with exactly NAME.
expect_error() {
        local want=$1
        shift
        if call "$@"; then
                fail "$* succeeded: $(cat "$T/out")"
        fi
        grep -q "^Error $want:" "$T/out" || fail "$*: expected $want, got: $(cat "$T/out")"
}

# ---- 1: every exported method, as nobody ----
busctl --address="$BUS_ADDRESS" introspect --xml-interface io.paced.paced1 /io/paced/paced1 \
        > "$T/introspect.xml"
python3 - "$T/introspect.xml" > "$T/methods" <<'PY'
import sys
import xml.etree.ElementTree as ET
typed = {"s": "string:x", "b": "boolean:false", "u": "uint32:1", "i": "int32:1",
         "d": "double:1", "t": "uint64:1", "n": "int16:1", "q": "uint16:1", "y": "byte:1"}
for iface in ET.parse(sys.argv[1]).getroot().findall("interface"):
    name = iface.get("name")
    if not name.startswith("io.paced.paced1"):
        continue
    for m in iface.findall("method"):
        ins = [a.get("type") for a in m.findall("arg") if a.get("direction", "in") == "in"]
        if all(t in typed for t in ins):
            print(name, m.get("name"), *[typed[t] for t in ins])
        else:
            # dbus-send cannot write arrays of structs: busctl, with an empty array.
            sig = "".join(ins)
            vals = ["0" if t.startswith("a") else "1" if t in "ubtdinqy" else "x" for t in ins]
            print(name, m.get("name"), "busctl", sig, *vals)
PY
n_methods=$(wc -l < "$T/methods")
grep -q '^io.paced.paced1.Manager StartWorkout ' "$T/methods" || fail "introspection: $(cat "$T/methods")"
grep -q '^io.paced.paced1.Simulator ' "$T/methods" || fail "no Simulator interface with --simulate"
while read -r iface method args; do
        # Reading the plan is open to everyone, as properties are.
        if [ "$method" = GetSchedule ]; then
                call --as-nobody "$iface" "$method" || fail "GetSchedule refused: $(cat "$T/out")"
                continue
        fi
        # And the runner profile (here with a bad format: refused for that, not the caller).
        if [ "$method" = GetProfile ]; then
                call --as-nobody "$iface" "$method" string:x || true
                grep -q 'Error.InvalidArgument' "$T/out" || fail "GetProfile as nobody: $(cat "$T/out")"
                call --as-nobody "$iface" "$method" string:text ||
                        fail "GetProfile refused: $(cat "$T/out")"
                continue
        fi
        # So is the calibration estimate (NotSupported here: no footpod configured).
        if [ "$method" = GetCalibrationEstimate ]; then
                call --as-nobody "$iface" "$method" || true
                grep -q 'Error.NotSupported' "$T/out" ||
                        fail "GetCalibrationEstimate as nobody: $(cat "$T/out")"
                continue
        fi
        if [[ "$args" == busctl* ]]; then
                rc=0
                # shellcheck disable=SC2086
                setpriv --reuid=nobody --regid=nogroup --clear-groups busctl \
                        --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 "$iface" \
                        "$method" ${args#busctl } > "$T/out" 2>&1 || rc=$?
                [ "$rc" -ne 0 ] && grep -q 'Only root' "$T/out" ||
                        fail "$method as nobody: $(cat "$T/out")"
                continue
        fi
        # shellcheck disable=SC2086
        expect_error io.paced.paced1.Error.NotPermitted --as-nobody "$iface" "$method" $args
done < "$T/methods"
log "all $n_methods methods refused to nobody"
# Refused calls changed nothing.
prop_is State '"idle"' || fail "state changed by refused calls: $(prop State)"

# ---- 2: malformed arguments, as root, with a workout running ----
M=io.paced.paced1.Manager
S=io.paced.paced1.Simulator
expect_rc 0 pc start easy-run
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
step=$(prop StepIndex)

# Wrong signatures: sd-bus refuses them before paced's code runs.
expect_error org.freedesktop.DBus.Error.InvalidArgs $M ExtendStep string:30
expect_error org.freedesktop.DBus.Error.InvalidArgs $M AdjustSpeed uint32:1
expect_error org.freedesktop.DBus.Error.InvalidArgs $M StartWorkout string:easy-run
expect_error org.freedesktop.DBus.Error.InvalidArgs $M Pause string:now
# Out of range, NaN, infinite.
expect_error io.paced.paced1.Error.InvalidArgument $M ExtendStep uint32:0
expect_error io.paced.paced1.Error.InvalidArgument $M ExtendStep uint32:3601
expect_error io.paced.paced1.Error.InvalidArgument $M ExtendStep uint32:4294967295
expect_error io.paced.paced1.Error.InvalidArgument $M AdjustSpeed double:5.5
expect_error io.paced.paced1.Error.InvalidArgument $M AdjustSpeed double:-1e308
expect_error io.paced.paced1.Error.InvalidArgument $M AdjustSpeed double:nan
expect_error io.paced.paced1.Error.InvalidArgument $M AdjustSpeed double:inf
expect_error io.paced.paced1.Error.InvalidArgument $M SetSchedule 'string:{"version":1,"weeks":'
expect_error io.paced.paced1.Error.InvalidArgument $M SetSchedule "string:$(head -c 3000 /dev/zero | tr '\0' '{')"
expect_error io.paced.paced1.Error.InvalidArgument $S PressButton string:banana
expect_error io.paced.paced1.Error.InvalidArgument $S InjectFault string:
expect_error io.paced.paced1.Error.InvalidArgument $S Reconnect string:toaster
# Not a library name nor an absolute path; busy while running.
expect_error io.paced.paced1.Error.Busy $M StartWorkout string:../../etc/passwd boolean:false
# Nothing moved: still running the same step at the speed it had.
prop_is State '"running"' || fail "state changed by rejected calls: $(prop State)"
[ "$(prop SpeedOverride)" = 0 ] || fail "override changed: $(prop SpeedOverride)"
prop_is StepIndex "$step" || [ "$(prop StepIndex)" -eq $((step + 1)) ] ||
        fail "step jumped: $step -> $(prop StepIndex)"
expect_rc 0 pc stop
expect_error io.paced.paced1.Error.InvalidArgument $M StartWorkout string:../../etc/passwd boolean:false
expect_error io.paced.paced1.Error.InvalidArgument $M StartWorkout string:/nonexistent/x.txt boolean:false
kill -0 "$PACED_PID" || fail "paced died"
grep -q 'AddressSanitizer\|runtime error' "$T/paced.log" && fail "sanitizer report in the log"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
log "PASS"
