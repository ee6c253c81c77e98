#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl as systemctl is used: `pacectl --help` lists every command once,
# in its group (none left in "Other"), and the bash completion offers
# exactly those; bare `pacectl` is `pacectl status`; `pacectl workouts`
# lists the whole library with each workout's title, and `start` takes
# the names it prints.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus
export PACED_DATA_DIR="$PACED_BUILD_DIR/share/paced"

# ---- the command list ----
expect_rc 0 pc --help
cp "$T/out" "$T/help"
grep -q '^Other:' "$T/help" && fail "commands outside the groups: $(sed -n '/^Other:/,$p' "$T/help")"
awk '/^  [a-z]/ { print $1 }' "$T/help" | sort > "$T/help-cmds"
[ "$(wc -l < "$T/help-cmds")" -ge 25 ] || fail "only $(wc -l < "$T/help-cmds") commands listed"
dups=$(uniq -d "$T/help-cmds")
[ -z "$dups" ] || fail "listed twice: $dups"
# Every listed command answers --help with its own usage.
while read -r cmd; do
        expect_rc 0 pc "$cmd" --help
        grep -q "^Usage: pacectl $cmd" "$T/out" || fail "$cmd --help: $(head -2 "$T/out")"
done < "$T/help-cmds"
# The man page has an entry for each: a word of an item's header (the line
# after .TP or .TQ) under COMMANDS.
sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$PACED_SOURCE_DIR/docs/pacectl.1" |
        awk 'prev ~ /^\.T[PQ]/ { print } { prev = $0 }' | sed 's/\\-/-/g' |
        tr -c 'a-z-' '\n' | sort -u > "$T/man-words"
while read -r cmd; do
        grep -qx -- "$cmd" "$T/man-words" || fail "pacectl(1) has no entry for $cmd"
done < "$T/help-cmds"

# ---- the completion offers the same words ----
mkdir -p "$T/bin"
ln -s "$PACECTL" "$T/bin/pacectl"
cat > "$T/complete.sh" <<'SH'
# bash-completion's helpers, reduced to what _pacectl uses.
_init_completion() {
        words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
        cur=${words[cword]}; prev=${words[cword-1]:-}
}
_filedir() { :; }
source "$1"
COMP_WORDS=(pacectl "$2"); COMP_CWORD=1
_pacectl
printf '%s\n' "${COMPREPLY[@]}"
SH
PATH="$T/bin:$PATH" bash "$T/complete.sh" "$PACED_SOURCE_DIR/systemd/pacectl.bash-completion" "" |
        grep -v '^-' | sort > "$T/complete-cmds"
diff -u "$T/help-cmds" "$T/complete-cmds" > "$T/diff" ||
        fail "the completion's commands differ from the help's: $(cat "$T/diff")"

# ---- the workout library ----
expect_rc 0 pc workouts
cp "$T/out" "$T/workouts"
for f in "$PACED_SOURCE_DIR"/conf/workouts/*.txt; do
        name=$(basename "$f" .txt)
        title=$(sed -n 's/^# name: //p' "$f" | head -1)
        grep -qF "  $name" "$T/workouts" || fail "workouts does not list $name"
        awk -v n="$name" '$1 == n' "$T/workouts" | grep -qF "$title" ||
                fail "workouts: $name without its title '$title': $(awk -v n="$name" '$1 == n' "$T/workouts")"
done
expect_rc 0 pc workouts --json
n_json=$(jq length "$T/out")
n_files=$(find "$PACED_SOURCE_DIR/conf/workouts" -maxdepth 1 -name '*.txt' | wc -l)
[ "$n_json" -eq "$n_files" ] || fail "workouts --json lists $n_json, the library has $n_files"
# A library that cannot be found says where it looked.
PACED_DATA_DIR="$T/empty" pc workouts > "$T/out" 2>&1 || true
grep -q "No workouts in the library:.*$T/empty/workouts" "$T/out" ||
        fail "empty library: $(cat "$T/out")"

# ---- 'm' is minutes in every distance pacectl reads, as in workouts ----
expect_rc 2 pc export 1 --auto-lap 400m
grep -q "'m' is minutes, as in workouts; metres are 'mtr'" "$T/err" ||
        fail "export --auto-lap 400m: $(cat "$T/err")"

# ---- bare pacectl is status ----
cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
CONF
start_paced --simulate --time-scale 4
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
# A name workouts printed is one start takes.
expect_rc 0 pc start "$(awk '/^  [a-z]/ { print $1; exit }' "$T/workouts")" --arm
expect_rc 0 pc
grep -v -e 'Elapsed' -e 'Heart' -e 'Speed' -e 'Distance' -e 'Pace' "$T/out" > "$T/bare"
expect_rc 0 pc status
grep -v -e 'Elapsed' -e 'Heart' -e 'Speed' -e 'Distance' -e 'Pace' "$T/out" > "$T/status"
diff -u "$T/status" "$T/bare" > "$T/diff" || fail "bare pacectl is not status: $(cat "$T/diff")"
grep -q "armed" "$T/bare" || fail "bare pacectl: $(cat "$T/bare")"
log "PASS"
