#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced as a Debian service under a real systemd (PID 1 in the guest, on a
# writable overlay of the host root): the package tools/check-deb builds is
# installed with dpkg -i and checked as an admin would (systemctl, pacectl,
# journalctl, bus activation, reload, stop). Needs the .deb: PACED_E2E_DEB
# (tools/run-tests passes the one check-deb kept); skipped without it.
set -euo pipefail
. "$(dirname "$0")/lib/vm.sh"
if [ -z "${PACED_E2E_DEB:-}" ]; then
        echo "e2e: SKIPPED: set PACED_E2E_DEB to the paced .deb" \
                "(tools/check-deb --keep DIR builds it; tools/run-tests does)"
        exit "$E2E_SKIP_CODE"
fi
[ -f "$PACED_E2E_DEB" ] || e2e_die "PACED_E2E_DEB=$PACED_E2E_DEB: no such file"
PACED_E2E_DEB=$(realpath "$PACED_E2E_DEB")
case "$PACED_E2E_DEB" in
/tmp/*) e2e_die "the .deb must live outside /tmp: the guest has its own /tmp" ;;
esac
export PACED_E2E_DEB
: "${PACED_E2E_TIMEOUT:=300}"
export PACED_E2E_TIMEOUT
E2E_GUEST_INIT=systemd
e2e_run paced-systemd scenarios-systemd.sh service
