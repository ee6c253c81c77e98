#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-sync's units and policy: systemd-analyze verify passes for the
# service, the timer and the service it starts; the service's offline
# security exposure stays at or below 2.5 although it needs the network;
# it runs as its own user with its secrets as credentials and no core
# dumps; sysusers creates that user; the D-Bus policy lets root and group
# paced call paced-sync and nobody else (on a bus with the shipped file).
source "$(dirname "$0")/lib.sh"
lib_init
command -v systemd-analyze > /dev/null || { log "SKIP: no systemd-analyze"; exit 77; }
: "${PACED_SYNC:?}"

mkdir -p "$T/unit"
for u in paced-sync.service paced-sync-now.service; do
        [ -f "$PACED_BUILD_DIR/systemd/$u" ] || fail "$u was not generated"
done
sed "s|^ExecStart=.*/paced-sync$|ExecStart=$PACED_SYNC|" "$PACED_BUILD_DIR/systemd/paced-sync.service" \
        > "$T/unit/paced-sync.service"
sed "s|^ExecStart=.*/pacectl sync now$|ExecStart=$PACECTL sync now|" \
        "$PACED_BUILD_DIR/systemd/paced-sync-now.service" > "$T/unit/paced-sync-now.service"
cp "$PACED_SOURCE_DIR/systemd/paced-sync.timer" "$T/unit/"
grep -q "^ExecStart=$PACED_SYNC\$" "$T/unit/paced-sync.service" || fail "ExecStart not rewritten"
(cd "$T/unit" && systemd-analyze verify --man=no paced-sync.service paced-sync.timer \
        paced-sync-now.service) > "$T/verify" 2>&1 || fail "verify: $(cat "$T/verify")"
if grep -v 'paced.service\|network-online' "$T/verify" | grep -q .; then
        fail "systemd-analyze verify printed: $(cat "$T/verify")"
fi
unit="$T/unit/paced-sync.service"
for key in Type=notify User=paced-sync StateDirectory=paced-sync StateDirectoryMode=0700 \
        LoadCredential=paced-sync.intervals-api-key \
        LoadCredential=paced-sync.strava-client-secret LimitCORE=0 BusName=io.paced.sync1 \
        RestartPreventExitStatus=78 UMask=0077; do
        grep -q "^$key\$" "$unit" || fail "unit lacks $key"
done
grep -q '^Unit=paced-sync-now.service$' "$T/unit/paced-sync.timer" || fail "timer target"
grep -q '^Persistent=true$' "$T/unit/paced-sync.timer" || fail "timer not persistent"

systemd-analyze security --offline=true --no-pager "$unit" > "$T/security" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for paced-sync.service: \([0-9.]*\).*/\1/p' \
        "$T/security")
[ -n "$exposure" ] || fail "no exposure score: $(tail -5 "$T/security")"
log "exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }' ||
        fail "exposure $exposure above 2.5: $(grep '✗' "$T/security")"

mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" "$PACED_SOURCE_DIR/systemd/paced-sync.sysusers" \
        > "$T/sysusers" 2>&1 || fail "systemd-sysusers: $(cat "$T/sysusers")"
grep -q '^paced-sync:' "$T/root/etc/passwd" || fail "no user paced-sync"
grep -q '^paced-sync:' "$T/root/etc/group" || fail "no group paced-sync"
systemd-tmpfiles --root="$T/root" --create "$PACED_SOURCE_DIR/systemd/paced-sync.tmpfiles" \
        > "$T/tmpfiles" 2>&1 || fail "systemd-tmpfiles: $(cat "$T/tmpfiles")"
[ "$(stat -c %a "$T/root/etc/credstore")" = 700 ] || fail "credstore mode"

# The policy on a bus of its own: nobody may not call, root may.
policy="$PACED_SOURCE_DIR/systemd/paced-sync-dbus.conf"
xmllint --noout "$policy" || fail "policy is not well-formed"
start_bus "$policy"
printf '' > "$T/sync.conf"
mkdir -p "$T/sync-state"
"$PACED_SYNC" --bus "$BUS_ADDRESS" --config "$T/sync.conf" --state-dir "$T/sync-state" \
        > "$T/sync.log" 2>&1 &
LIB_PIDS+=("$!")
wait_for 20 busctl --address="$BUS_ADDRESS" status io.paced.sync1 || fail "paced-sync: $(cat "$T/sync.log")"
expect_rc 0 env PACED_BUS_ADDRESS="$BUS_ADDRESS" "$PACECTL" sync status
grep -q '^intervals.icu  off' "$T/out" || fail "status: $(cat "$T/out")"
expect_rc 4 setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env PACED_BUS_ADDRESS="$BUS_ADDRESS" "$PACECTL" sync now
grep -qi 'denied\|rejected' "$T/err" || fail "nobody: $(cat "$T/err")"
log "PASS"
