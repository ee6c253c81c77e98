#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stage two of the e2e guest: system bus, btvirt's four controllers,
# bluetoothd, then every scenario of this boot, each in its own directory of
# the results share (result, scenario.log, hci.btsnoop, peripheral and paced
# logs). Powers the VM off at the end, whatever happens.

R=/run/e2e/results
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8
# shellcheck source=/dev/null
. "$R/config.sh"

poweroff_now() {
        sync
        echo o >/proc/sysrq-trigger
        sleep 30
}
trap poweroff_now EXIT

uptime_s() {
        cut -d' ' -f1 /proc/uptime
}

log() {
        echo "e2e-guest[$(uptime_s)]: $*" | tee -a "$R/guest.log" >/dev/console
}

# request_module() (crypto algorithms, bt-proto-*) must find our modules.
cat >/run/e2e/modprobe <<'EOF'
#!/bin/sh
exec /usr/sbin/modprobe -d /run/e2e/modules "$@"
EOF
chmod +x /run/e2e/modprobe
echo /run/e2e/modprobe >/proc/sys/kernel/modprobe
mount -t debugfs none /sys/kernel/debug 2>/dev/null
# devtmpfs has no /dev/fd: bash's process substitution needs it.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
hostname paced-e2e 2>/dev/null

# shellcheck source=tests/e2e/guest/lib.sh
. "$E2E_SRC/tests/e2e/guest/lib.sh"
# The workout library from the build tree (core/paths.h).
export PACED_DATA_DIR=$E2E_BUILD/share/paced

log "stage two: kernel $(uname -r)"
# The stock system bus plus paced's own policy from the source tree, as the
# package installs it.
cat >/run/e2e/system.conf <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/system.conf</include>
  <include ignore_missing="yes">$E2E_SRC/systemd/paced-dbus.conf</include>
</busconfig>
EOF
dbus-daemon --config-file=/run/e2e/system.conf --fork || { log "dbus-daemon failed"; exit 1; }

# One btvirt process, four controllers on one radio. A controller's reset
# sometimes times out under TCG: retry a fresh btvirt then.
controllers_up() {
        local info
        info=$(timeout 10 btmgmt info 2>/dev/null) || return 1
        grep -q "addr $E2E_PERIPHERAL_ADDR" <<<"$info" && grep -q "addr $E2E_CLIENT_ADDR" <<<"$info" &&
                grep -q "addr $E2E_STRAP_ADDR" <<<"$info" && grep -q "addr $E2E_SPARE_ADDR" <<<"$info"
}
ok=0
for attempt in 1 2 3; do
        btvirt -l4 >"$R/btvirt.log" 2>&1 &
        btvirt_pid=$!
        for _ in $(seq 1 60); do
                if controllers_up; then
                        ok=1
                        break
                fi
                sleep 0.5
        done
        [ "$ok" = 1 ] && break
        log "controllers not up (attempt $attempt), restarting btvirt"
        timeout 10 btmgmt info >>"$R/btvirt.log" 2>&1
        kill "$btvirt_pid" 2>/dev/null
        wait "$btvirt_pid" 2>/dev/null
done
[ "$ok" = 1 ] || { log "btvirt never brought up four controllers"; exit 1; }
log "controllers up"

bluetoothd_start || { log "bluetoothd did not come up"; exit 1; }
log "bluetoothd up, both adapters powered"
uptime_s >"$R/boot.time"
touch "$R/boot.done"

# shellcheck source=/dev/null
. "$E2E_SCENARIO_FILE"

for s in "${E2E_SCENARIOS[@]}"; do
        scenario_run "$s"
done
log "all scenarios done"
