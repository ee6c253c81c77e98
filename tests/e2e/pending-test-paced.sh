#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd and the virtual treadmill (issue
# 7 scenarios 1-9, scenarios-paced.sh), all in one VM boot.
#
# NOT YET ENABLED: ctest registers tests/e2e/test-*.sh only. Rename this file
# to test-paced.sh once main has the Manager wired to the BlueZ transport
# (helper "service") and paced's BlueZ client no longer loses the first
# ServicesResolved after discovery (see the e2e report); until then these
# scenarios cannot pass on main and must not be registered. Run it by hand:
#   PACED_SOURCE_DIR=$PWD PACED_BUILD_DIR=$PWD/build PACED=build/paced \
#   PACECTL=build/pacectl bash tests/e2e/pending-test-paced.sh
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced scenarios-paced.sh discovery by_address workout console_stop link_loss \
        bluetoothd_restart control_errors sigterm malformed
