#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pacectl export/report -o FILE never clobbers: a session with
# nothing to export is an error that touches nothing (it used to delete an
# existing FILE, and truncate a symbolic link's target); a symbolic link at
# FILE is refused unless --force; the file appears complete or not at all
# (written beside it, then renamed); a directory, FIFO or device is refused.
source "$(dirname "$0")/lib.sh"
lib_init
command -v sqlite3 > /dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
MK="$PACED_BUILD_DIR/paced-mksession"
full=$("$MK" --state-dir "$T/state" --seconds 120)
empty=$("$MK" --state-dir "$T/state" --seconds 0)
[ "$(sqlite3 "$T/state/paced.db" "SELECT count(*) FROM samples WHERE session_id=$empty")" -eq 0 ] ||
        fail "session $empty has samples"
export PACED_STATE_DIR="$T/state"
pcs() { "$PACECTL" "$@"; }
mkdir "$T/files"
cd "$T/files"
umask 022

# ---- binary to a terminal: refused, nothing written to it ----
if command -v script > /dev/null; then
        for cmd in "export $full --format fit" "export $full"; do
                rc=0
                script -qec "$PACECTL $cmd" /dev/null > "$T/tty" 2>&1 || rc=$?
                [ "$rc" -eq 2 ] || fail "'$cmd' on a terminal: exit $rc"
                grep -q 'FIT is binary; use -o FILE or a redirect' "$T/tty" || fail "$(cat "$T/tty")"
                grep -qa '\.FIT' "$T/tty" && fail "'$cmd' wrote FIT to the terminal"
        done
        # Text formats go to the terminal as ever.
        script -qec "$PACECTL export $full --format csv" /dev/null > "$T/tty" 2>&1 ||
                fail "csv on a terminal: $(head -3 "$T/tty")"
else
        log "script(1) missing: skipping the terminal checks"
fi

# ---- nothing to export: no file touched, whatever the format ----
for cmd in "export $empty -o x.fit" "export $empty --format tcx -o x.fit" \
        "export $empty --format csv -o x.fit" "export $empty --format csv --rr -o x.fit" \
        "report $empty -o x.fit"; do
        echo precious > x.fit
        ln -sf x.fit link.fit
        # shellcheck disable=SC2086
        expect_rc 1 pcs $cmd
        grep -q 'nothing written' "$T/err" || fail "'$cmd': $(cat "$T/err")"
        [ "$(cat x.fit)" = precious ] || fail "'$cmd' changed the existing file"
        # shellcheck disable=SC2086
        expect_rc 1 pcs ${cmd/x.fit/link.fit} --force
        [ -L link.fit ] && [ "$(cat x.fit)" = precious ] ||
                fail "'$cmd' through a link changed its target"
done
# Standard output: the error, and no output at all.
expect_rc 1 pcs export "$empty" --format csv
[ ! -s "$T/out" ] || fail "output for an empty session: $(head -c 200 "$T/out")"
# (The session with samples has RR intervals: --rr has something to write.)
expect_rc 0 pcs export "$full" --format csv --rr -o rr.csv
[ "$(wc -l < rr.csv)" -gt 100 ] || fail "rr.csv: $(wc -l < rr.csv) lines"

# ---- a symbolic link at FILE: refused without --force ----
echo victim > victim.tcx
ln -s victim.tcx link.tcx
expect_rc 1 pcs export "$full" -o link.tcx
grep -q 'symbolic link' "$T/err" || fail "link: $(cat "$T/err")"
[ "$(cat victim.tcx)" = victim ] && [ -L link.tcx ] || fail "export wrote through the link"
expect_rc 1 pcs report "$full" -o link.tcx
[ "$(cat victim.tcx)" = victim ] || fail "report wrote through the link"
# --force: the file it points to is replaced, the link stays a link.
expect_rc 0 pcs export "$full" -o link.tcx --force
[ -L link.tcx ] || fail "--force replaced the link itself"
grep -q '<TrainingCenterDatabase' victim.tcx || fail "--force did not write the target"

# ---- an existing file is replaced whole, with an ordinary mode; no temporary left ----
echo old > s.svg
chmod 0600 s.svg
expect_rc 0 pcs report "$full" -o s.svg
head -c 200 s.svg | grep -q '<svg' || fail "s.svg not replaced"
tail -c 10 s.svg | grep -q '</svg>' || fail "s.svg incomplete"
[ "$(stat -c %a s.svg)" = 644 ] || fail "mode $(stat -c %a s.svg)"
expect_rc 0 pcs export "$full" -o new.fit
[ "$(stat -c %a new.fit)" = 644 ] || fail "new.fit mode $(stat -c %a new.fit)"
ls -A | grep -q '^\.' && fail "temporary files left: $(ls -A)"
# A failing write (no such directory) leaves nothing behind either.
expect_rc 1 pcs export "$full" -o nodir/x.fit

# ---- not a regular file: refused, never replaced ----
mkfifo pipe.fit
mkdir dir.fit
for target in pipe.fit dir.fit; do
        rc=0
        timeout 10 "$PACECTL" export "$full" -o "$target" \
                > "$T/o" 2> "$T/err" || rc=$?
        [ "$rc" -eq 1 ] || fail "$target: rc $rc $(cat "$T/err")"
        grep -q 'not a regular file' "$T/err" || fail "$target: $(cat "$T/err")"
done
[ -p pipe.fit ] && [ -d dir.fit ] || fail "a FIFO or directory was replaced"
ls -A | grep -q '^\.' && fail "temporary files left: $(ls -A)"
log "PASS"
