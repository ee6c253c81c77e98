#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The e2e test bed itself: a real bluetoothd in a qemu VM with the virtual
# treadmill + strap, exercised with BlueZ's own tools.
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run bed scenarios-bed.sh adapters gatt hr16
