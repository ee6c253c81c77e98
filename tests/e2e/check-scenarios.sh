#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every scenario a tests/e2e/test-*.sh asks for exists in its scenario file
# (without booting the VM: a missing one otherwise shows only after a boot,
# as "no such scenario").
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
missing=0 checked=0
for t in "$dir"/test-*.sh; do
        line=$(grep -E '^e2e_run ' "$t") || { echo "$t: no e2e_run line"; missing=1; continue; }
        read -r -a words <<<"$line"
        file=${words[2]}
        for s in "${words[@]:3}"; do
                checked=$((checked + 1))
                if ! (
                        set +eu
                        # shellcheck source=/dev/null
                        . "$dir/$file" >/dev/null 2>&1
                        declare -F "scenario_$s" >/dev/null
                ); then
                        echo "$(basename "$t"): no scenario_$s in $file"
                        missing=1
                fi
        done
done
echo "e2e scenarios: $checked checked"
exit "$missing"
