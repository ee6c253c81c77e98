#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# When paced is not running, pacectl says so in the admin's words, not the
# bus's. The shipped D-Bus activation file names paced's bus name and unit,
# and a bus that can activate paced starts it on the first pacectl call.
source "$(dirname "$0")/lib.sh"
lib_init

: "${PACED_SOURCE_DIR:?}"
service="$PACED_SOURCE_DIR/systemd/io.paced.paced1.service"
grep -qx 'Name=io.paced.paced1' "$service" || fail "the activation file's Name="
grep -qx 'SystemdService=paced.service' "$service" || fail "the activation file's SystemdService="
grep -q '^#define PACED_BUS_NAME *"io.paced.paced1"$' "$PACED_SOURCE_DIR/include/paced-bus.h" ||
        fail "the bus name in include/paced-bus.h is not the activation file's"

# bus_with_services DIR: a permissive private bus that activates from DIR.
bus_with_services() {
        cat > "$T/bus-$1.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$T/bus-$1</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$T/$1</servicedir>
  <policy context="default">
    <allow user="*"/><allow own="*"/>
    <allow send_type="method_call"/><allow send_type="signal"/>
    <allow send_type="method_return"/><allow send_type="error"/>
    <allow receive_type="method_call"/><allow receive_type="signal"/>
    <allow receive_type="method_return"/><allow receive_type="error"/>
  </policy>
</busconfig>
XML
        dbus-daemon --config-file="$T/bus-$1.conf" --nofork --nopidfile > "$T/bus-$1.log" 2>&1 &
        LIB_PIDS+=("$!")
        wait_for 10 test -S "$T/bus-$1" || fail "dbus-daemon: $(cat "$T/bus-$1.log")"
        export PACED_BUS_ADDRESS="unix:path=$T/bus-$1"
}

# No owner, no activation file: "not running", exit 3, for a reading
# command and for a control command alike.
mkdir -p "$T/none"
bus_with_services none
for cmd in status "start easy-run" pause; do
        rc=0
        # shellcheck disable=SC2086 # the words of the command
        "$PACECTL" $cmd > "$T/out" 2> "$T/err" || rc=$?
        [ "$rc" -eq 3 ] || fail "pacectl $cmd: exit $rc"
        [ "$(cat "$T/err")" = "pacectl: paced is not running (systemctl start paced)" ] ||
                fail "pacectl $cmd said: $(cat "$T/err")"
done

# The shipped file on a bus without systemd: activation fails (Exec= is
# /bin/false, systemd would start paced.service); pacectl says that too.
mkdir -p "$T/shipped"
cp "$service" "$T/shipped/"
bus_with_services shipped
rc=0
"$PACECTL" status > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -eq 3 ] || fail "pacectl status, activation failed: exit $rc"
grep -q '^pacectl: paced is not running and could not be started: .*(systemctl status paced)$' \
        "$T/err" || fail "pacectl status, activation failed, said: $(cat "$T/err")"

cat "$T/err" >&2

# A bus that can start paced: the first pacectl call brings it up.
mkdir -p "$T/activating"
sed "s|^Exec=.*|Exec=/usr/bin/env PACED_SAFETY_MONITOR=abort $PACED --simulate --bus unix:path=$T/bus-activating --config $T/paced.conf \
--state-dir $T/state|" "$service" > "$T/activating/io.paced.paced1.service"
bus_with_services activating
"$PACECTL" status > "$T/out" 2> "$T/err" ||
        fail "pacectl status did not activate paced: $(cat "$T/err" "$T/bus-activating.log")"
grep -qi 'idle' "$T/out" || fail "status of the activated paced: $(cat "$T/out")"
pid=$(busctl --address="$PACED_BUS_ADDRESS" status io.paced.paced1 | sed -n 's/^PID=//p')
[ -n "$pid" ] || fail "no pid for the activated paced"
kill "$pid"
wait_for 30 sh -c "! kill -0 $pid 2>/dev/null" || fail "the activated paced did not stop"
log "PASS"
