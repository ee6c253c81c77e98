# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenarios that prove the test bed itself: the virtual peripheral driven by
# BlueZ's own tools (bluetoothctl, busctl), no paced involved.

scenario_adapters() {
        [ "$(bluez_get /org/bluez/hci0 org.bluez.Adapter1 Address)" = "s \"$E2E_PERIPHERAL_ADDR\"" ] ||
                fail "hci0 is not $E2E_PERIPHERAL_ADDR"
        [ "$(bluez_get /org/bluez/hci1 org.bluez.Adapter1 Address)" = "s \"$E2E_CLIENT_ADDR\"" ] ||
                fail "hci1 is not $E2E_CLIENT_ADDR"
}
