#!/usr/bin/env bash
# Installs the pinned npm packages of tests/export/package.json into
# tests/export/node_modules (gitignored), once; parallel test runs (gcc and
# ASan builds) serialize on a lock. Sourced by tests/integration/test-export-*.sh.
set -euo pipefail

export_dir="$PACED_SOURCE_DIR/tests/export"
if [ ! -f "$export_dir/node_modules/@garmin/fitsdk/package.json" ]; then
  (
    flock 9
    if [ ! -f "$export_dir/node_modules/@garmin/fitsdk/package.json" ]; then
      cd "$export_dir"
      # npm ci installs exactly package-lock.json's versions.
      npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"$export_dir/.npm-install.lock"
fi
