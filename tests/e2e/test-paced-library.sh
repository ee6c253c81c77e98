#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced end to end against a real bluetoothd, one VM boot: the library's
# 6 x 400 m session and mile time trial at 30 times real time, every command
# across bluetoothd, with the caps and the rate limit checked on what the
# treadmill received.
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
e2e_run paced-library scenarios-paced.sh intervals mile
