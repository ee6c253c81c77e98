#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cmake --install puts everything an admin needs in place (into a DESTDIR
# here): binaries, the unit pointing at the installed binary, the D-Bus
# policy where dbus-daemon looks, sysusers/tmpfiles, the config, man pages,
# bash completion and the workout library.
source "$(dirname "$0")/lib.sh"
lib_init

DESTDIR="$T/root" cmake --install "$PACED_BUILD_DIR" > "$T/install.log" 2>&1 ||
        fail "cmake --install: $(tail -20 "$T/install.log")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$PACED_BUILD_DIR/CMakeCache.txt")
root="$T/root"
etc="$root$prefix/etc"
[ "$prefix" = /usr ] && etc="$root/etc"

for f in "$prefix/sbin/paced" "$prefix/bin/pacectl" \
        "$prefix/lib/systemd/system/paced.service" \
        /usr/share/dbus-1/system.d/io.paced.paced1.conf \
        /usr/share/dbus-1/system-services/io.paced.paced1.service \
        "$prefix/lib/sysusers.d/paced.conf" "$prefix/lib/tmpfiles.d/paced.conf" \
        "$prefix/share/man/man8/paced.8" "$prefix/share/man/man1/pacectl.1" \
        "$prefix/share/man/man5/paced.conf.5" \
        "$prefix/share/bash-completion/completions/pacectl" \
        "$prefix/share/paced/workouts/ramp-test.txt" \
        "$prefix/share/doc/paced/examples/paced-audio.conf" \
        "$prefix/libexec/paced-sync" "$prefix/lib/systemd/system/paced-sync.service" \
        "$prefix/lib/systemd/system/paced-sync.timer" \
        "$prefix/lib/systemd/system/paced-sync-now.service" \
        /usr/share/dbus-1/system.d/io.paced.sync1.conf \
        "$prefix/lib/sysusers.d/paced-sync.conf" "$prefix/lib/tmpfiles.d/paced-sync.conf" \
        "$prefix/share/man/man8/paced-sync.8"; do
        [ -e "$root$f" ] || fail "not installed: $f"
done
[ -e "$etc/paced/paced.conf" ] || fail "config not installed under $etc/paced"
[ -e "$etc/paced/sync.conf" ] || fail "sync.conf not installed under $etc/paced"
# The shipped defaults, for comparing and starting over.
cmp -s "$root$prefix/share/paced/paced.conf" "$PACED_SOURCE_DIR/conf/paced.conf" ||
        fail "the default paced.conf is not in share/paced"
cmp -s "$root$prefix/share/paced/sync.conf" "$PACED_SOURCE_DIR/conf/sync.conf" ||
        fail "the default sync.conf is not in share/paced"

# An admin edits the config (the runner's profile, a safety cap), then
# installs again (an upgrade): the edits stay; a deleted file comes back.
printf '[Runner]\nmile = 6:15\n[Safety]\nmax_speed = 14\n' > "$etc/paced/paced.conf"
echo "# mine" >> "$etc/paced/sync.conf"
cp "$etc/paced/sync.conf" "$T/sync.conf.mine"
rm -f "$etc/paced/web.conf"
DESTDIR="$T/root" cmake --install "$PACED_BUILD_DIR" > "$T/install2.log" 2>&1 ||
        fail "second cmake --install: $(tail -20 "$T/install2.log")"
grep -q '^max_speed = 14$' "$etc/paced/paced.conf" ||
        fail "re-installing overwrote paced.conf: $(cat "$etc/paced/paced.conf")"
cmp -s "$etc/paced/sync.conf" "$T/sync.conf.mine" || fail "re-installing overwrote sync.conf"
grep -q "Keeping: .*/paced/paced.conf" "$T/install2.log" ||
        fail "the install does not say it kept paced.conf: $(cat "$T/install2.log")"
if [ -n "${PACED_WEB:-}" ]; then
        [ -e "$etc/paced/web.conf" ] || fail "a missing web.conf was not installed again"
fi
grep -q "^ExecStart=$prefix/libexec/paced-sync\$" \
        "$root$prefix/lib/systemd/system/paced-sync.service" || fail "paced-sync's ExecStart"
