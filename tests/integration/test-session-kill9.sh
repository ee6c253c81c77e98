#!/usr/bin/env bash
# kill -9 at random moments while a writer appends samples and flushes as
# the manager does (a commit at most every second of its clock). After each
# kill: the database passes PRAGMA integrity_check, every sample reported
# committed is there, at most the last second (one 1 Hz sample) is lost,
# and the next open marks the session interrupted and offers it for resume.
set -euo pipefail

: "${PACED_BUILD_DIR:?}" "${PACECTL:?}"
mk="$PACED_BUILD_DIR/paced-mksession"
tmp=$(mktemp -d)
writer=
cleanup() {
  if [ -n "$writer" ]; then kill -9 "$writer" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

rounds=12
for round in $(seq 1 "$rounds"); do
  # Even rounds run flat out, so kills often land inside a commit (fsync);
  # odd rounds pace like a real clock, so kills land between commits.
  "$mk" --state-dir "$tmp" --writer --tick-ms $((round % 2 * 2)) >"$tmp/out" 2>"$tmp/err" &
  writer=$!
  # Random moment: 30 ms .. 1 s of real time (1.5 .. 50 virtual seconds).
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.03 + (r % 970) / 1000 }')"
  kill -9 "$writer"
  wait "$writer" 2>/dev/null || true
  writer=
  if [ -s "$tmp/err" ]; then cat "$tmp/err" >&2; exit 1; fi

  [ "$(sqlite3 "$tmp/paced.db" 'PRAGMA integrity_check')" = ok ]
  id=$(sqlite3 "$tmp/paced.db" 'SELECT max(id) FROM sessions')
  stored=$(sqlite3 "$tmp/paced.db" "SELECT count(*) FROM samples WHERE session_id = $id")
  added=$(awk '$1 == "added" { n = $2 } END { print n + 0 }' "$tmp/out")
  committed=$(awk '$1 == "committed" { n = $2 } END { print n + 0 }' "$tmp/out")
  echo "round $round: session $id added $added committed $committed stored $stored"
  # Everything reported committed survived; at most one second was lost.
  [ "$stored" -ge "$committed" ]
  [ "$stored" -le "$added" ]
  [ $((added - stored)) -le 1 ]
  # Stored samples are a gap-free prefix: t = 0 .. stored-1.
  [ "$(sqlite3 "$tmp/paced.db" "SELECT count(DISTINCT t) = $stored AND coalesce(max(t), -1) = $stored - 1 FROM samples WHERE session_id = $id")" = 1 ]

  # The reader must not touch it; the daemon's next open marks it interrupted.
  [ "$("$PACECTL" show "$id" --state-dir "$tmp" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["end_reason"])')" = running ]
  recovered=$("$mk" --state-dir "$tmp" --recover)
  if [ "$stored" -gt 0 ]; then
    [ "$recovered" = "interrupted $id $((stored - 1)) 0" ]
  else
    [ "${recovered% *}" = "interrupted $id 0" ]
  fi
  [ "$(sqlite3 "$tmp/paced.db" "SELECT end_reason FROM sessions WHERE id = $id")" = interrupted ]
done

# All rounds' sessions are there, all interrupted, none running.
[ "$(sqlite3 "$tmp/paced.db" "SELECT count(*) FROM sessions WHERE end_reason = 'interrupted'")" -eq "$rounds" ]
[ "$(sqlite3 "$tmp/paced.db" 'PRAGMA integrity_check')" = ok ]
"$PACECTL" history --state-dir "$tmp" | grep -c interrupted
echo ok
