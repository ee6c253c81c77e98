#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Authorization, both halves:
#  1. paced's own credential check, on a bus that lets everybody call
#     everything: an unprivileged caller may read but every state-changing
#     method is refused with NotPermitted (pacectl exit 4); root, and members
#     of the admin group (primary or supplementary), get through; the sync
#     group gets paced-sync's three methods and no others.
#  2. the shipped D-Bus policy file, loaded into a restrictive bus: the bus
#     itself refuses the unprivileged caller's method calls but lets it read.
source "$(dirname "$0")/lib.sh"
lib_init
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to switch users"; exit 77; }

# ---- 1: the in-daemon check ----
start_bus
start_paced --simulate --admin-group users --sync-group audio

expect_rc 0 pc_nobody status --json
grep -q '"state":"idle"' "$T/out" || fail "nobody cannot read: $(cat "$T/out")"
for cmd in "start easy-run" pause resume stop skip "extend 30" faster "speed -0.5" \
        "schedule clear" "devices --scan=1"; do
        # shellcheck disable=SC2086
        expect_rc 4 pc_nobody $cmd
        grep -q "Only root and members of the 'users' group" "$T/err" ||
                fail "'$cmd' as nobody: $(cat "$T/err")"
done
# Refusal comes before argument checks: no information leaks to the caller.
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --address="$BUS_ADDRESS" call \
        io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager ExtendStep u 0 \
        > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q 'Only root' "$T/err" || fail "ExtendStep 0 as nobody: $(cat "$T/err")"
grep -q 'Refused a state-changing call from uid 65534' "$T/paced.log" || fail "refusal not logged"

# Root gets through to the daemon (which then says there is no workout).
expect_rc 1 pc pause
grep -q 'No workout' "$T/err" || fail "root pause: $(cat "$T/err")"
# The admin group as primary group...
users_gid=$(getent group users | cut -d: -f3)
rc=0
setpriv --reuid=nobody --regid=users --clear-groups env PACED_BUS_ADDRESS="$BUS_ADDRESS" \
        "$PACECTL" pause > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'No workout' "$T/err" || fail "primary group: rc $rc $(cat "$T/err")"
# ... and as a supplementary group.
rc=0
setpriv --reuid=nobody --regid=nogroup --groups="$users_gid" env \
        PACED_BUS_ADDRESS="$BUS_ADDRESS" "$PACECTL" pause > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'No workout' "$T/err" || fail "supplementary group: rc $rc $(cat "$T/err")"

# The sync group: paced-sync's three methods, and nothing that moves the belt.
audio_gid=$(getent group audio | cut -d: -f3)
as_sync() {
        setpriv --reuid=nobody --regid=nogroup --groups="$audio_gid" env \
                PACED_BUS_ADDRESS="$BUS_ADDRESS" "$@"
}
expect_rc 0 as_sync busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 \
        io.paced.paced1.Manager ListSessions t 0
expect_rc 0 as_sync busctl --address="$BUS_ADDRESS" call io.paced.paced1 /io/paced/paced1 \
        io.paced.paced1.Manager SetPlannedWorkouts 'sa(ssss)' test 0
for cmd in "start easy-run" pause stop "schedule clear"; do
        # shellcheck disable=SC2086
        expect_rc 4 as_sync "$PACECTL" $cmd
        grep -q "Only root and members of the 'users' group" "$T/err" ||
                fail "'$cmd' as the sync group: $(cat "$T/err")"
done
for args in "ListSessions t 0" "ExportSession ts 1 fit" "SetPlannedWorkouts sa(ssss) test 0"; do
        rc=0
        # shellcheck disable=SC2086
        setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --address="$BUS_ADDRESS" \
                call io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager $args \
                > "$T/out" 2> "$T/err" || rc=$?
        [ "$rc" -ne 0 ] && grep -q 'Only root' "$T/err" || fail "$args as nobody: $(cat "$T/err")"
done
stop_paced TERM

# ---- 2: the shipped policy file ----
policy="$PACED_SOURCE_DIR/systemd/paced-dbus.conf"
xmllint --noout "$policy" || fail "policy is not well-formed XML"
# A second bus with the real policy.
kill "$DBUS_PID"; wait "$DBUS_PID" 2>/dev/null || true
rm -f "$T/bus"
start_bus "$policy"
start_paced --simulate

expect_rc 0 pc_nobody status --json
grep -q '"state":"idle"' "$T/out" || fail "policy: nobody cannot read: $(cat "$T/out")"
expect_rc 0 setpriv --reuid=nobody --regid=nogroup --clear-groups busctl \
        --address="$BUS_ADDRESS" introspect io.paced.paced1 /io/paced/paced1
expect_rc 4 pc_nobody pause
grep -qi 'denied\|rejected' "$T/err" || fail "policy: pause as nobody: $(cat "$T/err")"
# Everyone may read the profile paced trains with; only group paced changes it.
expect_rc 0 pc_nobody profile
grep -q 'Runner profile paced trains with' "$T/out" || fail "policy: nobody's profile: $(cat "$T/out")"
expect_rc 4 pc_nobody profile set mile=6:00
grep -qi 'denied\|rejected' "$T/err" || fail "policy: profile set as nobody: $(cat "$T/err")"
[ ! -e "$T/paced.conf.d/90-profile.conf" ] || fail "policy: nobody changed the profile"
# Root is allowed by the policy and reaches paced.
expect_rc 1 pc pause
grep -q 'No workout' "$T/err" || fail "policy: root pause: $(cat "$T/err")"
# Only root or the paced user may own the name: nobody cannot.
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$PACED" --simulate --bus "$BUS_ADDRESS" \
        --config "$T/paced.conf" --state-dir "$T/state" > "$T/own.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "policy: nobody could start paced on the bus"
grep -q 'Failed to acquire the bus name' "$T/own.log" || fail "policy: $(cat "$T/own.log")"
stop_paced TERM
log "PASS"
