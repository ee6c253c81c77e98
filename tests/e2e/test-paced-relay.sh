#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced's relay end to end against a real bluetoothd, one VM boot: a central
# on another controller subscribes to paced's RSC Measurement and receives the
# treadmill's speed and distance (scenario 11 of scenarios-paced.sh); a
# footpod peer on a third controller feeds paced, whose calibration estimate
# converges to the peer's factor (scenario 12).
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-relay scenarios-paced.sh relay footpod
