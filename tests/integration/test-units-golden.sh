#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# units = mi, word for word: pacectl history, show (its interval view, and
# with --steps its step table) and status for a fixed
# session (paced-mksession's 3 x 400 m, whose dates are fixed) and a fixed
# armed workout are compared with the golden files in data/units-mi/. Only
# what truly varies is masked: the simulated heart rate and RR interval at
# rest, and the control handshake's progress. A change to these outputs
# must update the golden files (review the diff: it is what a runner sees).
# PACED_UPDATE_GOLDEN=1 rewrites them.
source "$(dirname "$0")/lib.sh"
# Dates and numbers as the golden files have them, whatever the machine's.
export TZ=UTC LC_ALL=C.UTF-8
lib_init
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

GOLDEN="$PACED_SOURCE_DIR/tests/integration/data/units-mi"
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$T/state" > "$T/id"
id=$(cat "$T/id")
printf '[Runner]\nunits = mi\nmile = 6:15\n' > "$T/paced.conf"
printf '# name: Golden\nWarmup\n- 10m easy Pace\nMain Set\n- 1mi 5k Pace\n' > "$T/golden.txt"

start_bus
start_paced --simulate --time-scale 50
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"

expect_rc 0 pc history --state-dir "$T/state"
cp "$T/out" "$T/history.txt"
expect_rc 0 pc show "$id" --state-dir "$T/state"
cp "$T/out" "$T/show.txt"
expect_rc 0 pc show "$id" --steps --state-dir "$T/state"
cp "$T/out" "$T/show-steps.txt"
expect_rc 0 pc start --arm "$T/golden.txt"
expect_rc 0 pc status
sed -E -e 's/^(  Heart rate: ).*/\1<varies>/' -e 's/^(     Control: ).*/\1<varies>/' \
        "$T/out" > "$T/status.txt"

for f in history show show-steps status; do
        if [ -n "${PACED_UPDATE_GOLDEN:-}" ]; then
                cp "$T/$f.txt" "$GOLDEN/$f.txt"
                continue
        fi
        diff -u "$GOLDEN/$f.txt" "$T/$f.txt" > "$T/diff" ||
                fail "pacectl $f with units = mi differs from $GOLDEN/$f.txt: $(cat "$T/diff")"
done
log "PASS"
