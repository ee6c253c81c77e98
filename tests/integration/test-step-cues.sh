#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each step's cue, as the workout's author wrote it ("Stride at mile pace"),
# reaches the clients that draw the workout: paced's StepCues property (one
# string per step of Steps, "" for a step without a cue; docs/dbus-api.md)
# and paced-web's "steps" event, where each step carries its "cue" next to
# its resolved label (docs/web.md). Cue text comes from a user's file, .txt
# or .zwo: markup in it is passed on as the very characters written, for the
# page to show as text (tests/web/test-web-cue.sh checks that it does).
. "$(dirname "$0")/lib.sh"
lib_init
for dep in curl jq; do
        command -v "$dep" > /dev/null || { echo "$dep missing" >&2; exit 77; }
done

cat > "$T/paced.conf" << CONF
[Safety]
allow_remote_start = yes
CONF
XSS='<img src=x onerror=document.body.dataset.pwned=1>'
cat > "$T/cues.txt" << EOF
# name: Cue check
Warmup
- Warm up easy 2m 9km/h
Main
- Stride at mile pace 1m 12km/h
- $XSS 1m 11km/h
- Foulées "relâchées" & <b>souples</b> 1m 10km/h
- 1m 10km/h
EOF
want_txt='["Warm up easy","Stride at mile pace","'"$XSS"'","Foulées \"relâchées\" & <b>souples</b>",""]'
# A Zwift file: a text event at a step's start is that step's own cue.
cat > "$T/cues.zwo" << 'EOF'
<workout_file>
  <name>Zwift cues</name>
  <sportType>run</sportType>
  <workout>
    <Warmup Duration="120" PowerLow="0.6" PowerHigh="0.7">
      <textevent timeoffset="0" message="&lt;script&gt;alert(1)&lt;/script&gt;"/>
    </Warmup>
    <SteadyState Duration="60" Power="0.8"/>
  </workout>
</workout_file>
EOF
want_zwo='["<script>alert(1)</script>",""]'

start_bus
start_paced --simulate --time-scale 20
wait_for 10 treadmill_connected || fail "no simulated treadmill"

step_cues() { busctl --address="$BUS_ADDRESS" --json=short get-property io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager StepCues | jq -c .data; }
n_steps() { busctl --address="$BUS_ADDRESS" --json=short get-property io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager Steps | jq '.data | length'; }

log "no workout: no cues"
[ "$(step_cues)" = "[]" ] || fail "StepCues without a workout: $(step_cues)"
busctl --address="$BUS_ADDRESS" introspect io.paced.paced1 /io/paced/paced1 io.paced.paced1.Manager \
        > "$T/introspect"
grep -qE '^\.Steps +property +a\(sssdddduu\) ' "$T/introspect" || fail "Steps changed its signature"
grep -qE '^\.StepCues +property +as ' "$T/introspect" || fail "no StepCues: $(cat "$T/introspect")"

# paced-web, with a page open before the workout: the cues must come with
# PropertiesChanged, not only with GetAll.
start_web
code=$(web_pair --name "cue test")
TOKEN=$(web_token "$code")
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || fail "pairing failed"
# events FILE SECONDS: the page's event stream for SECONDS, into FILE.
events() {
        curl -sN --max-time "$2" -H "Authorization: Bearer $TOKEN" "$WEB_URL/api/events" > "$1" || true
}
# last_steps FILE: the last "steps" event's JSON in FILE.
last_steps() { awk '/^event: steps$/ { s = 1; next } s && /^data: / { d = substr($0, 7); s = 0 } END { print d }' "$1"; }
events "$T/events1" 8 &
stream=$!
wait_for 5 grep -q '^event: steps$' "$T/events1" || fail "no steps event: $(cat "$T/events1")"

log "a .txt workout's cues on the bus"
expect_rc 0 pc start "$T/cues.txt"
wait_for 10 prop_is State '"running"' || fail "not running: $(prop State)"
[ "$(step_cues)" = "$want_txt" ] || fail "StepCues: $(step_cues), expected $want_txt"
[ "$(n_steps)" = 5 ] || fail "Steps has $(n_steps) steps"
# Steps keeps the resolved target as the label; the cue is not in it.
busctl --address="$BUS_ADDRESS" --json=short get-property io.paced.paced1 /io/paced/paced1 \
        io.paced.paced1.Manager Steps | jq -r '.data[1][2]' > "$T/label"
grep -qE '^1:00 at [0-9]+:[0-9]{2}/km$' "$T/label" || fail "step 2's label: $(cat "$T/label")"

log "... and in paced-web's steps event, sent as paced changed"
wait "$stream"
last_steps "$T/events1" > "$T/steps1.json"
[ "$(jq -c '[.[].cue]' "$T/steps1.json")" = "$want_txt" ] ||
        fail "web steps cues: $(cat "$T/steps1.json")"
[ "$(jq -r '.[1].label' "$T/steps1.json")" = "$(cat "$T/label")" ] ||
        fail "web steps label: $(cat "$T/steps1.json")"
[ "$(jq -r '.[1].kind' "$T/steps1.json")" = stride ] || fail "web steps kind: $(cat "$T/steps1.json")"
# A page opened now gets the same from paced-web's cache.
events "$T/events2" 2
last_steps "$T/events2" > "$T/steps2.json"
[ "$(jq -c '[.[].cue]' "$T/steps2.json")" = "$want_txt" ] ||
        fail "web steps cues for a new page: $(cat "$T/steps2.json")"

log "a .zwo workout's cues replace them"
expect_rc 0 pc stop
wait_for 10 prop_is State '"aborted"' || fail "not stopped: $(prop State)"
events "$T/events3" 6 &
stream=$!
wait_for 5 grep -q '^event: steps$' "$T/events3" || fail "no steps event: $(cat "$T/events3")"
# Clients that keep what GetAll said learn of the new cues by signal.
dbus-monitor --address "$BUS_ADDRESS" \
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
        > "$T/props" 2>&1 &
LIB_PIDS+=("$!")
wait_for 5 grep -q NameAcquired "$T/props" || fail "dbus-monitor did not start"
expect_rc 0 pc start "$T/cues.zwo"
wait_for 10 prop_is Workout '"Zwift cues"' || fail "the .zwo did not load: $(prop Workout)"
[ "$(step_cues)" = "$want_zwo" ] || fail "StepCues (.zwo): $(step_cues), expected $want_zwo"
zwo_cues_signalled() { grep -A4 'string "StepCues"' "$T/props" | grep -qF 'string "<script>alert(1)</script>"'; }
wait_for 5 zwo_cues_signalled ||
        fail "no PropertiesChanged with the .zwo's StepCues: $(grep -A4 StepCues "$T/props")"
wait "$stream"
last_steps "$T/events3" > "$T/steps3.json"
[ "$(jq -c '[.[].cue]' "$T/steps3.json")" = "$want_zwo" ] ||
        fail "web steps cues (.zwo): $(cat "$T/steps3.json")"
expect_rc 0 pc stop
log "PASS"
