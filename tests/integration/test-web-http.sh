#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-web at the HTTP level, against paced on the simulator: pairing, what
# answers without a token, control requests changing paced's state as
# pacectl does (with paced's own error texts), read-only tokens, revocation,
# the session history and downloads, and bad input refused with a clear
# status (oversized headers and bodies, malformed JSON, path traversal, slow
# clients, too many requests).
. "$(dirname "$0")/lib.sh"
lib_init
command -v curl >/dev/null || { echo "curl missing" >&2; exit 77; }

cat > "$T/paced.conf" <<CONF
[Runner]
max_hr = 190
resting_hr = 55
[Safety]
allow_remote_start = yes
CONF
printf '[Web]\nclient_timeout = 2\n' > "$T/web.conf"
start_bus
start_paced --simulate --time-scale 20
wait_for 10 treadmill_connected || fail "no simulated treadmill"
start_web --config "$T/web.conf"
ORIGIN=$WEB_URL

# http METHOD PATH [curl args...]: prints the status code; the body in $T/body.
http() {
        local method=$1 path=$2
        shift 2
        curl -s -o "$T/body" -w '%{http_code}' -X "$method" "$@" "$WEB_URL$path"
}
expect_http() {
        local want=$1 got
        shift
        got=$(http "$@")
        [ "$got" = "$want" ] || fail "$* answered $got, expected $want: $(head -c 300 "$T/body")"
}

log "without a token only the pairing page answers"
expect_http 200 GET /
grep -q "pacectl web pair" "$T/body" || fail "/ without a token is not the pairing page"
expect_http 200 GET /pair
expect_http 200 GET /static/pair.js
expect_http 200 GET /static/style.css
for p in /api/status /api/events /api/sessions /api/workouts /static/app.js /static/index.html \
        /api/sessions/1/report.svg; do
        expect_http 401 GET "$p"
done
expect_http 401 POST /api/control/pause -H "Origin: $ORIGIN"

log "pairing: a single-use code for a token"
code=$(web_pair --name "Runner's phone")
[ -n "$code" ] || fail "pacectl web pair printed no code"
expect_http 403 POST /api/pair -H "Origin: http://evil.example" -d "{\"code\":\"$code\"}"
TOKEN=$(web_token "$code")
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || fail "pairing failed"
expect_http 403 POST /api/pair -H "Origin: $ORIGIN" -d "{\"code\":\"$code\"}"
grep -q "BadCode" "$T/body" || fail "a used code was not refused as such"
grep -qF "$TOKEN" "$T/web-state/devices" && fail "the token itself is stored"
grep -q "Runner's phone" "$T/web-state/devices" || fail "the device's name is not stored"
# Typed on a phone: lower case, dash or not.
code2=$(web_pair --read-only --name spectator)
VIEW=$(web_token "$(echo "$code2" | tr 'A-Z' 'a-z')")
[ -n "$VIEW" ] && [ "$VIEW" != null ] || fail "a lower-case code was refused"
pc web devices > "$T/devices"
grep -q "control.*Runner's phone" "$T/devices" || fail "pacectl web devices: $(cat "$T/devices")"
grep -q "view.*spectator" "$T/devices" || fail "pacectl web devices: $(cat "$T/devices")"
# Pairing is for root and group paced only.
expect_rc 4 pc_nobody web pair
expect_rc 4 pc_nobody web devices

AUTH=(-H "Authorization: Bearer $TOKEN")
# Paced below the rate limit (2 a second, 10 at once), except where the limit is tested.
ctl() {
        sleep "${CTL_PACE:-0.4}"
        http POST "/api/control/$1" "${AUTH[@]}" -H "Origin: $ORIGIN" ${2:+-d "$2"}
}
expect_ctl() {
        local got
        got=$(ctl "$2" "${3:-}")
        [ "$got" = "$1" ] || fail "control $2 answered $got, expected $1: $(cat "$T/body")"
}

log "the status is pacectl status --json's"
expect_http 200 GET /api/status "${AUTH[@]}"
for k in version state workout step_count units simulated; do
        [ "$(jq -c ".$k" "$T/body")" = "$(pc status --json | jq -c ".$k")" ] ||
                fail "status .$k differs from pacectl's"
done
# The cookie set by pairing reads as well.
curl -s -c "$T/cookies" -X POST -H "Origin: $ORIGIN" -d "{\"code\":\"$(web_pair)\"}" \
        "$WEB_URL/api/pair" > /dev/null
