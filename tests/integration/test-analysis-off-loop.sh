#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The end-of-session analysis runs off the event loop: while it is held in
# progress (the test hook PACED_TEST_ANALYSIS_GATE makes it wait for a
# file), paced still answers bus calls and still takes the simulated
# strap's notifications; and a session whose analysis is still running when
# paced stops gets its analysis stored before paced exits. No timing: the
# analysis is held until the test releases it.
source "$(dirname "$0")/lib.sh"
lib_init
# Whatever happens, release a held analysis before cleaning up, so that a
# failing run ends instead of waiting on the gate.
trap 'rc=$?; touch "$T/gate"; lib_cleanup "$rc"' EXIT
start_bus

export PACED_TEST_ANALYSIS_GATE="$T/gate"
printf '# name: Steady\nRun\n- 60s 10kph\n' > "$T/steady.txt"
start_paced --simulate --time-scale 20 --sim-belt-speed 10 --run "$T/steady.txt"
wait_for 60 grep -q 'Session 1: analysing in the background' "$T/paced.log" ||
        fail "session 1's analysis never started"

# Held: the loop answers, and the strap's notifications keep coming in.
busctl --address="$BUS_ADDRESS" --timeout=10 call io.paced.paced1 /io/paced/paced1 \
        org.freedesktop.DBus.Peer Ping > /dev/null 2>&1 ||
        fail "paced did not answer a call while the analysis ran"
expect_rc 0 timeout 10 "$PACECTL" status
rr0=$(prop RRCount)
rr_grew() { [ "$(prop RRCount)" -gt "$rr0" ]; }
wait_for 10 rr_grew || fail "no RR interval taken while the analysis ran (RRCount $rr0)"
! grep -q 'Session 1: not a threshold test' "$T/paced.log" ||
        fail "the analysis ended although it was held: the hook did not hold it"

# Stopped while the analysis runs: the loop ends, the analysis is still
# waited for and its result stored, then paced exits cleanly.
kill -TERM "$PACED_PID"
wait_for 30 grep -q '^Stopped\.' "$T/paced.log" || fail "paced did not stop"
touch "$T/gate"
wait_for 30 paced_exited || fail "paced did not exit once the analysis was released"
PACED_RC=0
wait "$PACED_PID" || PACED_RC=$?
[ "$PACED_RC" -eq 0 ] || fail "paced exited $PACED_RC"
grep -q 'Session 1: not a threshold test' "$T/paced.log" ||
        fail "session 1's analysis was not completed at shutdown"
log "the loop served while the analysis ran; the analysis completed at shutdown"
