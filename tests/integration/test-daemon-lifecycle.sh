#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced as a service on a private bus: READY=1 only once the bus name is
# owned, STATUS= and WATCHDOG=1 notifications, properties and device objects
# readable, pacectl status/devices/--json, SIGHUP reload (a bad file keeps the
# old config), SIGTERM exits 0.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
start_notify

export WATCHDOG_USEC=1000000
start_paced --simulate
unset WATCHDOG_USEC NOTIFY_SOCKET

# READY=1 is sent after the name is acquired: once we see it, the name is owned.
wait_for 10 grep -qx 'READY=1' "$T/notify" || fail "no READY=1"
paced_owns_name || fail "READY=1 before the bus name was owned"
wait_for 10 grep -q '^STATUS=.*idle' "$T/notify" || fail "no STATUS= line"
# Watchdog pings at half of WatchdogSec: several within a few seconds.
pings_at_least() { [ "$(grep -cx 'WATCHDOG=1' "$T/notify")" -ge "$1" ]; }
wait_for 10 pings_at_least 3 || fail "no watchdog pings"

prop_is State '"idle"' || fail "State is $(prop State)"
prop_is StepIndex "-1" || fail "StepIndex is $(prop StepIndex)"
prop_is Version "\"$("$PACED" --version | cut -d' ' -f2)\"" || fail "Version mismatch"

busctl --address="$BUS_ADDRESS" tree io.paced.paced1 > "$T/tree"
grep -q '/io/paced/paced1/device/treadmill' "$T/tree" || fail "no treadmill object"
grep -q '/io/paced/paced1/device/strap' "$T/tree" || fail "no strap object"
[ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
        /io/paced/paced1/device/treadmill io.paced.paced1.Device Kind)" = 's "treadmill"' ] ||
        fail "treadmill Kind"

expect_rc 0 pc status
grep -q 'State: idle' "$T/out" || fail "status text: $(cat "$T/out")"
expect_rc 0 pc status --json
grep -q '"state":"idle"' "$T/out" || fail "status --json: $(cat "$T/out")"
grep -q '"devices":{"treadmill":{' "$T/out" || fail "status --json lacks devices"
expect_rc 0 pc devices --json
grep -q '"kind":"strap"' "$T/out" || fail "devices --json: $(cat "$T/out")"
expect_rc 0 pc watch --count 2 --lines
[ "$(grep -c '^idle' "$T/out")" -eq 2 ] || fail "watch --count 2: $(cat "$T/out")"
# Global --bus works as well as the environment.
expect_rc 0 env -u PACED_BUS_ADDRESS "$PACECTL" --bus "$BUS_ADDRESS" status --json
# Usage errors exit 2 without touching the bus.
expect_rc 2 pc extend nope
expect_rc 2 pc speed 0.5
expect_rc 2 pc status --bogus

# The empty config has no max_hr: the zones are off, and paced says so once
# at start (it said it twice), not again at a reload that leaves them off,
# once more at one that turns them off again.
zones_off() { grep -c 'Heart-rate zones are off' "$T/paced.log"; }
reloaded() { [ "$(grep -c 'Reloaded configuration' "$T/paced.log")" -ge "$1" ]; }
[ "$(zones_off)" -eq 1 ] || fail "zones-off said $(zones_off) times at start"

# SIGHUP: a valid change is applied (Units is a property)...
printf '[Runner]\nunits = mi\n' > "$T/paced.conf"
kill -HUP "$PACED_PID"
wait_for 10 prop_is Units '"mi"' || fail "reload did not apply units = mi"
wait_for 10 reloaded 1 || fail "no reload logged"
printf '[Runner]\nunits = mi\nmax_hr = 190\n' > "$T/paced.conf"
kill -HUP "$PACED_PID"
wait_for 10 reloaded 2 || fail "max_hr = 190 not reloaded"
printf '[Runner]\nunits = mi\n' > "$T/paced.conf"
kill -HUP "$PACED_PID"
wait_for 10 reloaded 3 || fail "no max_hr not reloaded"
[ "$(zones_off)" -eq 2 ] || fail "zones-off said $(zones_off) times, not at start and when off again"
# ... an invalid one is refused with its line number and the old one kept.
printf '[Runner]\nunits = km\n[Safety]\nmax_speed = 99\n' > "$T/paced.conf"
kill -HUP "$PACED_PID"
wait_for 10 grep -q 'paced.conf:4: \[Safety\] max_speed: 99' "$T/paced.log" ||
        fail "invalid reload not reported with its line"
grep -q 'Keeping the previous configuration' "$T/paced.log" || fail "no keep message"
prop_is Units '"mi"' || fail "invalid reload changed the config"
kill -0 "$PACED_PID" || fail "paced died on an invalid reload"

# "systemctl reload paced": the unit's ExecReload= commands in order, as
# systemd runs them (the first failure fails the reload), on this paced and
# its config file. A broken file must fail the reload, a good one apply.
unit_reload() {
        local cmd
        while IFS= read -r cmd; do
                cmd=${cmd#ExecReload=}
                cmd=${cmd//\$MAINPID/$PACED_PID}
                [[ "$cmd" == */paced\ * ]] && cmd="$PACED --config $T/paced.conf ${cmd#*/paced }"
                eval "$cmd" >> "$T/reload.log" 2>&1 || return 1
        done < <(grep '^ExecReload=' "$PACED_BUILD_DIR/systemd/paced.service")
}
grep -q '^ExecReload=' "$PACED_BUILD_DIR/systemd/paced.service" || fail "the unit has no ExecReload="
! unit_reload || fail "systemctl reload succeeded on a broken config"
grep -q 'paced.conf:4: .*max_speed' "$T/reload.log" || fail "the reload's error: $(cat "$T/reload.log")"
prop_is Units '"mi"' || fail "a failed reload changed the config"
printf '[Runner]\nunits = km\n' > "$T/paced.conf"
unit_reload || fail "systemctl reload failed on a good config: $(cat "$T/reload.log")"
wait_for 10 prop_is Units '"km"' || fail "the unit's reload did not apply units = km"

stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "SIGTERM: exit $PACED_RC"
grep -q 'STOPPING=1' "$T/notify" || fail "no STOPPING=1"
expect_rc 3 pc status

# --bus user: the session bus from DBUS_SESSION_BUS_ADDRESS.
: > "$T/paced.conf"
DBUS_SESSION_BUS_ADDRESS="$BUS_ADDRESS" "$PACED" --bus user --simulate --config "$T/paced.conf" \
        --state-dir "$T/state" >> "$T/paced.log" 2>&1 &
PACED_PID=$!
LIB_PIDS+=("$PACED_PID")
wait_for 20 paced_owns_name || fail "--bus user: no bus name"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "--bus user: exit $PACED_RC"
log "PASS"
