# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the integration tests: a private dbus-daemon, paced on
# it, pacectl against it, and bounded waits on conditions (never a fixed sleep
# as an assertion). Source it, then call lib_init.

set -euo pipefail

: "${PACED:?PACED must point at the paced binary}"
: "${PACECTL:?PACECTL must point at the pacectl binary}"
: "${PACED_SOURCE_DIR:?}"
: "${PACED_BUILD_DIR:?}"

T=
BUS_ADDRESS=
DBUS_PID=
PACED_PID=
NOTIFY_PID=
declare -a LIB_PIDS=()

log() { echo "[$(date +%T.%N | cut -c1-12)] $*" >&2; }

fail() {
        log "FAIL: $*"
        if [ -n "$T" ] && [ -f "$T/paced.log" ]; then
                echo "---- paced log (last 60 lines) ----" >&2
                tail -n 60 "$T/paced.log" >&2 || true
        fi
        exit 1
}

# lib_cleanup [STATUS]: the EXIT trap; exits with STATUS (default: the
# status the script was exiting with), or 1 if valgrind reported anything.
lib_cleanup() {
        local rc=${1:-$?} pid v
        for pid in "${LIB_PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        for pid in "${LIB_PIDS[@]}"; do
                wait "$pid" 2>/dev/null || true
        done
        # Under PACED_VALGRIND (--quiet) memcheck writes only what it found,
        # as "==PID==" lines ("--PID--" lines are valgrind's own notes, such
        # as an unknown syscall): any fails the test, whether or not it
        # checked paced's exit status.
        if [ -n "${PACED_VALGRIND:-}" ] && [ -n "$T" ]; then
                for v in "$T"/valgrind.*; do
                        [ -f "$v" ] && grep -q '^==[0-9]*==' "$v" || continue
                        echo "---- valgrind: $(basename "$v") ----" >&2
                        head -n 80 "$v" >&2
                        rc=1
                done
        fi
        # A safety violation fails the test whatever it checked.
        if [ -n "$T" ] && [ -f "$T/paced.log" ] && grep -q 'Safety invariant' "$T/paced.log"; then
                echo "---- safety monitor ----" >&2
                grep 'Safety invariant' "$T/paced.log" | head -n 5 >&2
                rc=1
        fi
        if [ -n "$T" ] && [ -z "${KEEP_TMP:-}" ]; then
                rm -rf "$T"
        fi
        exit "$rc"
}

lib_init() {
        T=$(mktemp -d /tmp/paced-test.XXXXXX)
        chmod 0755 "$T"
        trap lib_cleanup EXIT
        mkdir -p "$T/state"
        : > "$T/paced.conf"
}

# wait_for TIMEOUT_S CMD...: runs CMD until it succeeds or TIMEOUT_S passes.
wait_for() {
        local timeout=$1
        shift
        local deadline=$((SECONDS + timeout))
        while ! "$@" >/dev/null 2>&1; do
                if [ "$SECONDS" -ge "$deadline" ]; then
                        return 1
                fi
                sleep 0.1
        done
}

# A dbus-daemon of our own, allowing everything (the shipped policy is tested
# separately); its address in BUS_ADDRESS and PACED_BUS_ADDRESS.
start_bus() {
        local policy_include=${1:-}
        cat > "$T/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>paced-test</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
XML
        if [ -n "$policy_include" ]; then
                cat >> "$T/bus.conf" <<XML
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>$policy_include</include>
XML
        else
                cat >> "$T/bus.conf" <<XML
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
XML
        fi
        echo "</busconfig>" >> "$T/bus.conf"
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile > "$T/bus.log" 2>&1 &
        DBUS_PID=$!
        LIB_PIDS+=("$DBUS_PID")
        BUS_ADDRESS="unix:path=$T/bus"
        export PACED_BUS_ADDRESS="$BUS_ADDRESS"
        # Others (e.g. nobody in the authorization test) must reach the socket.
        chmod 0755 "$T"
        wait_for 10 test -S "$T/bus" || fail "dbus-daemon did not start: $(cat "$T/bus.log")"
}

# The systemd notification socket stand-in: messages land in $T/notify.
start_notify() {
        "$PACED_BUILD_DIR/notify-recv" "$T/notify.sock" "$T/notify" &
        NOTIFY_PID=$!
        LIB_PIDS+=("$NOTIFY_PID")
        wait_for 5 test -S "$T/notify.sock" || fail "notify-recv did not start"
        export NOTIFY_SOCKET="$T/notify.sock"
}

