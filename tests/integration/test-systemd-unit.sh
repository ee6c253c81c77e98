#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The unit file: systemd-analyze verify passes, and the offline security
# exposure stays at or below 2.0 ("OK" or better). Also the sysusers/tmpfiles
# files and the bash completion parse.
source "$(dirname "$0")/lib.sh"
lib_init

unit="$PACED_BUILD_DIR/systemd/paced.service"
[ -f "$unit" ] || fail "$unit was not generated (systemd/install.cmake)"
command -v systemd-analyze > /dev/null || { log "SKIP: no systemd-analyze"; exit 77; }

# verify wants the Exec*= binaries to exist: point them at the build.
mkdir -p "$T/unit"
sed -e "s|^ExecStart=.*/paced$|ExecStart=$PACED|" \
        -e "s|^ExecReload=.*/paced --check-config$|ExecReload=$PACED --check-config|" \
        "$unit" > "$T/unit/paced.service"
grep -q "^ExecStart=$PACED\$" "$T/unit/paced.service" || fail "ExecStart not rewritten"
grep -q "^ExecReload=$PACED --check-config\$" "$T/unit/paced.service" ||
        fail "ExecReload= does not check the config first"
systemd-analyze verify --man=no "$T/unit/paced.service" > "$T/verify" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$T/verify")"
# Warnings count too (unknown keys are warnings, not errors, for verify).
if grep -v 'bluetooth.service' "$T/verify" | grep -q .; then
        fail "systemd-analyze verify printed: $(cat "$T/verify")"
fi

for key in PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX$ Type=notify WatchdogSec= Restart=on-failure User=paced SupplementaryGroups=bluetooth \
        StateDirectory=paced ConfigurationDirectory=paced BusName=io.paced.paced1; do
        grep -q "^$key" "$unit" || fail "unit lacks $key"
done

systemd-analyze security --offline=true --no-pager "$T/unit/paced.service" > "$T/security" 2>&1 ||
        true
exposure=$(sed -n 's/.*Overall exposure level for paced.service: \([0-9.]*\).*/\1/p' \
        "$T/security")
[ -n "$exposure" ] || fail "no exposure score: $(tail -5 "$T/security")"
log "exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
        fail "exposure $exposure above 2.0: $(grep '✗' "$T/security")"

# The security threshold check itself must be able to fail: a unit without
# hardening scores far above 2.0.
printf '[Service]\nExecStart=%s\n' "$PACED" > "$T/unit/bare.service"
systemd-analyze security --offline=true --no-pager "$T/unit/bare.service" > "$T/bare" 2>&1 || true
bare=$(sed -n 's/.*Overall exposure level for bare.service: \([0-9.]*\).*/\1/p' "$T/bare")
awk -v e="$bare" 'BEGIN { exit !(e > 2.0) }' || fail "bare unit scored $bare: check is vacuous"

# PrivateNetwork=yes: paced in a network namespace of its own (as systemd
# sets it up) still reaches the bus on its path socket and serves pacectl.
if unshare --net true 2> /dev/null; then
        start_bus
        PACED_SAFETY_MONITOR=abort unshare --net "$PACED" --simulate --bus "$BUS_ADDRESS" \
                --config "$T/paced.conf" --state-dir "$T/state" >> "$T/paced.log" 2>&1 &
        PACED_PID=$!
        LIB_PIDS+=("$PACED_PID")
        wait_for 20 paced_owns_name || fail "paced without a network: no bus name"
        "$PACECTL" --bus "$BUS_ADDRESS" status > "$T/status" 2>&1 ||
                fail "pacectl status to paced without a network: $(cat "$T/status")"
        stop_paced TERM
        [ "$PACED_RC" -eq 0 ] || fail "paced without a network: exit $PACED_RC"
else
        log "(unshare --net not permitted here: PrivateNetwork= not exercised)"
fi