expect_http 200 GET /api/status -b "$T/cookies"
grep -q HttpOnly "$T/cookies" || grep -q '#HttpOnly_' "$T/cookies" || fail "the cookie is not HttpOnly"

log "control: token in the header and our own Origin, or nothing happens"
expect_http 401 POST /api/control/start -b "$T/cookies" -H "Origin: $ORIGIN" -d '{"workout":"intervals-6x400"}'
expect_http 403 POST /api/control/start "${AUTH[@]}" -H "Origin: http://evil.example" -d '{"workout":"intervals-6x400"}'
expect_http 403 POST /api/control/start "${AUTH[@]}" -d '{"workout":"intervals-6x400"}'
expect_http 403 POST /api/control/start -H "Authorization: Bearer $VIEW" -H "Origin: $ORIGIN" -d '{"workout":"intervals-6x400"}'
grep -q ReadOnly "$T/body" || fail "a read-only token was not refused as such"
prop_is State '"idle"' || fail "a refused request changed paced's state: $(prop State)"

log "each control changes paced's state as pacectl's command does"
expect_ctl 200 start '{"workout":"intervals-6x400"}'
wait_for 5 prop_is State '"running"' || fail "start: State $(prop State)"
expect_ctl 200 pause
prop_is State '"paused"' || fail "pause: State $(prop State)"
expect_ctl 200 resume
prop_is State '"running"' || fail "resume: State $(prop State)"
expect_ctl 200 faster '{"kmh":0.5}'
prop_is SpeedOverride 0.5 || fail "faster: SpeedOverride $(prop SpeedOverride)"
expect_ctl 200 slower
prop_is SpeedOverride 0 || fail "slower: SpeedOverride $(prop SpeedOverride)"
# The step's length (elapsed + remaining) grows by the 120 s, however
# much simulated time passes between the readings.
step_len() { echo "$(prop StepElapsed) $(prop StepRemaining)" | awk '{ print $1 + $2 }'; }
before=$(step_len)
expect_ctl 200 extend '{"seconds":120}'
after=$(step_len)
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a > b + 110 && a < b + 130) }' ||
        fail "extend: step length $before -> $after"
expect_ctl 200 skip
prop_is StepIndex 1 || fail "skip: StepIndex $(prop StepIndex)"
# paced's refusals reach the page in paced's words, as pacectl prints them.
expect_ctl 409 start '{"workout":"easy-run"}'
msg=$(jq -r .message "$T/body")
expect_rc 1 pc start easy-run
grep -qF "$msg" "$T/err" || fail "web said '$msg', pacectl: $(cat "$T/err")"
expect_ctl 200 stop
wait_for 5 prop_is State '"aborted"' || fail "stop: State $(prop State)"
expect_ctl 409 pause
msg=$(jq -r .message "$T/body")
expect_rc 1 pc pause
grep -qF "$msg" "$T/err" || fail "web said '$msg', pacectl: $(cat "$T/err")"
expect_ctl 422 start '{"workout":"no-such-workout"}'
msg=$(jq -r .message "$T/body")
expect_rc 2 pc start no-such-workout
grep -qF "$msg" "$T/err" || fail "web said '$msg', pacectl: $(cat "$T/err")"
# Today's workout: the schedule's default, as pacectl start without a name.
expect_ctl 422 start '{"workout":""}'
grep -q "Nothing is scheduled today" "$T/body" || fail "start today: $(cat "$T/body")"

log "the workout waits for the belt: the same words as pacectl"
pc sim press stop
wait_for 5 bash -c "[ \"\$(busctl --address=$BUS_ADDRESS get-property io.paced.paced1 /io/paced/paced1 io.paced.paced1.Simulator BeltState)\" = 's \"idle\"' ]" ||
        fail "the simulated belt did not stop"
expect_ctl 200 start '{"workout":"easy-run","arm":true}'
[ "$(jq -r .message "$T/body")" = "Press START on the treadmill to begin." ] ||
        fail "arm: $(cat "$T/body")"
expect_ctl 200 stop
wait_for 5 bash -c "[ \"\$(curl -s ${AUTH[*]@Q} $WEB_URL/api/sessions | jq length)\" -ge 1 ]" ||
        fail "no session listed"

