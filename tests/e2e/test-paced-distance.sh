#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd, one VM boot: a treadmill that
# leaves Total Distance out of every other Treadmill Data record, the mile of
# a time trial and the stored distance against the belt's own travel
# (scenario sparse_mile of scenarios-paced.sh). Four times real time.
set -euo pipefail
: "${PACED_E2E_SCENARIO_TIMEOUT:=240}"
export PACED_E2E_SCENARIO_TIMEOUT
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-distance scenarios-paced.sh sparse_mile
