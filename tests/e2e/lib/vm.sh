# SPDX-License-Identifier: LGPL-2.1-or-later
# Host side of the end-to-end test bed (sourced by tests/e2e/test-*.sh).
#
# The build machines have no Bluetooth in their kernel and no KVM, so a Debian
# stock kernel boots under qemu (TCG) with the host's / shared read-only over
# 9p; btvirt makes two virtual LE controllers on one radio and a real
# bluetoothd serves both. See docs/e2e.md for the recipe and
# docs/peripheral.md for the virtual treadmill + strap.
#
# Environment:
#   PACED_E2E_SKIP=1        skip (prints SKIPPED); anything missing otherwise fails
#   PACED_E2E_CACHE=DIR     kernel/initramfs cache (default tests/e2e/cache)
#   PACED_E2E_KERNEL_PKG=P  exact linux-image package to use (default: newest 6.12)
#   PACED_E2E_SCENARIOS="a b"  run only these scenarios of a test
#   PACED_E2E_TIMEOUT=S     whole-VM timeout in seconds (default 840, under ctest's 900)
#   PACED_E2E_SCENARIO_TIMEOUT=S  per-scenario watchdog in the guest (default 150)
#   PACED_E2E_KEEP=1        keep every scenario's logs, not only the failed ones
#   PACED_E2E_DEB=FILE      the paced .deb a scenario installs (test-paced-systemd.sh)
# Set by a test script before e2e_run:
#   E2E_GUEST_INIT=systemd  systemd as PID 1 on an overlay of the host root
#                           (guest/init, guest/systemd/, guest/systemd-run.sh)

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E_SKIP_CODE=77

e2e_die() {
        echo "e2e: FATAL: $*" >&2
        exit 1
}

e2e_log() {
        echo "e2e: $*" >&2
}

# Explicit opt-out only; everything else that is missing is an error.
e2e_check_skip() {
        if [ "${PACED_E2E_SKIP:-0}" = 1 ]; then
                echo "e2e: SKIPPED (PACED_E2E_SKIP=1): $1 did not run"
                exit "$E2E_SKIP_CODE"
        fi
}