log "history, report and downloads of the stored session"
expect_http 200 GET /api/sessions "${AUTH[@]}"
id=$(jq '.[] | select(.workout == "6x400 m intervals") | .id' "$T/body" | head -1)
[ -n "$id" ] || fail "the workout's session is not listed: $(cat "$T/body")"
expect_http 200 GET "/api/sessions/$id" "${AUTH[@]}"
jq -e '.summary.duration_s > 0 and (.laps | type == "array")' "$T/body" > /dev/null ||
        fail "session detail: $(head -c 300 "$T/body")"
expect_http 200 GET "/api/sessions/$id/report.svg" "${AUTH[@]}"
grep -q "<svg" "$T/body" || fail "the report is not SVG"
pc report "$id" --state-dir "$T/state" > "$T/report.svg"
cmp -s "$T/body" "$T/report.svg" || fail "the report differs from pacectl report's"
for f in tcx csv fit; do
        expect_http 200 GET "/api/sessions/$id/export.$f" "${AUTH[@]}"
        pc export "$id" --format "$f" --state-dir "$T/state" -o "$T/export.$f"
        cmp -s "$T/body" "$T/export.$f" || fail "export.$f differs from pacectl export's"
done
expect_http 404 GET /api/sessions/999999 "${AUTH[@]}"

log "bad input is refused with a clear status"
expect_http 404 GET /static/..%2f..%2f..%2fetc%2fpasswd "${AUTH[@]}"
expect_http 404 GET /static/../../etc/passwd --path-as-is "${AUTH[@]}"
expect_http 404 GET /static/.hidden "${AUTH[@]}"
expect_http 404 GET "/api/sessions/$id/export.exe" "${AUTH[@]}"
expect_http 404 GET /api/sessions/-1 "${AUTH[@]}"
expect_http 404 GET /api/sessions/99999999999999999999999 "${AUTH[@]}"
expect_http 405 GET /api/control/pause "${AUTH[@]}"
expect_http 405 POST /api/status "${AUTH[@]}" -H "Origin: $ORIGIN"
expect_ctl 400 extend '{"seconds":'
grep -q "Malformed JSON" "$T/body" || fail "malformed JSON: $(cat "$T/body")"
expect_ctl 400 extend '{"seconds":30} x'
expect_ctl 400 extend '[30]'
expect_ctl 400 extend '{"seconds":"30"}'
expect_ctl 400 extend '{"seconds":0}'
expect_ctl 400 faster '{"kmh":9}'
expect_ctl 400 start '{"workout":"easy-run","speed":99}'
expect_ctl 400 start '{"a":{"b":{"c":{"d":{"e":1}}}}}'
head -c 5000 /dev/zero | tr '\0' 'x' > "$T/big"
got=$(http POST /api/control/extend "${AUTH[@]}" -H "Origin: $ORIGIN" --data-binary "@$T/big")
[ "$got" = 413 ] || fail "a 5000-byte body answered $got"
got=$(http GET /api/status "${AUTH[@]}" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' 'y')")
[ "$got" = 431 ] || [ "$got" = 413 ] || fail "a 40 kB header answered $got"
# A client that sends half a request is dropped after client_timeout (2 s).
exec 3<>"/dev/tcp/127.0.0.1/${WEB_URL##*:}"
printf 'GET /api/status HTTP/1.1\r\nHost: x\r\n' >&3
rc=0
timeout 10 cat <&3 > /dev/null || rc=$?
exec 3<&-
[ "$rc" -ne 124 ] || fail "a slow client was not dropped"

log "rate limits"
# 20 at once (in parallel: the limit is 10 at once, then 2 a second).
args=()
for i in $(seq 20); do args+=(-o "$T/limited.$i" "$WEB_URL/api/control/extend"); done
codes=$(curl -s --no-progress-meter --parallel --parallel-max 20 -w '%{http_code} ' -X POST \
        "${AUTH[@]}" -H "Origin: $ORIGIN" -d '{"seconds":' "${args[@]}" || true)
echo "$codes" | grep -q 429 || fail "20 control requests at once were not limited: $codes"
grep -q TooManyRequests "$T"/limited.* || fail "429 without a reason"
codes=""
for _ in $(seq 8); do codes+="$(http POST /api/pair -H "Origin: $ORIGIN" -d '{"code":"AAAAAAAA"}') "; done
echo "$codes" | grep -q 429 || fail "8 pairing guesses at once were not limited: $codes"

log "revoking a device shuts it out at once, its open stream too"
timeout 20 curl -s -N "${AUTH[@]}" "$WEB_URL/api/events" > "$T/stream" &
stream=$!
wait_for 5 grep -q "event: status" "$T/stream" || fail "no status event on the stream"
dev=$(awk '/Runner.s phone/ { print $1 }' "$T/devices")
pc web revoke "$dev"
wait_for 5 bash -c "! kill -0 $stream 2>/dev/null" || fail "the revoked device's stream stayed open"
expect_http 401 GET /api/status "${AUTH[@]}"
expect_rc 1 pc web revoke "$dev"
expect_http 200 GET /api/status -H "Authorization: Bearer $VIEW"

log "paced-web outlives paced and sees it come back"
stop_paced
wait_for 5 bash -c "curl -s -H 'Authorization: Bearer $VIEW' $WEB_URL/api/status | jq -e '.paced_online == false'" ||
        fail "paced-web did not notice paced leaving"
start_paced --simulate --time-scale 20
wait_for 10 bash -c "curl -s -H 'Authorization: Bearer $VIEW' $WEB_URL/api/status | jq -e '.paced_online == true'" ||
        fail "paced-web did not notice paced coming back"
kill -0 "$WEB_PID" || fail "paced-web died"

log "TLS: https URLs, a Secure cookie, the Origin checked with its scheme"
if command -v openssl > /dev/null; then
        kill "$WEB_PID"
        wait "$WEB_PID" 2>/dev/null || true
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
                -days 2 -subj "/CN=127.0.0.1" > /dev/null 2>&1
        printf '[Web]\ntls_certificate = %s\ntls_key = %s\n' "$T/cert.pem" "$T/key.pem" \
                > "$T/tls.conf"
        : > "$T/web.log"
        start_web --config "$T/tls.conf"
        [ "${WEB_URL%%:*}" = https ] || fail "TLS server logged $WEB_URL"
        pc web pair --no-qr > "$T/pair"
        grep -q "open: https://" "$T/pair" || fail "pairing URL: $(cat "$T/pair")"
        code=$(sed -n 's/^Pairing code: \([A-Z0-9-]*\).*/\1/p' "$T/pair")
        got=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://${WEB_URL#https://}" \
                -d "{\"code\":\"$code\"}" "$WEB_URL/api/pair")
        [ "$got" = 403 ] || fail "an http:// Origin paired over TLS ($got)"
        curl -sk -D "$T/headers" -o "$T/body" -X POST -H "Origin: $WEB_URL" \
                -d "{\"code\":\"$code\"}" "$WEB_URL/api/pair"
        grep -i '^set-cookie:.*HttpOnly; SameSite=Strict; Secure' "$T/headers" > /dev/null ||
                fail "no Secure cookie over TLS: $(cat "$T/headers")"
        tls_token=$(jq -r .token "$T/body")
        [ "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tls_token" \
                "$WEB_URL/api/status")" = 200 ] || fail "status over TLS"
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://${WEB_URL#https://}/api/status")" != 200 ] ||
                fail "plain HTTP answered on the TLS port"
