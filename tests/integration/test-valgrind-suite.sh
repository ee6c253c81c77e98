#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon's integration tests again, with paced under valgrind's memcheck
# (PACED_VALGRIND=1: see paced_cmd and lib_cleanup in lib.sh): a workout
# stopped by SIGTERM, link loss, the heart-rate ceiling, the caps, console
# pause, malformed and refused D-Bus calls, authorization, the schedule, the
# daemon's lifecycle and a workout driven through pacectl. Any invalid access
# or definite/indirect leak fails the sub-test that caused it. (Tests that
# bound virtual time tightly, such as test-crash-resume, or that load the
# machine, are left to their plain runs: valgrind's slowdown, not paced,
# would fail them.)
source "$(dirname "$0")/lib.sh"
lib_init
command -v valgrind > /dev/null || { log "SKIP: valgrind missing"; exit 77; }
if grep -qa __asan_init "$PACED"; then log "SKIP: paced is built with ASan"; exit 77; fi
export PACED_VALGRIND=1
dir=$(dirname "$0")
passed=0
failed=()
for t in test-sigterm-workout test-link-loss test-hr-ceiling test-safety-caps test-console-pause \
        test-dbus-robustness test-authorization test-schedule test-daemon-lifecycle \
        test-workout-control; do
        rc=0
        bash "$dir/$t.sh" > "$T/sub.log" 2>&1 || rc=$?
        case $rc in
        0) passed=$((passed + 1)) ;;
        77) log "$t: skipped" ;;
        *)
                failed+=("$t")
                log "$t failed under valgrind (exit $rc):"
                tail -n 60 "$T/sub.log" >&2
                ;;
        esac
done
echo "valgrind suite: ${passed} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ] || fail "under valgrind: ${failed[*]}"
