#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd and the virtual treadmill, one VM
# boot: finding and keeping the devices, a separate strap among them
# (scenarios 1, 2, 6 and 9 of scenarios-paced.sh) and one device as both
# roles (scenario 10).
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-link scenarios-paced.sh discovery strap scan by_address bluetoothd_restart malformed shared_device
