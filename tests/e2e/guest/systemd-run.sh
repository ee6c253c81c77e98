#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stage two of the e2e guest when systemd is PID 1 (E2E_GUEST_INIT=systemd):
# run by e2e-run.service once basic.target is up, with the system bus
# socket-activated by systemd. No btvirt or bluetoothd here: these scenarios
# test paced as a packaged service. e2e-run.service powers the VM off when
# this script exits.

R=/run/e2e/results
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
# shellcheck source=/dev/null
. "$R/config.sh"
# The installed package's binaries, not the build tree's (lib.sh's pacectl).
PACED=/usr/sbin/paced
PACECTL=/usr/bin/pacectl

uptime_s() {
        cut -d' ' -f1 /proc/uptime
}

log() {
        echo "e2e-guest[$(uptime_s)]: $*" | tee -a "$R/guest.log" >/dev/console
}

# devtmpfs has no /dev/fd: bash's process substitution needs it (systemd
# makes these links itself, but only when it mounted /dev).
[ -e /dev/fd ] || ln -sf /proc/self/fd /dev/fd

# shellcheck source=tests/e2e/guest/lib.sh
. "$E2E_SRC/tests/e2e/guest/lib.sh"

log "stage two under $(readlink /proc/1/exe) (PID 1), kernel $(uname -r)"
# scenario_run keeps each scenario's slice of the bluetoothd log.
: >"$R/bluetoothd.log"
uptime_s >"$R/boot.time"
touch "$R/boot.done"

# shellcheck source=/dev/null
. "$E2E_SCENARIO_FILE"

for s in "${E2E_SCENARIOS[@]}"; do
        scenario_run "$s"
done
journalctl -b --no-pager -o short-monotonic >"$R/journal.log" 2>&1
log "all scenarios done"
