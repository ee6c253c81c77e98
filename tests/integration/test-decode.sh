#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl decode: real outputs and exit codes. Vectors from
# tests/vectors/real-captures.jsonl (sources cited there) and docs/protocol.md.
set -euo pipefail

: "${PACECTL:?PACECTL must point at the pacectl binary}"
fails=0

fail() {
        echo "FAIL: $*" >&2
        fails=$((fails + 1))
}

# expect_json <needle> <args...>: exit 0 and stdout contains needle
expect_out() {
        local needle=$1
        shift
        local out
        if ! out=$("$PACECTL" decode "$@" 2>&1); then
                fail "decode $* exited non-zero: $out"
                return
        fi
        case $out in
        *"$needle"*) ;;
        *) fail "decode $*: expected '$needle' in: $out" ;;
        esac
}

# expect_usage <needle> <args...>: exit 2, one line on stderr naming the problem, nothing on stdout
expect_usage() {
        local needle=$1
        shift
        local out err rc=0
        out=$("$PACECTL" decode "$@" 2>/tmp/decode-err.$$) || rc=$?
        err=$(cat /tmp/decode-err.$$)
        rm -f /tmp/decode-err.$$
        [ "$rc" -eq 2 ] || fail "decode $*: exit $rc, expected 2"
        [ -z "$out" ] || fail "decode $*: printed to stdout on error: $out"
        [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "decode $*: error not one line: $err"
        case $err in
        *"$needle"*) ;;
        *) fail "decode $*: expected '$needle' in error: $err" ;;
        esac
}

# Life Fitness (TMIW life_fitness_treadmill_test.dart): text and JSON, sentinels as n/a.
LF=9e04730233022500003c00ff7f0000ff7f0200ffffff1f00
expect_out "instantaneous speed          6.27 km/h" 2acd $LF
expect_out "total distance               37 m" treadmill-data $LF
expect_out "ramp angle                   not available" 0x2ACD $LF
expect_out '"speed_kmh":6.27,"avg_speed_kmh":5.63,"distance_m":37,"incline_pct":6,"ramp_deg":null' \
        2acd $LF --json
expect_out '"na":["ramp_deg","energy_per_hour_kcal","energy_per_min_kcal"]' --json 2acd $LF
expect_out '"elapsed_s":31' 00002acd-0000-1000-8000-00805f9b34fb $LF --json

# Matrix, cut at 20 bytes by the MTU: decoded as far as it goes, and said so.
expect_out '"truncated":true,"dangling_bytes":1' 2acd 9e1f5100b2005800000000ff7f0000ffff0c0097 --json
expect_out "note: truncated" 2acd "9e 1f 51 00 b2 00 58 00 00 00 00 ff 7f 00 00 ff ff 0c 00 97"

# Technogym packet 1 (More Data set, no speed) and Urevo (RFU bit 13 + 3 trailing bytes).
expect_out '"more_data":true,"avg_speed_kmh":3.88' 2acd 1f0084012a00000000000001000000 --json
expect_out '"trailing_bytes":3,"rfu_bits":8192' 2acd 9c25000000000000000000000000000000000000000000000000 --json

# Heart rate: separators as nRF Connect prints them, RR lists in ms, uint16 HR.
expect_out '"heart_rate_bpm":115,"hr_uint16":false,"contact":"detected","rr_raw":[528,525],"rr_ms":[515.625,512.6953125]' \
        heart-rate 16:73:10:02:0d:02 --json
expect_out "515.62 ms (528/1024 s)" 0x2a37 16-73-10-02-0d-02
expect_out '"heart_rate_bpm":300,"hr_uint16":true' 2a37 01 2c 01 --json
expect_out '"contact":"not-detected"' 2A37 0454 --json

# Control point: a request, and a response when it starts with 0x80.
expect_out '"op_code":2,"op_name":"set-target-speed","speed_kmh":11,"trailing_bytes":5' \
        control-point 024c040000000000 --json
expect_out '"op_code":128,"op_name":"response-code","request_op_code":0,"request_op_name":"request-control","result_code":1,"result":"success"' \
        2ad9 "80 00 01" --json
expect_out "result                       invalid-parameter" control-point 800203
expect_out '"stop_pause":"pause"' 2ad9 0802 --json

# Machine status (pyftms fixture), feature (FitShow), ranges, training status quirk.
expect_out '"op_code":5,"op_name":"target-speed-changed","target_speed_kmh":1.05' machine-status 056900 --json
expect_out '"machine_features":5724' feature "5C 16 00 00 03 00 00 00" --json
expect_out '"target_feature_names":["speed-target","inclination-target"]' 2acc 5c16000003000000 --json
expect_out '"min_kmh":1,"max_kmh":18,"increment_kmh":0.1' speed-range 640008070a00 --json
expect_out "minimum                      -6.0 %" incline-range c4ff96000500
expect_out '"status":"idle","string":"","string_missing":true' training-status 0101 --json

# --help works and exits 0.
"$PACECTL" decode --help | grep -q "treadmill-data" || fail "decode --help"

# Invalid input: exit 2 and a one-line error naming what is wrong.
expect_usage "unknown characteristic 'bogus'" bogus 00
expect_usage "unknown characteristic '2a38'" 2a38 00
expect_usage "odd number of hex digits" 2acd 9e0
expect_usage "not a hex digit" 2acd 9x00
expect_usage "expected <characteristic> <hex>" 2acd ""
expect_usage "empty value" 2acd " : "
expect_usage "malformed treadmill-data value (1 bytes)" 2acd 9e
expect_usage "malformed treadmill-data value (3 bytes): cut before the first field" 2acd 0000b0
expect_usage "malformed heart-rate value" 2a37 01 50
expect_usage "malformed control-point value" 2ad9 08
expect_usage "malformed control-point value" 2ad9 8000
expect_usage "malformed feature value" feature 5c160000
expect_usage "malformed speed-range value" 2ad4 6400
expect_usage "malformed machine-status value" 2ada 05 69
expect_usage "expected <characteristic> <hex>" 2acd
expect_usage "unrecognized option" --bogus-option 2acd 00

if [ "$fails" -gt 0 ]; then
        echo "$fails check(s) failed" >&2
        exit 1
fi
echo "all decode checks passed"
