#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One error prefix, no errno strings: every pacectl command is run with bad
# input (unknown session, bad workout file, bad option value, a file that
# is no database) in four situations: no bus at all, a bus without paced,
# paced running (simulator), and the user nobody on a bus with the shipped
# policy. Every line a failing command writes to stderr must start with
# "pacectl: " or "pacectl COMMAND: " (getopt's own messages included), and
# none may carry a bare strerror text ("Bad message", "Invalid argument"),
# a D-Bus error name or a D-Bus method name: a runner reads sentences. "No
# such file or directory" is allowed right after the path it is about, as
# cat and ls say it. When the bus is down, pacectl says "cannot reach
# paced" and why, not the connect() errno.
source "$(dirname "$0")/lib.sh"
lib_init
export PACED_DATA_DIR="$PACED_BUILD_DIR/share/paced"
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

printf 'garbage line\n' > "$T/bad.txt"
printf '\0\1binary' > "$T/bad.bin"
printf '[Runner]\nmile = x\n' > "$T/bad.conf"
S="$T/state"

# The command lines, one a line; @T@ is $T. Those marked "bus" reach paced
# and run in every situation; "down" ones only where paced is absent
# (watch follows a running paced until ^C); the rest, refused before any
# call (or by paced), run once, with paced running.
cat > "$T/matrix" <<'M'
bus status
down watch --lines
bus start nosuch-workout
bus start @T@/bad.txt
bus pause
bus resume
bus stop
bus skip
bus extend 30
bus faster
bus speed +0.5
bus profile set mile=6:00
bus profile --accept-thresholds 999
bus profile --accept-result 999
bus delete 999 --yes --state-dir @T@/state
bus devices --scan
bus calibrate
bus web pair
bus sync status
bus sim press start
status --bogus
start @T@/bad.bin
skip --step x
extend x
faster x
slower -1
speed
speed abc
speed +x
workouts --bogus
validate nosuch-workout
validate @T@/bad.txt
validate @T@/bad.bin
validate --profile @T@/nosuch.conf easy-run
validate --profile @T@/bad.conf easy-run
validate --profile foo=1 easy-run
validate --max-speed x easy-run
export-workout nosuch-workout
schedule bogus
plan
plan --goal-mile x
plan --goal-mile 6:00 --weeks 99
profile --config @T@/bad.conf
profile set foo=1
profile --accept-thresholds x
history --state-dir @T@/nostate
history --db @T@/bad.bin
history --bogus
show 999 --state-dir @T@/state
show x
report 999 --state-dir @T@/state
report --db @T@/bad.bin 1
export 999 --state-dir @T@/state
export 1 --format bogus --state-dir @T@/state
analyze 999 --state-dir @T@/state
analyze @T@/nosuch.csv
analyze @T@/bad.bin
analyze --zones bogus @T@/bad.txt
thresholds --db @T@/bad.bin
devices --bogus
web bogus
sync bogus
sim press bogus
sim bogus
decode
decode bogus 00
decode 2a37 zz
version --bogus
nosuchcommand
--bogus
M

# leaks FILE: prints the lines of FILE that carry a strerror text, a D-Bus
# name or a method name.
leaks() {
        {
                grep -nE -e 'Bad message|Invalid argument|Input/output error|Protocol error' \
                        -e 'Connection refused|Transport endpoint|No such device|Operation not permitted' \
                        -e 'Bad file descriptor|No data available|Numerical result|Unknown error' \
                        -e 'org\.freedesktop\.|io\.paced\.[a-z]+1' \
                        -e '^pacectl[^:]*: [A-Z][a-z]+[A-Z][A-Za-z]*:' \
                        -e 'cannot connect to the bus' "$1" || true
                # "No such file or directory" only right after a path.
                grep -nE 'No such file or directory' "$1" |
                        grep -vE '/[^ ]*: No such file or directory$' || true
        } | sort -u
}

# run_matrix WHERE [nobody]: every command line; a failing one's stderr is
# checked. Collects the problems in $T/problems.
run_matrix() {
        local where=$1 as=${2:-} line rc
        while read -r line; do
                case "$line:$where" in
                bus\ *) line=${line#bus } ;;
                down\ *:paced | down\ *:nobody) continue ;;
                down\ *) line=${line#down } ;;
                *:paced) ;;
                *) continue ;;
                esac
                line=${line//@T@/$T}
                rc=0
                if [ -n "$as" ]; then
                        # shellcheck disable=SC2086
                        timeout 5 setpriv --reuid=nobody --regid=nogroup --clear-groups \
                                env PACED_BUS_ADDRESS="$PACED_BUS_ADDRESS" "$PACECTL" $line \
                                < /dev/null > "$T/out" 2> "$T/err" || rc=$?
                else
                        # shellcheck disable=SC2086
                        timeout 5 "$PACECTL" $line < /dev/null > "$T/out" 2> "$T/err" || rc=$?
                fi
                # 0: nothing to check; 124: a command that hung.
                [ "$rc" -ne 124 ] || echo "$where: pacectl $line: still running after 5 s" >> "$T/problems"
                [ "$rc" -eq 0 ] && continue
                [ -s "$T/err" ] || echo "$where: pacectl $line: exit $rc and nothing said" >> "$T/problems"
                if grep -vnE '^pacectl( [a-z][a-z-]*)*: ' "$T/err" > "$T/bad-prefix"; then
                        sed "s|^|$where: pacectl $line: no prefix: |" "$T/bad-prefix" >> "$T/problems"
                fi
                leaks "$T/err" > "$T/leaks"
                if [ -s "$T/leaks" ]; then
                        sed "s|^|$where: pacectl $line: leaks: |" "$T/leaks" >> "$T/problems"
                fi
        done < "$T/matrix"
}

: > "$T/problems"
problem() { echo "$*" >> "$T/problems"; }

# ---- no bus: the system bus (DBUS_SYSTEM_BUS_ADDRESS) and a given one ----
env -u PACED_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/no-system-bus" \
        "$PACECTL" status > "$T/out" 2> "$T/err" && fail "status without a system bus succeeded"
grep -qx 'pacectl: cannot reach paced: the system bus is not running (systemctl start dbus)' \
        "$T/err" || problem "status without a system bus: $(cat "$T/err")"
export PACED_BUS_ADDRESS="unix:path=$T/no-bus"
expect_rc 3 pc pause
grep -qx "pacectl: cannot reach paced: no bus at unix:path=$T/no-bus" "$T/err" ||
        problem "pause without a bus: $(cat "$T/err")"
run_matrix no-bus

# ---- a bus, no paced ----
start_bus
expect_rc 3 pc pause
grep -qx 'pacectl: paced is not running (systemctl start paced)' "$T/err" ||
        problem "pause without paced: $(cat "$T/err")"
run_matrix no-paced

# ---- paced running, a stored session ----
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$S" > /dev/null
start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
run_matrix paced

# ---- nobody, on a bus with the shipped policy: refusals in words ----
stop_paced TERM
kill "$DBUS_PID"
wait "$DBUS_PID" 2> /dev/null || true
rm -f "$T/bus"
start_bus "$PACED_SOURCE_DIR/systemd/paced-dbus.conf"
start_paced --simulate --time-scale 50
chmod -R a+rX "$T"
run_matrix nobody nobody

if [ -s "$T/problems" ]; then
        cat "$T/problems" >&2
        fail "$(wc -l < "$T/problems") error lines with a wrong prefix or a leaked errno (above)"
fi
log "PASS"
