#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs tests/web/package-lock.json's puppeteer-core into the gitignored
# tests/web/node_modules, once (npm ci: exactly the locked versions; it
# downloads no browser: the tests drive Debian's /usr/bin/chromium). Parallel
# test runs (gcc and ASan builds) serialize on a lock. Sourced by the tests.
set -euo pipefail

web_dir="$PACED_SOURCE_DIR/tests/web"
if [ ! -f "$web_dir/node_modules/puppeteer-core/package.json" ]; then
  (
    flock 9
    if [ ! -f "$web_dir/node_modules/puppeteer-core/package.json" ]; then
      cd "$web_dir"
      npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"$web_dir/.npm-install.lock"
fi
