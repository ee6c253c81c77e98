#!/usr/bin/env bash
# `pacectl export --format tcx` validated against Garmin's
# TrainingCenterDatabase v2 schema (tests/export/TrainingCenterDatabasev2.xsd,
# copied from Garmin) with xmllint, and its content counted with XPath.
set -euo pipefail

: "${PACED_SOURCE_DIR:?}" "${PACED_BUILD_DIR:?}" "${PACECTL:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xsd="$PACED_SOURCE_DIR/tests/export/TrainingCenterDatabasev2.xsd"

id=$("$PACED_BUILD_DIR/paced-mksession" --state-dir "$tmp" --seed 4)
"$PACECTL" export "$id" --db "$tmp/paced.db" -o "$tmp/run.tcx"
xmllint --noout --schema "$xsd" "$tmp/run.tcx"

xp() { xmllint --xpath "$1" "$tmp/run.tcx"; }
ns='local-name()'
samples=$("$PACECTL" show "$id" --db "$tmp/paced.db" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["samples"])')
steps=$("$PACECTL" show "$id" --db "$tmp/paced.db" --json |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["steps"]))')
[ "$(xp "count(//*[$ns='Trackpoint'])")" -eq "$samples" ]
[ "$(xp "count(//*[$ns='Lap'])")" -eq "$steps" ]
[ "$(xp "count(//*[$ns='TPX']/*[$ns='Speed'])")" -eq "$samples" ]
[ "$(xp "string(//*[$ns='Activity']/@Sport)")" = "Running" ]

# A session interrupted mid-way still exports a valid file.
id2=$("$PACED_BUILD_DIR/paced-mksession" --state-dir "$tmp" --seconds 90 --reason open)
"$PACED_BUILD_DIR/paced-mksession" --state-dir "$tmp" --recover | grep -q "^interrupted $id2 "
"$PACECTL" export "$id2" --db "$tmp/paced.db" --format tcx >"$tmp/short.tcx"
xmllint --noout --schema "$xsd" "$tmp/short.tcx"

# The validator is not a rubber stamp: a Lap without its required
# TotalTimeSeconds must be rejected.
sed 's|<TotalTimeSeconds>[^<]*</TotalTimeSeconds>||' "$tmp/run.tcx" >"$tmp/bad.tcx"
if xmllint --noout --schema "$xsd" "$tmp/bad.tcx" 2>/dev/null; then
  echo "schema validation accepted a broken file" >&2
  exit 1
fi
echo ok
