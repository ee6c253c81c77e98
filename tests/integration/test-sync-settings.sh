#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# intervals.icu's running settings (max HR, LTHR, threshold pace) into the
# runner profile, shown as a diff first: `pacectl sync settings` changes
# nothing; `--apply` writes the changed keys into paced.conf's [Runner]
# (other lines, comments and sections kept; the result checked as paced
# checks it), and after a reload paced trains with them. Settings that are
# not set on intervals.icu are not offered; no running settings at all is
# an error that says so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sync.sh"
lib_init
trap 'rc=$?; [ "$rc" -ne 0 ] && sync_fail_dump; lib_cleanup "$rc"' EXIT
start_bus
cat > "$T/paced.conf" <<'CONF'
# the runner's own notes
[Runner]
5k = 19:45
max_hr = 185   ; measured in 2025
# lthr = 160

[Safety]
max_speed = 16
CONF
cp "$T/paced.conf" "$T/paced.conf.orig"
start_paced --simulate --time-scale 30
start_fake '{"intervals": {"settings": {"id": 3, "types": ["Run", "VirtualRun"], "max_hr": 191,
             "lthr": 171, "threshold_pace": 4.0, "ftp": null, "pace_units": "MINS_KM"}}}'
write_sync_conf
start_sync

expect_rc 0 pc sync settings --config "$T/paced.conf"
for line in "~ max_hr          185        -> 191" "~ lthr            (not set)  -> 171" \
        "~ threshold_pace  (not set)  -> 4:10/km" "--apply writes the 3 changes"; do
        grep -qF -- "$line" "$T/out" || fail "diff lacks '$line': $(cat "$T/out")"
done
cmp -s "$T/paced.conf" "$T/paced.conf.orig" || fail "showing the diff changed the file"

expect_rc 0 pc sync settings --config "$T/paced.conf" --apply
grep -q 'systemctl reload paced' "$T/out" || fail "apply: $(cat "$T/out")"
"$PACED" --check-config --config "$T/paced.conf" > /dev/null || fail "paced refuses the result"
for line in "max_hr = 191" "lthr = 171" "threshold_pace = 4:10/km" "5k = 19:45" \
        "# the runner's own notes" "# lthr = 160" "max_speed = 16"; do
        grep -qxF -- "$line" "$T/paced.conf" || fail "paced.conf lacks '$line': $(cat "$T/paced.conf")"
done
[ "$(grep -c '^max_hr' "$T/paced.conf")" = 1 ] || fail "max_hr twice: $(cat "$T/paced.conf")"
# The keys are in [Runner], not [Safety].
awk '/^\[/{s=$0} /^lthr = 171/{print s}' "$T/paced.conf" | grep -qx '\[Runner\]' ||
        fail "lthr not in [Runner]: $(cat "$T/paced.conf")"

expect_rc 0 pc sync settings --config "$T/paced.conf"
grep -q 'Nothing to change' "$T/out" || fail "second look: $(cat "$T/out")"

# paced takes the file on reload; the profile shows the new values.
kill -HUP "$PACED_PID"
wait_for 10 grep -q "Reloaded configuration from $T/paced.conf" "$T/paced.log" ||
        fail "paced did not reload: $(tail -5 "$T/paced.log")"
expect_rc 0 pc profile --config "$T/paced.conf"
grep -q 'LTHR *171 bpm' "$T/out" || fail "profile: $(cat "$T/out")"
grep -q 'max *191 bpm' "$T/out" || fail "profile: $(cat "$T/out")"

# Only LTHR set there: only LTHR offered.
fake POST /_control/set '{"intervals": {"settings": {"types": ["Run"], "lthr": 168}}}' > /dev/null
expect_rc 0 pc sync settings --config "$T/paced.conf"
grep -qF "~ lthr            171        -> 168" "$T/out" || fail "lthr only: $(cat "$T/out")"
grep -qF "max_hr          191        -> (not set on intervals.icu)" "$T/out" ||
        fail "not offered: $(cat "$T/out")"
# No running settings on intervals.icu: said so.
fake POST /_control/set '{"intervals": {"settings": null}}' > /dev/null
expect_rc 1 pc sync settings --config "$T/paced.conf"
grep -q 'intervals.icu: HTTP 404' "$T/err" || fail "no settings: $(cat "$T/err")"
stop_sync TERM
log "PASS"
