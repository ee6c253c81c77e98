# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenarios run with systemd as PID 1 (tests/e2e/test-paced-systemd.sh): the
# package is installed with dpkg -i on the guest's overlay of the host root
# and paced is run as an admin would run it, through systemctl, with the
# system bus started by systemd.

# as_user CMD...: CMD as an unprivileged user (not in group paced).
as_user() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# journal_paced: this boot's journal of paced.service.
journal_paced() {
        journalctl -b -u paced.service --no-pager -o short-monotonic 2>&1
}

main_pid() {
        systemctl show -P MainPID paced.service
}

unit_is_active() {
        [ "$(systemctl is-active paced.service)" = active ]
}

# sc_ok CMD...: systemctl CMD must succeed; its output and the unit's status
# go into the scenario log either way.
sc_ok() {
        note "systemctl $*"
        systemctl "$@" || fail "systemctl $* failed: $(systemctl status paced --no-pager 2>&1 | tail -20)"
}

# session_stored: paced.db holds a finished session (written off paced's
# loop, a moment after pacectl stop).
session_stored() {
        local db=/var/lib/paced/paced.db
        [ "$(sqlite3 "$db" "SELECT count(*) FROM sessions" 2>/dev/null)" -gt 0 ] 2>/dev/null &&
                [ "$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE end_usec IS NULL")" = 0 ]
}

