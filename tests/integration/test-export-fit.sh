#!/usr/bin/env bash
# A simulated session stored through the writer API, exported with
# `pacectl export --format fit`, decoded by Garmin's FIT SDK
# (@garmin/fitsdk, pinned in tests/export/package-lock.json): isFIT(),
# checkIntegrity(), and read() must show the same records, laps,
# session sport/sub-sport and hrv RR intervals as the database, and the
# planned workout the laps point at (wkt_step_index).
set -euo pipefail

: "${PACED_SOURCE_DIR:?}" "${PACED_BUILD_DIR:?}" "${PACECTL:?}"
source "$PACED_SOURCE_DIR/tests/export/npm-deps.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

id=$("$PACED_BUILD_DIR/paced-mksession" --state-dir "$tmp" --seed 11)
export PACED_STATE_DIR="$tmp"

"$PACECTL" export "$id" --format fit -o "$tmp/run.fit"
"$PACECTL" show "$id" --json >"$tmp/show.json"
"$PACECTL" export "$id" --format csv -o "$tmp/samples.csv"
"$PACECTL" export "$id" --format csv --rr -o "$tmp/rr.csv"

node "$PACED_SOURCE_DIR/tests/export/check-fit.mjs" "$tmp/run.fit" "$tmp/show.json" \
  "$tmp/samples.csv" "$tmp/rr.csv"

# The file name's extension picks the format; a corrupted byte fails the CRC.
"$PACECTL" export "$id" -o "$tmp/again.fit"
cmp "$tmp/run.fit" "$tmp/again.fit"
printf '\x00' | dd of="$tmp/again.fit" bs=1 seek=200 conv=notrunc status=none
if node "$PACED_SOURCE_DIR/tests/export/check-fit.mjs" "$tmp/again.fit" "$tmp/show.json" \
  "$tmp/samples.csv" "$tmp/rr.csv" 2>/dev/null; then
  echo "corrupted FIT passed the integrity check" >&2
  exit 1
fi

# Usage errors are exit code 2.
rc=0; "$PACECTL" export "$id" --format gpx -o "$tmp/x" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ]
rc=0; "$PACECTL" export nope --format csv 2>/dev/null || rc=$?
[ "$rc" -eq 2 ]
rc=0; "$PACECTL" export 999 --format csv 2>/dev/null || rc=$?
[ "$rc" -eq 1 ]
echo "ok"