else
        log "(no openssl: TLS not tested)"
fi

log "socket activation: started by the first connection, on the socket it was given"
if command -v systemd-socket-activate > /dev/null; then
        kill "$WEB_PID"
        wait "$WEB_PID" 2>/dev/null || true
        port=${WEB_URL##*:}
        systemd-socket-activate -E "PACED_BUS_ADDRESS=$BUS_ADDRESS" \
                -E "PACED_DATA_DIR=$PACED_DATA_DIR" -l "127.0.0.1:$port" \
                "$PACED_WEB" --listen 127.0.0.1:1 \
                --state-dir "$T/web-state" --paced-state-dir "$T/state" > "$T/activated.log" 2>&1 &
        LIB_PIDS+=("$!")
        wait_for 5 grep -q " as 3" "$T/activated.log" || fail "socket-activate did not start"
        ! busctl --address="$BUS_ADDRESS" status io.paced.web1 > /dev/null 2>&1 ||
                fail "paced-web ran before a connection"
        got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $VIEW" \
                "http://127.0.0.1:$port/api/status" || true)
        [ "$got" = 200 ] || fail "the activated paced-web answered $got: $(cat "$T/activated.log")"
        # The given socket replaces --listen.
        grep -q "Listening on http://127.0.0.1:$port" "$T/activated.log" ||
                fail "not on the activated socket: $(cat "$T/activated.log")"
        ! grep -q "Listening on http://127.0.0.1:1$" "$T/activated.log" ||
                fail "--listen was used besides the activated socket"
else
        log "(no systemd-socket-activate: socket activation not tested)"
fi
log "PASS"
