#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd and the virtual treadmill, one VM
# boot: workouts on the FTMS control point (scenarios 3, 4, 5, 7 and 8 of
# scenarios-paced.sh).
# One scenario alone: PACED_E2E_SCENARIOS=workout ctest -R e2e/test-paced-workout
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-workout scenarios-paced.sh workout console_stop link_loss control_errors sigterm
