#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl's commands, its man page and its bash completion agree: every
# command answers `pacectl help CMD` and `CMD --help` with its own usage, has
# an entry in pacectl(1) that names each of its long options, and the
# completion offers the commands (and nothing else) and, for each command,
# only options that command has. A new command or option without docs fails
# here. No daemon: seconds.
source "$(dirname "$0")/lib.sh"
lib_init

MAN="$PACED_SOURCE_DIR/docs/pacectl.1"
COMPLETION="$PACED_SOURCE_DIR/systemd/pacectl.bash-completion"
# The man page as text, with roff's escaped hyphens plain.
sed -e 's/\\-/-/g' "$MAN" > "$T/man"
man_text=$(cat "$T/man")
# The entries' header lines (after .TP or .TQ), one string.
entries=$(awk '/^\.T[PQ]/ {getline; print}' "$T/man")

pc help > "$T/help" || true
mapfile -t cmds < <(awk '/^  [a-z]/ {print $1}' "$T/help")
[ "${#cmds[@]}" -ge 20 ] || fail "too few commands in pacectl help: $(cat "$T/help")"

# bash-completion's helpers, as far as pacectl's completion uses them.
_init_completion() {
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() { :; }
# shellcheck source=/dev/null
source "$COMPLETION"
# The completion asks pacectl for its help texts: served from what the real
# pacectl printed (below), so that each check costs no process.
pacectl() {
        if [ "$1" = --help ]; then
                printf '%s\n' "$(< "$T/help")"
        elif [ "${2:-}" = --help ] && [ -f "$T/help-$1" ]; then
                printf '%s\n' "$(< "$T/help-$1")"
        fi
}
complete_words() {
        COMP_WORDS=(pacectl "$@")
        COMP_CWORD=$(($# ))
        COMPREPLY=()
        _pacectl
        printf '%s\n' "${COMPREPLY[@]}"
}

# The top level: the commands and the global options, nothing else.
complete_words "" | sort > "$T/top"
{ printf '%s\n' "${cmds[@]}"; printf '%s\n' --help --version --bus; } | sort > "$T/want"
diff -u "$T/want" "$T/top" > "$T/diff" || fail "completion of commands: $(cat "$T/diff")"

for c in "${cmds[@]}"; do
        # Its own help, both ways.
        expect_rc 0 pc "$c" --help
        mv "$T/out" "$T/help-$c"
        help_text=$(< "$T/help-$c")
        [[ $help_text == "Usage: pacectl $c"* ]] || fail "pacectl $c --help: $help_text"

        # An entry in pacectl(1): named in a .TP/.TQ header line.
        [[ $'\n'$entries$'\n' =~ $'\n'\.BR?\ \"?$c[\ \"$'\n'] ||
                $entries =~ \"\ $c[\ \"$'\n'] ]] || fail "pacectl(1) has no entry for '$c'"
        # Each long option of the command named in the man page.
        opts=
        rest=$help_text
        while [[ $rest =~ --[a-z][a-z0-9-]* ]]; do
                opts+=${BASH_REMATCH[0]}$'\n'
                rest=${rest#*"${BASH_REMATCH[0]}"}
        done
        for o in $opts; do
                [[ $man_text == *"$o"* ]] || fail "pacectl(1) does not mention '$c $o'"
        done
        # The completion offers only the command's own options.
        for o in $(complete_words "$c" -); do
                [[ $o =~ ^--?[a-z] ]] || continue
                [ "$o" = --help ] && continue # every command's (checked above)
                [[ $'\n'$opts$'\n' == *$'\n'"$o"$'\n'* || $help_text =~ (^|[^a-z-])$o([^a-z-]|$) ]] ||
                        fail "completion offers '$c $o', which 'pacectl $c --help' does not list"
        done
done
# pacectl help CMD is CMD --help (one code path for every command: a few suffice).
for c in profile export status version; do
        expect_rc 0 pc help "$c"
        cmp -s "$T/out" "$T/help-$c" || fail "pacectl help $c differs from pacectl $c --help"
done
# pacectl help CMD completes command names.
complete_words help pro | grep -qx profile || fail "no completion of 'pacectl help pro'"
expect_rc 2 pc help nosuchcommand
grep -q "unknown command 'nosuchcommand'" "$T/err" || fail "$(cat "$T/err")"
# The man page's examples name workouts the library has.
sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$PACED_SOURCE_DIR/docs/pacectl.1" |
        sed -n 's/^pacectl \(start\|validate\|export\\-workout\) \([a-z0-9\\-]*\).*/\2/p' |
        sed 's/\\-/-/g' > "$T/examples"
[ -s "$T/examples" ] || fail "no workout named in pacectl(1)'s examples"
while read -r w; do
        [ -f "$PACED_SOURCE_DIR/conf/workouts/$w.txt" ] ||
                fail "pacectl(1)'s examples name '$w', which the library does not have"
done < "$T/examples"
log "PASS"
