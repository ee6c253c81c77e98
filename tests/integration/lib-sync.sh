# SPDX-License-Identifier: LGPL-2.1-or-later
# paced-sync's test helpers, on top of lib.sh: a test CA made now with
# openssl, the fake intervals.icu and Strava (fake-services.py) on loopback
# with a certificate from that CA, paced-sync on the private bus with the CA
# in its configuration (verification is never turned off), and the secrets
# it is given through $CREDENTIALS_DIRECTORY as systemd would.

: "${PACED_SYNC:?PACED_SYNC must point at the paced-sync binary}"

FAKE_PORT=
FAKE_PID=
SYNC_PID=
# The secrets of these tests: every log and status output is searched for them.
INTERVALS_KEY="ik-SECRET-5f2a9c"
STRAVA_SECRET="cs-SECRET-77e1d0"
STRAVA_CODE="c0de5ec7e7a1b2c3d4"
STRAVA_CLIENT_ID="31337"

# make_ca DIR NAME: a CA and a server certificate for 127.0.0.1 in DIR.
make_ca() {
        local d=$1
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=paced test CA $2" \
                -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign > "$d/openssl.log" 2>&1 ||
                fail "openssl: $(cat "$d/openssl.log")"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" \
                >> "$d/openssl.log" 2>&1 || fail "openssl: $(cat "$d/openssl.log")"
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
                > "$d/ext.cnf"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
                -CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/ext.cnf" \
                >> "$d/openssl.log" 2>&1 || fail "openssl: $(cat "$d/openssl.log")"
}

# start_fake [SETUP_JSON]: the fake services with the test CA's certificate.
start_fake() {
        local setup=${1:-}
        [ -f "$T/ca/ca.pem" ] || make_ca "$T/ca" main
        cat > "$T/fake-setup.json" <<JSON
{"intervals": {"key": "$INTERVALS_KEY", "athlete": "i4242"},
 "strava": {"client_id": "$STRAVA_CLIENT_ID", "client_secret": "$STRAVA_SECRET",
            "codes": ["$STRAVA_CODE"]}}
JSON
        if [ -n "$setup" ]; then
                python3 -c 'import json, sys
a = json.load(open(sys.argv[1])); b = json.loads(sys.argv[2])
for k, v in b.items(): a.setdefault(k, {}).update(v)
json.dump(a, open(sys.argv[1], "w"))' "$T/fake-setup.json" "$setup"
        fi
        rm -f "$T/fake.port"
        python3 "$PACED_SOURCE_DIR/tests/integration/fake-services.py" --port-file "$T/fake.port" \
                --cert "$T/ca/server.pem" --key "$T/ca/server.key" \
                --setup "$T/fake-setup.json" >> "$T/fake.log" 2>&1 &
        FAKE_PID=$!
        LIB_PIDS+=("$FAKE_PID")
        wait_for 20 test -s "$T/fake.port" || fail "the fake services did not start: $(cat "$T/fake.log")"
        FAKE_PORT=$(cat "$T/fake.port")
}

# fake GET|POST PATH [JSON]: the fake's control interface, through the test CA.
fake() {
        local method=$1 path=$2 data=${3:-}
        curl -sS --fail --cacert "$T/ca/ca.pem" -X "$method" ${data:+--data "$data"} \
                "https://127.0.0.1:$FAKE_PORT$path"
}
fake_state() { fake GET /_control/state; }
# fake_fault JSON: queue a fault, e.g. '{"match":"POST /api/v3/uploads","kind":"status","status":503}'
fake_fault() { fake POST /_control/fault "$1" > /dev/null; }
# fake_count EXPR: a number from the fake's state, e.g. 'len(s["strava"]["activities"])'
fake_count() {
        fake_state | python3 -c "import json, sys; s = json.load(sys.stdin); print($1)"
}

# write_sync_conf [EXTRA]: both services against the fake, the test CA, fast retries.
write_sync_conf() {
        cat > "$T/sync.conf" <<CONF
[Sync]
ca_file = $T/ca/ca.pem
timeout = ${SYNC_TIMEOUT:-5s}
retry_min = 1s
retry_max = 4s
calendar_interval = 1h

[intervals.icu]
athlete_id = i4242
api_url = https://127.0.0.1:$FAKE_PORT/api/v1

[Strava]
client_id = $STRAVA_CLIENT_ID
api_url = https://127.0.0.1:$FAKE_PORT/api/v3
oauth_url = https://127.0.0.1:$FAKE_PORT/oauth
CONF
        printf '%s' "${1:-}" >> "$T/sync.conf"
        mkdir -p "$T/credentials" "$T/sync-state"
        chmod 0700 "$T/credentials" "$T/sync-state"
        printf '%s\n' "$INTERVALS_KEY" > "$T/credentials/paced-sync.intervals-api-key"
        printf '%s' "$STRAVA_SECRET" > "$T/credentials/paced-sync.strava-client-secret"
}

sync_owns_name() {
        busctl --address="$BUS_ADDRESS" status io.paced.sync1 > /dev/null 2>&1
}

start_sync() {
        CREDENTIALS_DIRECTORY="$T/credentials" "$PACED_SYNC" --bus "$BUS_ADDRESS" \
                --config "$T/sync.conf" --state-dir "$T/sync-state" "$@" >> "$T/sync.log" 2>&1 &
        SYNC_PID=$!
        LIB_PIDS+=("$SYNC_PID")
        wait_for 20 sync_owns_name || fail "paced-sync did not take its bus name: $(tail -20 "$T/sync.log")"
}

# stop_sync [SIGNAL]: stops paced-sync; after SIGTERM it must exit 0 (under
# ASan that includes no leak and no error).
stop_sync() {
        local sig=${1:-TERM} rc=0
        kill -s "$sig" "$SYNC_PID" 2> /dev/null || true
        wait "$SYNC_PID" 2> /dev/null || rc=$?
        if [ "$sig" = TERM ] && [ "$rc" -ne 0 ]; then
                fail "paced-sync exited $rc on SIGTERM: $(tail -30 "$T/sync.log")"
        fi
}

# sync_job_state SERVICE SESSION: the state of that upload, "" if none.
sync_job_state() {
        "$PACECTL" sync status --json | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(next((j["state"] for j in s["jobs"] if j["service"] == sys.argv[1]
            and j["kind"] == "upload" and j["session_id"] == int(sys.argv[2])), ""))' "$1" "$2"
}
sync_job_is() { [ "$(sync_job_state "$1" "$2")" = "$3" ]; }

# strava_login: the login as a runner does it, with the fake's code.
strava_login() {
        "$PACECTL" sync strava-login \
                --url "http://localhost/exchange_token?state=&code=$STRAVA_CODE&scope=read,activity:write"
}

# run_session FILE: a short workout on the simulator, to its end; prints the session id.
run_session() {
        wait_for 20 treadmill_connected || fail "treadmill not connected"
        "$PACECTL" start "$1" > /dev/null || fail "cannot start $1"
        wait_for 10 prop_is State '"running"' || fail "$1 did not start"
        local id
        id=$(session_id)
        wait_for 120 prop_is State '"finished"' || fail "$1 did not finish: $(prop State)"
        echo "$id"
}

sync_fail_dump() {
        echo "---- paced-sync log (last 40 lines) ----" >&2
        tail -n 40 "$T/sync.log" >&2 || true
        echo "---- fake services log (last 20 lines) ----" >&2
        tail -n 20 "$T/fake.log" >&2 || true
}