paced_owns_name() {
        busctl --address="$BUS_ADDRESS" status io.paced.paced1 >/dev/null 2>&1
}

# With PACED_VALGRIND=1 every paced runs under valgrind's memcheck: any
# invalid access or definite/indirect leak makes it exit 99 (stop_paced's
# PACED_RC), and the report lands in $T/valgrind.<pid>.
paced_cmd() {
        if [ -n "${PACED_VALGRIND:-}" ]; then
                echo valgrind --quiet --error-exitcode=99 --leak-check=full \
                        --errors-for-leak-kinds=definite,indirect \
                        --show-leak-kinds=definite,indirect --track-fds=no \
                        "--log-file=$T/valgrind.%p" "$PACED"
        else
                echo "$PACED"
        fi
}

# start_paced [ARGS...]: paced on the private bus with $T/paced.conf and $T/state.
# The safety monitor aborts paced on any violation (PACED_SAFETY_MONITOR=abort):
# every test that drives the belt also checks the invariants of docs/engine.md.
#
# PACED_BOOTED_AGO=SECONDS start_paced ...: paced as on a machine that booted
# SECONDS ago (its monotonic and boot-time clocks, in a time namespace:
# unshare(1) execs paced, so $PACED_PID is still paced). Callers check
# time_namespaces first.
start_paced() {
        local -a cmd
        local up
        read -r -a cmd <<< "$(paced_cmd)"
        if [ -n "${PACED_BOOTED_AGO:-}" ]; then
                up=$(cut -d. -f1 /proc/uptime)
                up=$((up > PACED_BOOTED_AGO ? up - PACED_BOOTED_AGO : 0))
                cmd=(unshare --time --monotonic "-$up" --boottime "-$up" "${cmd[@]}")
        fi
        PACED_SAFETY_MONITOR=${PACED_SAFETY_MONITOR:-abort} "${cmd[@]}" --bus "$BUS_ADDRESS" --config "$T/paced.conf" --state-dir "$T/state" "$@" \
                >> "$T/paced.log" 2>&1 &
        PACED_PID=$!
        LIB_PIDS+=("$PACED_PID")
        wait_for $((${PACED_VALGRIND:+60} + 20)) paced_owns_name ||
                fail "paced did not take its bus name"
}

# time_namespaces: true if this machine lets the tests set a process's
# monotonic clock (Linux >= 5.6, CAP_SYS_ADMIN: CI runs as root).
time_namespaces() { unshare --time --monotonic -1 true 2> /dev/null; }

# stop_paced [SIGNAL]: signals paced and waits for it; sets PACED_RC.
stop_paced() {
        local sig=${1:-TERM}
        kill -s "$sig" "$PACED_PID"
        PACED_RC=0
        wait "$PACED_PID" || PACED_RC=$?
}

# paced_exited: true once paced is gone.
paced_exited() { ! kill -0 "$PACED_PID" 2>/dev/null; }

# prop NAME: a Manager property's value as busctl prints it, without the type.
prop() {
        busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Manager "$1" | cut -d' ' -f2-
}

prop_is() { [ "$(prop "$1")" = "$2" ]; }

# session_id: the running session's id. It comes with the session's first
# write (off the event loop, within a second of the start): wait for it.
session_numbered() { [ "$(prop SessionId)" != 0 ]; }
session_id() {
        wait_for 5 session_numbered || fail "the session got no id: $(prop SessionId)"
        prop SessionId
}

# sessions_written: the database holds a session and every session in it
# has its end: written off the loop, a moment after SessionId goes to 0.
sessions_written() {
        local db="$T/state/paced.db"
        [ "$(sqlite3 "$db" "SELECT count(*) FROM sessions")" -gt 0 ] 2> /dev/null &&
                [ "$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE end_usec IS NULL")" = 0 ]
}

# start_paced_slow_disk MS [paced args]: paced with every fsync taking MS
# milliseconds (tests/lib/slow-fsync.c, preloaded into paced alone; also
# $PACED_TEST_FSYNC_LOG if set). Skips the test (77) without the shim or
# under valgrind, which the preload would confuse.
start_paced_slow_disk() {
        local ms=$1
        shift
        [ -n "${PACED_TEST_SLOW_FSYNC:-}" ] && [ -e "$PACED_TEST_SLOW_FSYNC" ] ||
                { log "SKIP: no slow-fsync shim"; exit 77; }
        [ -z "${PACED_VALGRIND:-}" ] || { log "SKIP: under valgrind"; exit 77; }
        # A sanitized paced: the shim comes before the ASan runtime.
        LD_PRELOAD=$PACED_TEST_SLOW_FSYNC PACED_TEST_FSYNC_DELAY_MS=$ms \
                ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
                start_paced "$@"
}

