#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Malformed notifications: a 3-byte Treadmill Data record (flags
# announcing the speed, one byte of it) is malformed, not a record with no
# fields. Each one is counted on its device (the Malformed property, pacectl
# status), only the first per device is logged (at warning level), and the
# data that follows still arrives.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
start_paced --simulate --time-scale 20
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

device_prop() {
        busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                "/io/paced/paced1/device/$1" io.paced.paced1.Device "$2" | cut -d' ' -f2-
}
device_prop_is() { [ "$(device_prop "$1" "$2")" = "$3" ]; }

device_prop_is treadmill Malformed 0 || fail "malformed before any: $(device_prop treadmill Malformed)"
for i in 1 2 3; do
        expect_rc 0 pc sim inject malformed-treadmill-data
        # It replaces the next record: wait for it before injecting another.
        wait_for 10 device_prop_is treadmill Malformed "$i" ||
                fail "malformed record $i not counted: $(device_prop treadmill Malformed)"
done
expect_rc 0 pc sim inject malformed-heart-rate
wait_for 10 device_prop_is strap Malformed 1 || fail "strap: $(device_prop strap Malformed)"
device_prop_is treadmill Malformed 3 || fail "treadmill: $(device_prop treadmill Malformed)"

# Once per device in the log.
[ "$(grep -c 'Malformed payload from the treadmill' "$T/paced.log")" = 1 ] ||
        fail "treadmill logged: $(grep 'Malformed payload' "$T/paced.log")"
[ "$(grep -c 'Malformed payload from the strap' "$T/paced.log")" = 1 ] ||
        fail "strap logged: $(grep 'Malformed payload' "$T/paced.log")"
grep -q 'Malformed payload from the treadmill .*(uuid 0x2acd, 3 bytes)' "$T/paced.log" ||
        fail "no detail in: $(grep 'Malformed payload' "$T/paced.log")"

# Shown in status, and the treadmill's data still comes.
pc status > "$T/status"
grep -q 'Treadmill: .*, 3 malformed payloads' "$T/status" || fail "status: $(cat "$T/status")"
pc status --json > "$T/status.json"
grep -q '"treadmill":{[^}]*"malformed":3}' "$T/status.json" ||
        fail "status --json: $(cat "$T/status.json")"
expect_rc 0 pc sim press start
wait_for 10 sh -c "'$PACECTL' status --json | grep -q '\"speed_kmh\":[1-9]'" ||
        fail "no treadmill data after the malformed records: $("$PACECTL" status)"

stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
