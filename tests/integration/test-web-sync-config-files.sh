#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-web and paced-sync read their configuration non-blocking, as a
# regular file, capped at 64 KiB: a FIFO named as the configuration is
# refused at once (it used to hang the service in open() before it logged
# anything), and so is a device or an oversized file.
source "$(dirname "$0")/lib.sh"
lib_init
[ -n "${PACED_WEB:-}" ] || { log "SKIP: paced-web not built"; exit 77; }
mkfifo "$T/fifo.conf"
head -c 100000 /dev/zero | tr '\0' '#' > "$T/big.conf"
for bin in "$PACED_WEB" "$PACED_SYNC"; do
        name=$(basename "$bin")
        for conf in "$T/fifo.conf" /dev/zero "$T/big.conf"; do
                rc=0
                timeout 10 "$bin" --config "$conf" > "$T/out" 2>&1 < /dev/null || rc=$?
                [ "$rc" -ne 124 ] || fail "$name --config $conf hung"
                [ "$rc" -ne 0 ] || fail "$name --config $conf was accepted"
                grep -q -i "not a regular file\|larger than 64 KiB" "$T/out" ||
                        fail "$name --config $conf: $(cat "$T/out")"
        done
        log "$name: FIFO, device and oversized configurations refused"
done
log "PASS"
