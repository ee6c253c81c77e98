#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The randomized state-space test of the safety invariants, long: N seeded
# sequences (default 100000) from seed FIRST (default 1). CI runs 1500 of
# them; record a long run's figure in docs/reliability.md.
#   bench/safety-random.sh [N [FIRST]]      (BUILD=build by default)
set -euo pipefail
build=${BUILD:-build}
n=${1:-100000}
first=${2:-1}
bin="$build/tests/test-safety-random"
[ -x "$bin" ] || { echo "build $bin first (cmake --build $build)" >&2; exit 1; }
start=$(date +%s)
"$bin" --count "$n" --first "$first"
echo "$n sequences from seed $first in $(($(date +%s) - start)) s"
