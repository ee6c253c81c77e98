#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced's own PropertiesChanged carry only what changed (docs/dbus-api.md):
# over a steady run, no signal repeats a property with the value the
# previous signal gave it, yet a client that folds the signals into what it
# knows (as pacectl watch and paced-web do) sees the run: the belt's speed,
# the seconds passing, the session.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus

busctl --address="$BUS_ADDRESS" monitor --json=short --match \
        "type='signal',path='/io/paced/paced1',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',arg0='io.paced.paced1.Manager'" \
        > "$T/signals" 2> "$T/monitor.err" &
MONITOR_PID=$!
LIB_PIDS+=("$MONITOR_PID")
sleep 0.3
printf '# name: Steady\nRun\n- 90s 10kph\n' > "$T/steady.txt"
start_paced --simulate --time-scale 20 --sim-belt-speed 10 --run "$T/steady.txt" --exit-when-done
wait_for 60 paced_exited || fail "paced did not finish the 90 s run"
grep -q 'Session over' "$T/paced.log" || fail "the run did not end as a session"
sleep 0.3
kill "$MONITOR_PID" 2>/dev/null || true
wait "$MONITOR_PID" 2>/dev/null || true

# One line per message: its changed properties, name -> value.
jq -c 'select(.member == "PropertiesChanged") | .payload.data[1]
        | with_entries(.value |= .data)' "$T/signals" > "$T/changes" ||
        fail "cannot read the monitor's output: $(head -c 400 "$T/signals") $(cat "$T/monitor.err")"
n=$(wc -l < "$T/changes")
[ "$n" -ge 3 ] || fail "only $n PropertiesChanged seen"

# Repeats: a property sent with the value the previous signal had sent it.
repeats=$(jq -s -c 'reduce .[] as $m ({last: {}, rep: []};
        reduce ($m | to_entries[]) as $e (.;
                (if (.last | has($e.key)) and .last[$e.key] == $e.value
                 then .rep += [$e.key] else . end)
                | .last[$e.key] = $e.value)) | .rep | unique' "$T/changes")
[ "$repeats" = "[]" ] || fail "PropertiesChanged repeated unchanged values of $repeats ($n signals)"

# What a client folding the signals knows at the end.
jq -s -e 'add | .Speed == 10 and .TargetSpeed == 10 and .SessionId > 0 and .Workout == "Steady"' "$T/changes" \
        > /dev/null || fail "folded state: $(jq -s -c add "$T/changes")"
elapsed=$(jq -s '[.[] | select(has("Elapsed"))] | length' "$T/changes")
[ "$elapsed" -ge 3 ] || fail "Elapsed went out in only $elapsed of $n signals"
log "$n signals, Elapsed in $elapsed, no value repeated"