e2e_check_prereqs() {
        local missing=() c
        for c in qemu-system-x86_64 apt-get apt-cache dpkg cpio gzip xz zstd modinfo depmod \
                 btvirt btmgmt btmon bluetoothd bluetoothctl dbus-daemon busctl timeout flock \
                 perl; do
                command -v "$c" >/dev/null 2>&1 || missing+=("$c")
        done
        [ -x /bin/busybox ] || missing+=("/bin/busybox (busybox-static)")
        if [ -x /bin/busybox ] && ldd /bin/busybox >/dev/null 2>&1; then
                # The initramfs holds nothing but busybox: it must be static.
                missing+=("static /bin/busybox (busybox-static)")
        fi
        [ "${#missing[@]}" -eq 0 ] ||
                e2e_die "missing prerequisites: ${missing[*]} (run tools/install-deps," \
                        "or set PACED_E2E_SKIP=1 to skip explicitly)"
        [ -n "${PACED_SOURCE_DIR:-}" ] && [ -n "${PACED_BUILD_DIR:-}" ] ||
                e2e_die "PACED_SOURCE_DIR and PACED_BUILD_DIR must be set (run through ctest)"
        case "$PACED_BUILD_DIR" in
        /tmp/* | /tmp) e2e_die "the build dir must live outside /tmp: the guest has its own /tmp" ;;
        esac
}

# Which kernel package: an explicit one, else the one linux-image-6.12-amd64
# depends on (the newest 6.12 in the archive), else the 6.1 metapackage's.
e2e_kernel_pkg() {
        local meta pkg
        if [ -n "${PACED_E2E_KERNEL_PKG:-}" ]; then
                echo "$PACED_E2E_KERNEL_PKG"
                return 0
        fi
        for meta in linux-image-6.12-amd64 linux-image-amd64; do
                pkg=$(apt-cache depends "$meta" 2>/dev/null |
                      sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
                if [ -n "$pkg" ]; then
                        [ "$meta" = linux-image-6.12-amd64 ] ||
                                e2e_log "WARNING: no 6.12 kernel in the archive, using $pkg" \
                                        "(pairing is impossible on 6.1 under TCG)"
                        echo "$pkg"
                        return 0
                fi
        done
        return 1
}

# Downloads (once) and unpacks the kernel; sets E2E_KDIR, E2E_KVER, E2E_VMLINUZ.
e2e_fetch_kernel() {
        local cache=$1 pkg deb unpacked
        pkg=$(e2e_kernel_pkg) || true
        if [ -z "$pkg" ]; then
                # Offline, or apt lists missing: an already unpacked kernel still works.
                unpacked=$(ls -d "$cache"/kernel/linux-image-*/ 2>/dev/null | sort -V | tail -n1 || true)
                [ -n "$unpacked" ] ||
                        e2e_die "cannot resolve a linux-image-6.12 package (apt-get update?)" \
                                "and no cached kernel in $cache/kernel"
                pkg=$(basename "$unpacked")
                e2e_log "apt-cache gave no kernel package; using cached $pkg"
        fi
        E2E_KDIR=$cache/kernel/$pkg
        if [ ! -e "$E2E_KDIR/.done" ]; then
                mkdir -p "$cache/deb"
                deb=$(ls "$cache"/deb/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
                if [ -z "$deb" ]; then
                        e2e_log "downloading $pkg"
                        # apt drops privileges to _apt when it can; the cache is
                        # root-owned when run as root, which only costs a warning.
                        (cd "$cache/deb" && apt-get download -q "$pkg") ||
                                e2e_die "apt-get download $pkg failed"
                        deb=$(ls "$cache"/deb/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
                        [ -n "$deb" ] || e2e_die "apt-get download $pkg produced no .deb"
                fi
                rm -rf "$E2E_KDIR"
                mkdir -p "$E2E_KDIR"
                dpkg -x "$deb" "$E2E_KDIR" || e2e_die "dpkg -x $deb failed"
                touch "$E2E_KDIR/.done"
        fi
        E2E_KVER=$(ls "$E2E_KDIR/lib/modules" | head -n1)
        E2E_VMLINUZ=$E2E_KDIR/boot/vmlinuz-$E2E_KVER
        [ -n "$E2E_KVER" ] && [ -r "$E2E_VMLINUZ" ] || e2e_die "no kernel image in $E2E_KDIR"
}

# Modules the guest needs; their dependencies are resolved with modinfo.
E2E_MODULES=(
        virtio_pci 9pnet_virtio 9p                           # the host root and results
        overlay                                              # E2E_GUEST_INIT=systemd
        hci_vhci bluetooth ecdh_generic crc16 rfkill         # btvirt's controllers
        cmac ccm ecb af_alg algif_hash algif_skcipher        # SMP and bluetoothd's crypto
)

# Appends module $1 and its dependencies (dependencies first) to E2E_ORDER.
e2e_resolve_module() {
        local name=$1 mdir=$2 stage=$3 src rel dst dep
        case " ${E2E_SEEN[*]} " in *" $name "*) return 0 ;; esac
        E2E_SEEN+=("$name")
        if grep -qE "/${name//_/[_-]}\.ko\$" "$mdir/modules.builtin"; then
                return 0
        fi
        src=$(find "$mdir/kernel" -regextype posix-extended \
                   -regex ".*/${name//_/[_-]}\.ko(\.xz|\.zst|\.gz)?" | head -n1)
        [ -n "$src" ] || e2e_die "kernel module $name not found in $mdir"
        rel=${src#"$mdir"/}
        dst=$stage/lib/modules/$E2E_KVER/${rel%.*}
        case "$src" in
        *.ko) dst=$stage/lib/modules/$E2E_KVER/$rel ;;
        esac
        mkdir -p "$(dirname "$dst")"
        case "$src" in
        *.xz) xz -dc "$src" >"$dst" ;;
        *.zst) zstd -qdc "$src" >"$dst" ;;
        *.gz) gzip -dc "$src" >"$dst" ;;
        *) cp "$src" "$dst" ;;
        esac
        for dep in $(modinfo -F depends "$dst" | tr ',' ' '); do
                e2e_resolve_module "$dep" "$mdir" "$stage"
        done
        E2E_ORDER+=("${dst#"$stage"/lib/modules/"$E2E_KVER"/}")
}

