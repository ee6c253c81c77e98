#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd, one VM boot: the library's
# 6 x 400 m session and mile time trial at 30 times real time, every command
# across bluetoothd, with the caps and the rate limit checked on what the
# treadmill received; and (sparse_mile, four times real time) a treadmill
# that leaves Total Distance out of every other Treadmill Data record: the
# mile of a time trial and the stored distance against the belt's travel.
set -euo pipefail
# sparse_mile runs a whole mile at 4x.
: "${PACED_E2E_SCENARIO_TIMEOUT:=240}"
export PACED_E2E_SCENARIO_TIMEOUT
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-library scenarios-paced.sh intervals mile sparse_mile
