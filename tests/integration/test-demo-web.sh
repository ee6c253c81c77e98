#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's phone demo (tools/demo --web) on the already built tree: it
# prints a pairing URL that pairs, offers today's workout, and starting it
# from the web runs it on the simulated treadmill.
source "$(dirname "$0")/lib.sh"
lib_init
[ -n "${PACED_WEB:-}" ] && [ -x "$PACED_WEB" ] || { log "SKIP: paced-web not built"; exit 77; }
command -v curl > /dev/null && command -v jq > /dev/null || { log "SKIP: curl or jq missing"; exit 77; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PACED_SOURCE_DIR/tools/demo" --web --no-build --build-dir "$PACED_BUILD_DIR" --out "$T/demo" \
        --port "$port" --time-scale 10 > "$T/demo.out" 2>&1 &
demo=$!
LIB_PIDS+=("$demo")
wait_for 30 grep -q "On the phone, open:" "$T/demo.out" || fail "no pairing URL: $(cat "$T/demo.out")"
url=$(sed -n 's/^On the phone, open: //p' "$T/demo.out")
base=${url%%/pair#*}
code=${url##*#}
[ "$base" = "http://127.0.0.1:$port" ] || fail "pairing URL $url"
grep -q "^Today: " "$T/demo.out" || fail "no workout today: $(cat "$T/demo.out")"
grep -q "█" "$T/demo.out" || fail "no QR code"

token=$(curl -sf -X POST -H "Origin: $base" -d "{\"code\":\"$code\"}" "$base/api/pair" | jq -r .token)
[ -n "$token" ] && [ "$token" != null ] || fail "the demo's code did not pair"
auth=(-H "Authorization: Bearer $token")
today=$(curl -sf "${auth[@]}" "$base/api/workouts" | jq -r .today)
[ -n "$today" ] && [ "$today" != null ] || fail "no today's workout offered"
curl -sf -X POST "${auth[@]}" -H "Origin: $base" -d '{"workout":""}' "$base/api/control/start" \
        > /dev/null || fail "starting today's workout failed"
wait_for 10 bash -c "curl -s ${auth[*]@Q} $base/api/status | jq -e '.state == \"running\"'" ||
        fail "today's workout is not running"
kill "$demo"
wait "$demo" 2>/dev/null || true
! curl -s --max-time 2 "$base/" > /dev/null || fail "paced-web outlived the demo"
log "PASS"
