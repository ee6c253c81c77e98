#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An invalid configuration stops paced from starting, with the line number.
source "$(dirname "$0")/lib.sh"
lib_init

check_refused() {
        local text=$1 want=$2 rc=0
        printf '%b' "$text" > "$T/bad.conf"
        "$PACED" --config "$T/bad.conf" --bus "unix:path=$T/nonexistent" \
                > "$T/out" 2>&1 || rc=$?
        [ "$rc" -eq 78 ] || fail "config '$text': exit $rc, expected 78 (EX_CONFIG)"
        grep -qF -- "$want" "$T/out" || fail "config '$text': '$want' not in: $(cat "$T/out")"
}

check_refused '[Safety]\nmax_speed = 12\nmax_sped = 13\n' "bad.conf:3: unknown key 'max_sped' in [Safety] (did you mean 'max_speed'?)"
check_refused '[Safety]\nmax_speed = 45\n' 'bad.conf:2: [Safety] max_speed: 45 km/h is out of range'
check_refused '[Runner]\nmax_hr = lots\n' "bad.conf:2: [Runner] max_hr: 'lots' is not a whole number"
check_refused '[Nope]\nx = 1\n' 'bad.conf:1: unknown section [Nope]'
check_refused '[Safety]\nmax_speed = 12\n[safety]\n' 'bad.conf:3: unknown section [safety] (did you mean [Safety]?)'
check_refused '[Runner]\nmax_speed = 12\n' "bad.conf:2: 'max_speed' belongs in [Safety], not [Runner]"
check_refused '[Safety]\nmax_speed = 12 # km/h\n' "'#' starts a comment only at the start of a line"
check_refused '[Safety]\nstop_policy = yolo\n' "is not one of: cooldown, pause, stop"
check_refused 'garbage\n' 'bad.conf:1: syntax error'
# A missing explicit file is an error too.
rc=0
"$PACED" --config "$T/missing.conf" > "$T/out" 2>&1 || rc=$?
[ "$rc" -eq 78 ] || fail "missing --config file: exit $rc"

# --check-config: the shipped file is valid, a bad one is not.
"$PACED" --check-config --config "$PACED_SOURCE_DIR/conf/paced.conf" > "$T/out" 2>&1 ||
        fail "shipped conf/paced.conf rejected: $(cat "$T/out")"
rc=0
"$PACED" --check-config --config "$T/bad.conf" > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 78 ] || fail "--check-config on a bad file: exit $rc"

# Bad options are usage errors (64, EX_USAGE).
rc=0
"$PACED" --time-scale 10 > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 64 ] || fail "--time-scale without --simulate: exit $rc"
# The test-only clock is refused when systemd runs paced as a service.
rc=0
INVOCATION_ID=0123456789abcdef "$PACED" --test-time-scale 10 > "$T/out" 2>&1 || rc=$?
[ "$rc" -eq 64 ] || fail "--test-time-scale under systemd: exit $rc"
grep -q 'refusing to run with it as a systemd service' "$T/out" || fail "$(cat "$T/out")"
rc=0
"$PACED" --bus nowhere > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 64 ] || fail "--bus nowhere: exit $rc"
log "PASS"