# pacectl as the test user (root in CI).
pc() { "$PACECTL" "$@"; }

# pacectl as an unprivileged user without the admin group.
pc_nobody() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
                env PACED_BUS_ADDRESS="$BUS_ADDRESS" "$PACECTL" "$@"
}

# expect_rc RC CMD...: CMD must exit with RC.
expect_rc() {
        local want=$1 rc=0
        shift
        "$@" > "$T/out" 2> "$T/err" || rc=$?
        if [ "$rc" -ne "$want" ]; then
                cat "$T/out" "$T/err" >&2
                fail "'$*' exited $rc, expected $want"
        fi
}

# sim_prop NAME: a Simulator property's value as busctl prints it, without the type.
sim_prop() {
        busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 /io/paced/paced1 \
                io.paced.paced1.Simulator "$1" | cut -d' ' -f2-
}

treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}

# sim_commands: the control-point requests the simulated treadmill received,
# one a line: "SECONDS OP RESULT VALUE" (virtual seconds since it started).
sim_commands() {
        busctl --address="$BUS_ADDRESS" --json=short get-property io.paced.paced1 \
                /io/paced/paced1 io.paced.paced1.Simulator ReceivedCommands |
                python3 -c 'import json, sys
for t, op, res, v in json.load(sys.stdin)["data"]:
    print("%.3f %s %s %g" % (t, op, res, v))'
}

# monitor_safety: records paced's SafetyAction signals in $T/safety (as
# dbus-monitor prints them); then `safety_seen RULE [TEXT]` is true once a
# SafetyAction of RULE (whose message contains TEXT) was emitted.
monitor_safety() {
        dbus-monitor --address "$BUS_ADDRESS" \
                "type='signal',interface='io.paced.paced1.Manager',member='SafetyAction'" \
                > "$T/safety" 2>&1 &
        LIB_PIDS+=("$!")
        wait_for 5 grep -q NameAcquired "$T/safety" || fail "dbus-monitor did not start"
}
safety_actions() {
        awk '/member=SafetyAction/ { if (r != "") print r; r = "@"; next }
             r != "" { r = r " " $0 } END { if (r != "") print r }' "$T/safety"
}
safety_seen() { safety_actions | grep -F "string \"$1\"" | grep -qF -- "${2:-}"; }

# start_web [ARGS...]: paced-web on the private bus, on a free loopback port
# (WEB_URL, e.g. http://127.0.0.1:41234), devices in $T/web-state, paced's
# sessions from $T/state. Skips the test (77) when paced-web was not built.
WEB_PID=
WEB_URL=
start_web() {
        [ -n "${PACED_WEB:-}" ] && [ -x "$PACED_WEB" ] || { echo "paced-web not built" >&2; exit 77; }
        mkdir -p "$T/web-state"
        "$PACED_WEB" --listen 127.0.0.1:0 --state-dir "$T/web-state" \
                --paced-state-dir "$T/state" -v "$@" >> "$T/web.log" 2>&1 &
        WEB_PID=$!
        LIB_PIDS+=("$WEB_PID")
        wait_for 10 grep -q "Listening on http" "$T/web.log" || fail "paced-web did not start: $(cat "$T/web.log")"
        WEB_URL=$(sed -n 's/.*Listening on \(http[^ ]*\).*/\1/p' "$T/web.log" | tail -1)
        wait_for 10 busctl --address="$BUS_ADDRESS" status io.paced.web1 ||
                fail "paced-web did not take its bus name"
}

# web_pair [pacectl web pair options]: a fresh pairing code.
web_pair() {
        pc web pair --no-qr "$@" | sed -n 's/^Pairing code: \([A-Z0-9-]*\).*/\1/p'
}

# web_token CODE: redeems CODE as our own page would; prints the token.
web_token() {
        curl -sf -X POST -H "Origin: $WEB_URL" -H 'Content-Type: application/json' \
                -d "{\"code\":\"$1\"}" "$WEB_URL/api/pair" | jq -r .token
}
