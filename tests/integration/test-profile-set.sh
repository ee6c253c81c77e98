#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl profile shows the profile paced trains with (GetProfile), and
# pacectl profile set changes it without editing paced.conf: paced writes
# paced.conf.d/90-profile.conf atomically and reloads, the next workout's
# paces and the Units property follow at once, a restart keeps the change,
# the admin's paced.conf is left byte for byte, and refused changes (unknown
# key, another section's key, a bad value, keys that contradict each other,
# an unprivileged caller) change nothing.
source "$(dirname "$0")/lib.sh"
lib_init

cat > "$T/paced.conf" << 'CONF'
# The admin's file: its comments must survive.
[Runner]
mile = 7:00
max_hr = 190
[Safety]
max_speed = 18
CONF
cp "$T/paced.conf" "$T/paced.conf.orig"
printf '# name: Mile pace\n- 2m mile Pace\n' > "$T/mile.txt"
dropin="$T/paced.conf.d/90-profile.conf"

# mile_kmh: the mile reference's speed in the profile pacectl shows.
mile_kmh() {
        pc profile --json "$@" | jq '.paces[] | select(.ref == "mile") | .speed_kmh * 100 | round'
}
from() { pc profile --json | jq -r .from; }

start_bus
start_paced --simulate --time-scale 50

# What paced trains with, from paced itself.
expect_rc 0 pc profile
grep -q "Runner profile paced trains with, from $T/paced.conf$" "$T/out" || fail "$(cat "$T/out")"
[ "$(from)" = paced ] || fail "pacectl profile did not ask paced"
[ "$(mile_kmh)" = 1379 ] || fail "mile 7:00 is not 13.79 km/h: $(mile_kmh)"
prop_is Units '"km"' || fail "Units: $(prop Units)"

# Refused changes: clear errors, exit 2, nothing written.
expect_rc 2 pc profile set max_hrr=180
grep -q "unknown profile key 'max_hrr' (did you mean 'max_hr'?)" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set MaxHR=180
grep -q "did you mean 'max_hr'" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set max_speed=25
grep -q "paced.conf's \[Safety\] max_speed" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set mile=6
grep -q "\[Runner\] mile: '6' is not a race time like 5:30" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set max_hr=300
grep -q "out of range (100 to 240)" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set max_hr=105 resting_hr=110
grep -q "resting_hr (110) must be below max_hr (105)" "$T/err" || fail "$(cat "$T/err")"
expect_rc 2 pc profile set
[ ! -e "$dropin" ] || fail "a refused change wrote $(cat "$dropin")"
if [ "$(id -u)" -eq 0 ]; then
        expect_rc 4 pc_nobody profile set mile=6:00
        [ ! -e "$dropin" ] || fail "an unprivileged caller changed the profile"
fi

# The change: written, applied, shown.
expect_rc 0 pc profile set mile=6:15 units=mi
grep -qF "$dropin" "$T/out" || fail "$(cat "$T/out")"
grep -qx "mile = 6:15" "$dropin" && grep -qx "units = mi" "$dropin" || fail "$(cat "$dropin")"
[ "$(stat -c %a "$dropin")" = 644 ] || fail "drop-in mode $(stat -c %a "$dropin")"
cmp -s "$T/paced.conf" "$T/paced.conf.orig" || fail "paced.conf was rewritten"
[ -z "$(find "$T/paced.conf.d" -name '.*')" ] || fail "temporary file left: $(ls -a "$T/paced.conf.d")"
[ "$(mile_kmh)" = 1545 ] || fail "mile 6:15 is not 15.45 km/h: $(mile_kmh)"
prop_is Units '"mi"' || fail "Units after units=mi: $(prop Units)"
expect_rc 0 pc profile
grep -q "paced.conf.d/90-profile.conf" "$T/out" || fail "the drop-in is not named: $(cat "$T/out")"
grep -Eq "^  mile +6:15/mi" "$T/out" || fail "$(cat "$T/out")"
grep -q "Profile changed" "$T/paced.log" || fail "nothing logged"

# pacectl validate --profile paced.conf previews with the drop-in too.
expect_rc 0 pc validate --profile "$T/paced.conf" "$T/mile.txt"
grep -Eq "^  Mile +6:15 +6:15/mi" "$T/out" || fail "validate ignores the drop-in: $(cat "$T/out")"

# The next workout runs at the new mile: its step's speed is 15.45 km/h.
expect_rc 0 pc start "$T/mile.txt" --arm
busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 /io/paced/paced1 \
        io.paced.paced1.Manager Steps > "$T/steps"
grep -q " 15.44[0-9]* 15.44" "$T/steps" || fail "the workout ignores the new mile: $(cat "$T/steps")"
expect_rc 0 pc stop

# KEY= removes a key (paced.conf's value applies again); others stay.
expect_rc 0 pc profile set units=
prop_is Units '"km"' || fail "Units after units=: $(prop Units)"
grep -q "^units" "$dropin" && fail "units= left $(cat "$dropin")"
[ "$(mile_kmh)" = 1545 ] || fail "mile lost with units=: $(mile_kmh)"

# A restart (and systemctl reload's --check-config) reads the drop-in.
stop_paced
"$PACED" --check-config --config "$T/paced.conf" || fail "--check-config refused the drop-in"
# Without paced: the files, as paced would load them (never starting paced).
[ "$(from)" = file ] || fail "pacectl profile without paced: $(pc profile --json)"
paced_owns_name && fail "pacectl profile started paced"
[ "$(mile_kmh --config "$T/paced.conf")" = 1545 ] ||
        fail "mile from the files: $(mile_kmh --config "$T/paced.conf")"
pc profile --config "$T/paced.conf" | grep -q "from $T/paced.conf + paced.conf.d/90-profile.conf" ||
        fail "$(pc profile --config "$T/paced.conf")"
start_paced --simulate --time-scale 50
[ "$(from)" = paced ] && [ "$(mile_kmh)" = 1545 ] || fail "after a restart: $(pc profile --json)"

# A broken drop-in fails --check-config with its name and line.
printf '[Runner]\nmile = 6:15\nmax_hrr = 180\n' > "$dropin"
rc=0
"$PACED" --check-config --config "$T/paced.conf" > "$T/out" 2>&1 || rc=$?
[ "$rc" -eq 78 ] || fail "--check-config on a broken drop-in: exit $rc"
grep -q "90-profile.conf:3: unknown key 'max_hrr' in \[Runner\] (did you mean 'max_hr'?)" "$T/out" ||
        fail "$(cat "$T/out")"
log "PASS"