scenario_service() {
        local pid before after state

        # man-db's trigger rebuilds the whole manual index, minutes over 9p
        # under TCG; without this file (man-db's own switch) it does nothing.
        rm -f /var/lib/man-db/auto-update
        note "dpkg -i $(basename "$E2E_DEB")"
        dpkg -i "$E2E_DEB" >"$S/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -20 "$S/dpkg.log")"
        state=$(systemctl is-enabled paced.service 2>&1 || true)
        [ "$state" = disabled ] || fail "paced.service is $state after install"
        ! unit_is_active || fail "the package started paced"

        # ---- start, as the unit is installed (no Bluetooth in this guest:
        # bluetooth.service is skipped by its condition and paced waits for
        # org.bluez to appear) ----
        sc_ok start paced
        unit_is_active || fail "paced is $(systemctl is-active paced)"
        [ "$(systemctl show -P Type paced.service)" = notify ] || fail "not Type=notify"
        pid=$(main_pid)
        [ "$(stat -c %U "/proc/$pid")" = paced ] || fail "paced runs as $(stat -c %U "/proc/$pid")"
        [ "$(stat -c '%U:%G %a' /var/lib/paced)" = "paced:paced 750" ] ||
                fail "/var/lib/paced is $(stat -c '%U:%G %a' /var/lib/paced)"
        journal_paced >"$S/journal-start.log"
        grep -q 'Acquired the bus name io.paced.paced1' "$S/journal-start.log" ||
                fail "journalctl -u paced has no startup line: $(cat "$S/journal-start.log")"

        # ---- pacectl as root and as anybody ----
        pacectl status >"$S/status-root.txt" 2>&1 || fail "pacectl status (root): $(cat "$S/status-root.txt")"
        as_user pacectl status >"$S/status-user.txt" 2>&1 ||
                fail "pacectl status (nobody): $(cat "$S/status-user.txt")"
        # An unprivileged user reads but does not control.
        if as_user pacectl profile set mile=6:00 >"$S/profile-user.txt" 2>&1; then
                fail "nobody changed the profile"
        fi

        # ---- pacectl profile set: paced writes its drop-in inside its sandbox ----
        pacectl profile set mile=6:15 >"$S/profile-set.txt" 2>&1 ||
                fail "pacectl profile set: $(cat "$S/profile-set.txt"; journal_paced | tail -5)"
        [ -f /etc/paced/paced.conf.d/90-profile.conf ] || fail "no 90-profile.conf"
        grep -q '^mile = 6:15' /etc/paced/paced.conf.d/90-profile.conf ||
                fail "90-profile.conf: $(cat /etc/paced/paced.conf.d/90-profile.conf)"
        pacectl profile >"$S/profile.txt" 2>&1 || fail "pacectl profile: $(cat "$S/profile.txt")"
        grep -q '6:15' "$S/profile.txt" || fail "pacectl profile does not show 6:15: $(cat "$S/profile.txt")"
        [ "$(main_pid)" = "$pid" ] || fail "paced restarted on profile set"

        # ---- reload: a good config reloads, a broken one is refused ----
        before=$(journal_paced | grep -c 'Reloaded configuration' || true)
        sc_ok reload paced
        wait_for 10 eval '[ "$(journal_paced | grep -c "Reloaded configuration")" -gt "$before" ]' ||
                fail "no 'Reloaded configuration' after systemctl reload"
        cp /etc/paced/paced.conf "$S/paced.conf.orig"
        printf '[Safety]\nmax_speed = 99\n' >>/etc/paced/paced.conf
        if systemctl reload paced >"$S/reload-broken.txt" 2>&1; then
                fail "systemctl reload accepted a broken paced.conf"
        fi
        unit_is_active || fail "a refused reload stopped paced"
        [ "$(main_pid)" = "$pid" ] || fail "a refused reload restarted paced"
        # journald may take a moment to file the check's stderr.
        wait_for 10 eval "journal_paced | grep -q 'paced.conf:[0-9]*: .*max_speed'" ||
                fail "the journal does not say what is wrong: $(journal_paced | tail -5)"
        cp "$S/paced.conf.orig" /etc/paced/paced.conf
        sc_ok reload paced

        # ---- stop: clean, SIGTERM only ----
        sc_ok stop paced
        [ "$(systemctl show -P Result paced.service)" = success ] ||
                fail "stop: Result=$(systemctl show -P Result paced.service)"
        journal_paced >"$S/journal-stop.log"
        ! grep -qE 'SIGKILL|timed out|Killing process' "$S/journal-stop.log" ||
                fail "paced did not stop on SIGTERM: $(grep -E 'SIGKILL|timed out|Killing' "$S/journal-stop.log")"
        grep -q 'Stopped\.$' "$S/journal-stop.log" || fail "no 'Stopped.' from paced"
        # No treadmill, no workout: a routine stop, not a safety warning
        # ("Could not finish the safe stop ... belt at nan km/h" before).
        ! grep -qE 'Could not finish the safe stop|nan km/h' "$S/journal-stop.log" ||
                fail "an idle stop warned: $(grep -E 'safe stop|nan' "$S/journal-stop.log")"
        grep -q 'Safe stop done: shutdown: no treadmill connected and no workout' \
                "$S/journal-stop.log" || fail "no 'nothing to stop' line on stop"

        # ---- bus activation: an unprivileged pacectl status starts paced ----
        ! unit_is_active || fail "paced still active after stop"
        as_user pacectl status >"$S/status-activated.txt" 2>&1 ||
                fail "pacectl status did not activate paced: $(cat "$S/status-activated.txt")"
        unit_is_active || fail "paced.service was not activated by the D-Bus call"
        after=$(main_pid)
        [ "$after" != "$pid" ] && [ "$after" != 0 ] || fail "MainPID $after after activation"

        # ---- a workout session in /var/lib/paced: the simulator through a
        # test-only drop-in (no treadmill in this guest); the unit's sandbox,
        # user and state directory stay as packaged ----
        mkdir -p /run/systemd/system/paced.service.d
        cat >/run/systemd/system/paced.service.d/e2e-simulate.conf <<'EOT'
# Test only (tests/e2e/scenarios-systemd.sh): the built-in simulator.
[Service]
ExecStart=
ExecStart=/usr/sbin/paced --simulate --time-scale 30
EOT
        sc_ok daemon-reload
        sc_ok restart paced
        wait_for 30 device_connected treadmill || fail "the simulated treadmill never connected"
        pacectl start tempo-run >"$S/start.txt" 2>&1 || fail "pacectl start: $(cat "$S/start.txt")"
        # The runner presses START on the (simulated) console: paced never
        # starts a stopped belt by itself.
        wait_for 20 status_is state armed || fail "not armed: $(pacectl status 2>&1)"
        pacectl sim press start >"$S/press.txt" 2>&1 || fail "pacectl sim press start: $(cat "$S/press.txt")"
        wait_for 20 status_is state running || fail "not running: $(pacectl status 2>&1)"
        sleep 5
        pacectl stop >"$S/stop.txt" 2>&1 || fail "pacectl stop: $(cat "$S/stop.txt")"
        wait_for 20 session_stored || fail "no session stored: $(pacectl history 2>&1)"
        pacectl history >"$S/history.txt" 2>&1 || fail "pacectl history: $(cat "$S/history.txt")"
        find /var/lib/paced -ls >"$S/state-dir.txt"
        # What the admin grants with "usermod -aG paced": a member of group
        # paced reads the history (the 0750 state directory, 0640 database)
        # and controls paced (the D-Bus policy); anybody else does neither.
        useradd --no-create-home --groups paced e2e-runner
        setpriv --reuid=e2e-runner --regid=e2e-runner --init-groups -- \
                pacectl history >"$S/history-member.txt" 2>&1 ||
                fail "pacectl history (group paced): $(cat "$S/history-member.txt")"
        grep -q 'Tempo run' "$S/history-member.txt" ||
                fail "group paced does not see the session: $(cat "$S/history-member.txt")"
        setpriv --reuid=e2e-runner --regid=e2e-runner --init-groups -- \
                pacectl profile set max_hr=190 >"$S/profile-member.txt" 2>&1 ||
                fail "pacectl profile set (group paced): $(cat "$S/profile-member.txt")"
        if as_user pacectl history >"$S/history-nobody.txt" 2>&1; then
                fail "nobody read the history: $(cat "$S/history-nobody.txt")"
        fi
        [ -s "$S/history-nobody.txt" ] || fail "pacectl history refused nobody without a word"
        [ -s /var/lib/paced/paced.db ] || fail "no /var/lib/paced/paced.db: $(cat "$S/state-dir.txt")"
        [ -z "$(find /var/lib/paced ! -user paced)" ] ||
                fail "not owned by paced: $(find /var/lib/paced ! -user paced)"
        sc_ok stop paced
        [ "$(systemctl show -P Result paced.service)" = success ] ||
                fail "stop: Result=$(systemctl show -P Result paced.service)"
        rm -r /run/systemd/system/paced.service.d
        sc_ok daemon-reload

        # Recorded for docs/systemd.md, not asserted.
        systemd-analyze security --no-pager paced.service >"$S/security.txt" 2>&1 || true
        note "$(tail -n1 "$S/security.txt")"
        journal_paced >"$S/journal.log"
}
