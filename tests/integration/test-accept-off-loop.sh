#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# AcceptThresholds on a session without a stored result analyses it off the
# event loop: while that analysis is held in progress (the test hook
# PACED_TEST_ANALYSIS_GATE makes it wait for a file), the call is not
# answered yet and paced still answers other calls and takes the strap's
# notifications; once released, the caller gets the verdict. No timing: the
# analysis is held until the test releases it.
source "$(dirname "$0")/lib.sh"
lib_init
# Whatever happens, release a held analysis before cleaning up.
trap 'rc=$?; touch "$T/gate"; lib_cleanup "$rc"' EXIT
start_bus

export PACED_TEST_ANALYSIS_GATE="$T/gate"
touch "$T/gate" # open while the session ends: its own analysis goes through
printf '# name: Steady\nRun\n- 60s 10kph\n' > "$T/steady.txt"
start_paced --simulate --time-scale 20 --sim-belt-speed 10 --run "$T/steady.txt"
wait_for 60 grep -q 'Session 1: not a threshold test' "$T/paced.log" ||
        fail "session 1's end-of-session analysis did not come"

# A steady run stores no thresholds: accepting them analyses it again.
rm "$T/gate"
"$PACECTL" profile --accept-thresholds 1 > "$T/accept.out" 2> "$T/accept.err" &
accept_pid=$!
wait_for 10 grep -q 'Session 1: analysing in the background to accept its thresholds' \
        "$T/paced.log" || fail "the analysis for AcceptThresholds did not start"

# Held: the loop answers, and the strap's notifications keep coming in.
busctl --address="$BUS_ADDRESS" --timeout=10 call io.paced.paced1 /io/paced/paced1 \
        org.freedesktop.DBus.Peer Ping > /dev/null 2>&1 ||
        fail "paced did not answer a call while AcceptThresholds's analysis ran"
expect_rc 0 timeout 10 "$PACECTL" status
rr0=$(prop RRCount)
rr_grew() { [ "$(prop RRCount)" -gt "$rr0" ]; }
wait_for 10 rr_grew || fail "no RR interval taken while the analysis ran (RRCount $rr0)"
kill -0 "$accept_pid" 2> /dev/null ||
        fail "AcceptThresholds was answered although its analysis was held: $(cat "$T/accept.err")"

# Released: the caller gets the verdict of the analysis.
touch "$T/gate"
accept_rc=0
wait "$accept_pid" || accept_rc=$?
[ "$accept_rc" -eq 1 ] || fail "pacectl exited $accept_rc: $(cat "$T/accept.out" "$T/accept.err")"
grep -q "is not a threshold test" "$T/accept.err" ||
        fail "not the analysis's verdict: $(cat "$T/accept.err")"
expect_rc 0 timeout 10 "$PACECTL" status
log "AcceptThresholds waited for its analysis off the loop; the loop served meanwhile"