# Builds (once per kernel and init script) the busybox initramfs; sets E2E_INITRD.
e2e_build_initramfs() {
        local cache=$1 key stage mdir
        key=$(cat "$E2E_DIR/guest/init" /bin/busybox "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
        E2E_INITRD=$cache/initramfs-$E2E_KVER-$key.cpio.gz
        [ -e "$E2E_INITRD" ] && return 0
        e2e_log "building initramfs for $E2E_KVER"
        stage=$cache/initramfs-stage
        rm -rf "$stage"
        mkdir -p "$stage"/{bin,dev,proc,sys,newroot}
        cp /bin/busybox "$stage/bin/busybox"
        install -m 0755 "$E2E_DIR/guest/init" "$stage/init"
        mdir=$E2E_KDIR/lib/modules/$E2E_KVER
        E2E_SEEN=()
        E2E_ORDER=()
        local m
        for m in "${E2E_MODULES[@]}"; do
                e2e_resolve_module "$m" "$mdir" "$stage"
        done
        printf '%s\n' "${E2E_ORDER[@]}" >"$stage/modules.load"
        cp "$mdir"/modules.order "$mdir"/modules.builtin* "$stage/lib/modules/$E2E_KVER/"
        # modules.dep & co. let the guest's request_module() (modprobe -d) work.
        depmod -b "$stage" "$E2E_KVER" || e2e_die "depmod failed"
        (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$E2E_INITRD.tmp" ||
                e2e_die "cpio failed"
        mv "$E2E_INITRD.tmp" "$E2E_INITRD"
        rm -rf "$stage"
}

# e2e_run NAME SCENARIO_FILE SCENARIO...
#   Boots one VM, runs the scenarios (functions scenario_<name> defined in
#   tests/e2e/SCENARIO_FILE) one after the other, and reports each.
e2e_run() {
        local test=$1 file=$2
        shift 2
        local scenarios=("$@") cache results out rc=0 s status t0 t1 failed=()

        e2e_check_skip "$test"
        e2e_check_prereqs
        if [ -n "${PACED_E2E_SCENARIOS:-}" ]; then
                read -r -a scenarios <<<"$PACED_E2E_SCENARIOS"
        fi

        cache=${PACED_E2E_CACHE:-$PACED_SOURCE_DIR/tests/e2e/cache}
        mkdir -p "$cache"
        exec 9>"$cache/.lock"
        flock 9 # several worktrees/builds may share a cache
        e2e_fetch_kernel "$cache"
        e2e_build_initramfs "$cache"
        flock -u 9

        results=$PACED_BUILD_DIR/e2e-run/$test
        out=$PACED_BUILD_DIR/Testing/e2e/$test
        rm -rf "$results" "$out"
        mkdir -p "$results" "$out"
        {
                printf 'E2E_SRC=%q\n' "$PACED_SOURCE_DIR"
                printf 'E2E_BUILD=%q\n' "$PACED_BUILD_DIR"
                printf 'E2E_KVER=%q\n' "$E2E_KVER"
                printf 'E2E_SCENARIO_FILE=%q\n' "$E2E_DIR/$file"
                printf 'E2E_SCENARIOS=(%s)\n' "${scenarios[*]}"
                printf 'PACED=%q\n' "${PACED:-$PACED_BUILD_DIR/paced}"
                printf 'PACECTL=%q\n' "${PACECTL:-$PACED_BUILD_DIR/pacectl}"
                printf 'PERIPHERAL=%q\n' "$PACED_BUILD_DIR/paced-peripheral"
                printf 'E2E_SCENARIO_TIMEOUT=%q\n' "${PACED_E2E_SCENARIO_TIMEOUT:-150}"
                printf 'E2E_DEB=%q\n' "${PACED_E2E_DEB:-}"
        } >"$results/config.sh"
        local append="console=ttyS0 quiet panic=-1 mitigations=off"
        if [ "${E2E_GUEST_INIT:-script}" = systemd ]; then
                # systemd as PID 1 on an overlay of the host root (guest/init);
                # it starts e2e.target, whose service runs guest/systemd-run.sh.
                mkdir -p "$results/units"
                cp "$E2E_DIR"/guest/systemd/* "$results/units/"
                printf '#!/bin/bash\nexec /bin/bash %q\n' "$E2E_DIR/guest/systemd-run.sh" \
                        >"$results/stage2.sh"
                append+=" e2e.init=systemd"
        else
                printf '#!/bin/bash\nexec /bin/bash %q\n' "$E2E_DIR/guest/run.sh" >"$results/stage2.sh"
        fi

        e2e_log "booting $E2E_KVER for ${#scenarios[@]} scenario(s): ${scenarios[*]}"
        t0=$(date +%s.%N)
        # -smp 2: TCG runs one thread per vCPU. No network, no disk: the
        # host root is read-only, only $results is writable.
        timeout --kill-after=10 "${PACED_E2E_TIMEOUT:-840}" \
                qemu-system-x86_64 -accel tcg -smp 2 -m 384 -cpu max \
                -display none -monitor none -serial "file:$results/console.log" \
                -no-reboot -nodefaults \
                -kernel "$E2E_VMLINUZ" -initrd "$E2E_INITRD" \
                -append "$append" \
                -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
                -virtfs "local,path=$results,mount_tag=results,security_model=none" \
                </dev/null || rc=$?
        t1=$(date +%s.%N)
        e2e_log "VM ran $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s (qemu exit $rc)"

        if [ ! -e "$results/boot.done" ]; then
                e2e_log "the guest never finished booting; console:"
                tail -n 60 "$results/console.log" >&2
                cp -r "$results/." "$out/"
                e2e_die "VM boot failed (logs in $out)"
        fi
        [ -e "$results/boot.time" ] && e2e_log "guest ready after $(cat "$results/boot.time")"

        for s in "${scenarios[@]}"; do
                status=$(cat "$results/$s/result" 2>/dev/null || echo "NOT RUN")
                printf 'e2e: %-28s %s\n' "$s" "$status"
                case "$status" in
                PASS*)
                        [ "${PACED_E2E_KEEP:-0}" = 1 ] && cp -r "$results/$s" "$out/"
                        ;;
                *)
                        failed+=("$s")
                        mkdir -p "$out/$s"
                        [ -d "$results/$s" ] && cp -r "$results/$s/." "$out/$s/"
                        cp "$results/console.log" "$results/bluetoothd.log" "$out/" 2>/dev/null
                        echo "---- $s: scenario log (tail) ----"
                        tail -n 40 "$results/$s/scenario.log" 2>/dev/null
                        echo "---- $s: logs copied to $out/$s ----"
                        ;;
                esac
        done
        if [ "${#failed[@]}" -gt 0 ]; then
                echo "e2e: FAILED: ${failed[*]}"
                return 1
        fi
        echo "e2e: all ${#scenarios[@]} scenario(s) passed"
        return 0
}