grep -q "^ExecStart=$prefix/bin/pacectl sync now\$" \
        "$root$prefix/lib/systemd/system/paced-sync-now.service" || fail "paced-sync-now's ExecStart"
"$root$prefix/libexec/paced-sync" --help | grep -q "default $prefix/etc/paced/sync.conf\|default /etc/paced/sync.conf" ||
        fail "paced-sync's default config path does not match the install"
grep -q "^ExecReload=$prefix/sbin/paced --check-config\$" \
        "$root$prefix/lib/systemd/system/paced.service" || fail "paced's ExecReload="
grep -q "^ExecStart=$prefix/sbin/paced\$" "$root$prefix/lib/systemd/system/paced.service" ||
        fail "unit ExecStart does not point at the installed binary"
# The installed daemon reads the installed config by default.
"$root$prefix/sbin/paced" --help | grep -q "default $prefix/etc/paced/paced.conf\|default /etc/paced/paced.conf" ||
        fail "paced's default config path does not match the install"
"$root$prefix/sbin/paced" --check-config --config "$root$prefix/share/paced/paced.conf" \
        > /dev/null || fail "installed config rejected"
# The installed programs find the library where it was installed, never in
# the source tree they were built from. (A sanitizer build's reports name
# source files: such a build is not installed; it is not checked.)
sanitize=$(sed -n 's/^PACED_SANITIZE:BOOL=//p' "$PACED_BUILD_DIR/CMakeCache.txt")
[ "$sanitize" = ON ] && log "(sanitizer build: the source path check is skipped)"
[ "$sanitize" = ON ] || for b in "$prefix/sbin/paced" "$prefix/bin/pacectl" "$prefix/libexec/paced-sync" \
        ${PACED_WEB:+"$prefix/sbin/paced-web"}; do
        objcopy --strip-debug "$root$b" "$T/stripped" || fail "objcopy $b"
        ! grep -aqF "$PACED_SOURCE_DIR" "$T/stripped" || fail "$b names the source tree"
done
PACED_DATA_DIR="$root$prefix/share/paced" "$root$prefix/bin/pacectl" validate ramp-test \
        > "$T/validate" 2>&1 || fail "the installed library: $(cat "$T/validate")"
if [ ! -e "$prefix/share/paced/workouts/ramp-test.txt" ]; then
        ! env -u PACED_DATA_DIR "$root$prefix/bin/pacectl" validate ramp-test > "$T/validate" 2>&1 ||
                fail "pacectl found ramp-test outside $prefix/share/paced: $(cat "$T/validate")"
fi

# Every file the installed man pages point to is installed; none points
# into a source tree (docs/...).
for page in "$root$prefix"/share/man/man*/*; do
        ! grep -q '^\.IR\? docs/' "$page" || fail "$page points into the source tree: $(grep '^\.IR\? docs/' "$page")"
        for f in $(grep -o '/usr/share/doc/paced/[A-Za-z0-9_./-]*[A-Za-z0-9]' "$page"); do
                [ -e "$root$prefix/share/doc/paced/${f#/usr/share/doc/paced/}" ] ||
                        fail "$(basename "$page") points to $f, which is not installed"
        done
done

# paced-web, when built: binary, page, unit, socket, policy, user, man page, config.
if [ -n "${PACED_WEB:-}" ]; then
        for f in "$prefix/sbin/paced-web" "$prefix/share/paced/web/index.html" \
                "$prefix/share/paced/web/app.js" "$prefix/lib/systemd/system/paced-web.service" \
                "$prefix/lib/systemd/system/paced-web.socket" \
                /usr/share/dbus-1/system.d/io.paced.web1.conf \
                "$prefix/lib/sysusers.d/paced-web.conf" "$prefix/share/man/man8/paced-web.8"; do
                [ -e "$root$f" ] || fail "not installed: $f"
        done
        [ -e "$etc/paced/web.conf" ] || fail "web.conf not installed under $etc/paced"
        # The shipped web.conf is all comments: it parses, and changes no default.
        "$root$prefix/sbin/paced-web" --help | grep -q "web.conf" || fail "paced-web --help"
fi
log "PASS"
