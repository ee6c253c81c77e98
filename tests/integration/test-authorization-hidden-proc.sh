#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Group membership as paced sees it under its unit: paced.service runs with
# ProtectProc=invisible, so the caller's /proc/PID/status (where libsystemd
# 252 looks for the groups the bus driver's creds lack) is hidden. A member
# of the admin group (supplementary) must still get through, through the
# driver's UnixGroupIDs; anybody else is still refused. Reproduced here with
# paced as nobody in a mount namespace whose /proc has hidepid=invisible and
# the caller as another user (found under systemd: test-paced-systemd.sh).
source "$(dirname "$0")/lib.sh"
lib_init
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to switch users and mount /proc"; exit 77; }
command -v unshare > /dev/null || { log "SKIP: no unshare"; exit 77; }

start_bus
chmod 0755 "$T"
chown nobody "$T/state"
: > "$T/paced.conf"
chmod 0644 "$T/paced.conf"
users_gid=$(getent group users | cut -d: -f3)
# unshare --fork ignores SIGTERM while it waits: the cleanup signals paced
# itself (the shell's pid, which exec makes paced's), then waits for unshare.
unshare --mount --fork --kill-child=TERM sh -c 'mount -t proc -o hidepid=invisible proc /proc &&
        echo $$ > "$0/paced.pid" &&
        exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"' "$T" \
        "$PACED" --simulate --admin-group users --bus "$BUS_ADDRESS" --config "$T/paced.conf" \
        --state-dir "$T/state" >> "$T/paced.log" 2>&1 &
unshare_pid=$!
wait_for 20 test -s "$T/paced.pid" || fail "paced did not start: $(cat "$T/paced.log")"
PACED_PID=$(cat "$T/paced.pid")
LIB_PIDS+=("$PACED_PID" "$unshare_pid")
wait_for 20 paced_owns_name || fail "paced did not take its bus name: $(cat "$T/paced.log")"

# as_caller: uid daemon (not paced's uid, so its /proc entry is hidden from
# paced), supplementary group users.
as_caller() {
        setpriv --reuid=daemon --regid=nogroup --groups="$users_gid" env \
                PACED_BUS_ADDRESS="$BUS_ADDRESS" "$PACECTL" "$@"
}
expect_rc 1 as_caller pause
grep -q 'No workout' "$T/err" || fail "a member of the admin group was refused: $(cat "$T/err")"
expect_rc 4 pc_nobody pause
grep -q "Only root and members of the 'users' group" "$T/err" || fail "nobody: $(cat "$T/err")"
log "PASS"