# The audio drop-in is a valid drop-in for the unit.
mkdir -p "$T/unit/paced.service.d"
cp "$PACED_SOURCE_DIR/systemd/paced-audio.conf" "$T/unit/paced.service.d/audio.conf"
systemd-analyze verify --man=no "$T/unit/paced.service" > "$T/verify2" 2>&1 ||
        fail "with the audio drop-in: $(cat "$T/verify2")"

# sysusers: creates user and group paced in a scratch root.
mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" "$PACED_SOURCE_DIR/systemd/paced.sysusers" > "$T/sysusers" 2>&1 ||
        fail "systemd-sysusers: $(cat "$T/sysusers")"
grep -q '^paced:' "$T/root/etc/passwd" || fail "sysusers did not create user paced"
grep -q '^paced:' "$T/root/etc/group" || fail "sysusers did not create group paced"
# tmpfiles: the state directory with the right mode.
systemd-tmpfiles --root="$T/root" --create "$PACED_SOURCE_DIR/systemd/paced.tmpfiles" \
        > "$T/tmpfiles" 2>&1 || fail "systemd-tmpfiles: $(cat "$T/tmpfiles")"
[ "$(stat -c %a "$T/root/var/lib/paced")" = 750 ] || fail "state dir mode"

# paced-web's unit: valid, hardened (a network service: at most 2.0 as well),
# its own user in group paced, and its socket unit.
web_unit="$PACED_BUILD_DIR/systemd/paced-web.service"
if [ -f "$web_unit" ]; then
        sed "s|^ExecStart=.*/paced-web$|ExecStart=${PACED_WEB:-$PACED}|" "$web_unit" \
                > "$T/unit/paced-web.service"
        cp "$PACED_SOURCE_DIR/systemd/paced-web.socket" "$T/unit/"
        systemd-analyze verify --man=no "$T/unit/paced-web.service" "$T/unit/paced-web.socket" \
                > "$T/verify-web" 2>&1 || fail "verify paced-web: $(cat "$T/verify-web")"
        ! grep -q . "$T/verify-web" || fail "verify paced-web printed: $(cat "$T/verify-web")"
        for key in Type=notify User=paced-web SupplementaryGroups=paced StateDirectory=paced-web \
                BusName=io.paced.web1 IPAddressDeny=any IPAddressAllow= ProtectSystem=strict; do
                grep -q "^$key" "$web_unit" || fail "paced-web unit lacks $key"
        done
        systemd-analyze security --offline=true --no-pager "$T/unit/paced-web.service" \
                > "$T/security-web" 2>&1 || true
        exposure=$(sed -n 's/.*Overall exposure level for paced-web.service: \([0-9.]*\).*/\1/p' \
                "$T/security-web")
        log "paced-web exposure: $exposure"
        awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }' ||
                fail "paced-web exposure $exposure above 2.0: $(grep '✗' "$T/security-web")"
        systemd-sysusers --root="$T/root" "$PACED_SOURCE_DIR/systemd/paced-web.sysusers" \
                > "$T/sysusers-web" 2>&1 || fail "sysusers paced-web: $(cat "$T/sysusers-web")"
        grep -q '^paced-web:' "$T/root/etc/passwd" || fail "no user paced-web"
        grep -q '^paced:.*paced-web' "$T/root/etc/group" || fail "paced-web is not in group paced"
        xmllint --noout "$PACED_SOURCE_DIR/systemd/paced-web-dbus.conf" || fail "paced-web policy"
fi

bash -n "$PACED_SOURCE_DIR/systemd/pacectl.bash-completion" || fail "completion syntax"
for page in paced.8 pacectl.1 paced.conf.5 paced-web.8; do
        if command -v man > /dev/null; then
                LC_ALL=C.UTF-8 man --warnings -l "$PACED_SOURCE_DIR/docs/$page" > /dev/null \
                        2> "$T/man" || fail "man $page"
                [ ! -s "$T/man" ] || fail "man $page warnings: $(cat "$T/man")"
        fi
done
log "PASS"
