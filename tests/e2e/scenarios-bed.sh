# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenarios that prove the test bed and the virtual peripheral with BlueZ's
# own tools (bluetoothctl, busctl) as the client on hci1; no paced involved.

scenario_adapters() {
        [ "$(bluez_get /org/bluez/hci0 org.bluez.Adapter1 Address)" = "s \"$E2E_PERIPHERAL_ADDR\"" ] ||
                fail "hci0 is not $E2E_PERIPHERAL_ADDR"
        [ "$(bluez_get /org/bluez/hci1 org.bluez.Adapter1 Address)" = "s \"$E2E_CLIENT_ADDR\"" ] ||
                fail "hci1 is not $E2E_CLIENT_ADDR"
}

# btctl_discover DEVICE_PATH: bluetoothctl on hci1 finds the peripheral.
btctl_discover() {
        btctl_start
        btctl "select $E2E_CLIENT_ADDR"
        btctl "scan on"
        wait_for 30 bluez_get "$1" org.bluez.Device1 Address >/dev/null ||
                fail "the peripheral was not discovered"
        btctl "scan off"
}

# btctl_connect DEVICE_PATH: ... and connects it.
btctl_connect() {
        [ -e "$F/btctl.in" ] || btctl_discover "$1"
        btctl "connect $E2E_PERIPHERAL_ADDR"
        wait_for 60 prop_is "$1" org.bluez.Device1 ServicesResolved "b true" ||
                fail "services never resolved"
        note "services resolved"
}

# Discover, connect, subscribe to HR and treadmill data, drive the Control Point.
scenario_gatt() {
        local dev hrm td cp v speed
        peripheral_start
        dev=$(dev_path "$E2E_CLIENT_ADAPTER" "$E2E_PERIPHERAL_ADDR")

        btctl_discover "$dev"
        bluez_get "$dev" org.bluez.Device1 UUIDs | grep -q "$UUID_FTMS" ||
                fail "no FTMS UUID in the advertisement: $(bluez_get "$dev" org.bluez.Device1 UUIDs)"
        # The advertised name; once connected, BlueZ shows the GAP name instead.
        [ "$(bluez_get "$dev" org.bluez.Device1 Name)" = 's "paced treadmill"' ] ||
                fail "unexpected name: $(bluez_get "$dev" org.bluez.Device1 Name)"
        btctl_connect "$dev"

        hrm=$(char_path "$dev" "$UUID_HRM") || fail "no Heart Rate Measurement"
        td=$(char_path "$dev" "$UUID_TREADMILL_DATA") || fail "no Treadmill Data"
        cp=$(char_path "$dev" "$UUID_FTMS_CP") || fail "no Control Point"
        btctl "menu gatt"
        for c in "$hrm" "$td" "$cp"; do
                btctl "select-attribute $c"
                btctl "notify on"
        done
        wait_log 20 "$S/peripheral.log" '] subscribed 2ad9'

        # Heart rate: uint8 format, contact detected (flags 0x16 with RR: 22).
        wait_for 30 char_value_nonempty "$hrm" || fail "no heart-rate notification"
        v=$(char_value "$hrm")
        note "heart rate measurement: $v"
        set -- $v
        [ $(($1 & 0x01)) = 0 ] && [ $(($1 & 0x06)) = 6 ] || fail "unexpected HR flags $1"
        [ "$2" -ge 40 ] && [ "$2" -le 200 ] || fail "implausible heart rate $2"

        # The control procedure: request control, target speed, start.
        cp_write "$cp" 2 82 3 # set speed without control: refused
        cp_write "$cp" 0
        cp_write "$cp" 2 82 3 # 8.50 km/h (0x0352)
        cp_write "$cp" 3 20 0 # 2.0 %
        cp_write "$cp" 7
        v=$(char_value "$cp")
        [ "$v" = "128 7 1" ] || fail "last CP indication was '$v', expected 80 07 01"

        # Commanded speed shows up in Treadmill Data after acceleration.
        wait_for 45 sh -c "set -- \$(busctl --system get-property org.bluez $td \
                org.bluez.GattCharacteristic1 Value); [ \$((\$5 << 8 | \$4)) -ge 850 ]" ||
                fail "treadmill never reached 8.50 km/h: $(char_value "$td")"

        cp_write "$cp" 8 2 # pause
        cp_write "$cp" 4 1 # resistance: not supported by a treadmill
        diff -u - "$S/peripheral-cp.log" <<'EOT' || fail "unexpected control point log"
set-target-speed 8.50 -> control-not-permitted
request-control -> success
set-target-speed 8.50 -> success
set-target-inclination 2.0 -> success
start-or-resume -> success
stop-or-pause pause -> success
set-target-resistance-level -> op-code-not-supported
EOT
}

# uint16 heart rate with RR intervals, switched at run time.
scenario_hr16() {
        local dev hrm v
        peripheral_start
        dev=$(dev_path "$E2E_CLIENT_ADAPTER" "$E2E_PERIPHERAL_ADDR")
        btctl_connect "$dev"
        hrm=$(char_path "$dev" "$UUID_HRM") || fail "no Heart Rate Measurement"
        btctl "menu gatt"
        btctl "select-attribute $hrm"
        btctl "notify on"
        periph hr16 on
        periph hr 150
        wait_for 30 sh -c "busctl --system get-property org.bluez $hrm \
                org.bluez.GattCharacteristic1 Value | grep -q '^ay [0-9]* 23 150 0 '" ||
                fail "no uint16 heart rate of 150 with RR: $(char_value "$hrm")"
        v=$(char_value "$hrm")
        note "heart rate measurement: $v"
        set -- $v
        # RR at 150 bpm: 0.4 s = ~410/1024 s, +-3 %.
        [ "$#" -ge 5 ] || fail "no RR interval"
        local rr=$(($4 | $5 << 8))
        [ "$rr" -ge 390 ] && [ "$rr" -le 430 ] || fail "RR $rr/1024 s at 150 bpm"
}

