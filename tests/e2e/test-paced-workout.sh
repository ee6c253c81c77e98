#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd and the virtual treadmill, one VM
# boot: workouts on the FTMS control point (issue 7 scenarios 4, 5, 7, 8).
#
# Scenario 3 (scenario_workout in scenarios-paced.sh: exact target sequence and
# stored samples) is not run here yet: against bluetoothd 5.66 the BlueZ
# client sometimes rejects the treadmill before its GATT objects are exported
# and never connects (see docs/bluez.md, "Known problems"). Run it by hand with
#   PACED_E2E_SCENARIOS=workout ctest -R e2e/test-paced-workout
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-workout scenarios-paced.sh console_stop link_loss control_errors sigterm
