#!/usr/bin/env bash
# run.sh - the web interface's end-to-end tests in headless Chromium.
#
#   bash tests/e2e/run.sh PATH/TO/parleyd [SOURCE_DIR]
#
# Installs the pinned npm dependency (playwright-core, which drives the
# system's /usr/bin/chromium and downloads no browser) when it is missing,
# then runs run.mjs against a parleyd it starts on a free port with a
# temporary database.  Screenshots: $E2E_ARTIFACTS (default
# build/e2e-artifacts under the current directory).
set -euo pipefail

parleyd=$(realpath "${1:?usage: run.sh PARLEYD [SOURCE_DIR]}")
src=$(realpath "${2:-$(dirname "$0")/../..}")
here="$src/tests/e2e"

if [ ! -d "$here/node_modules/playwright-core" ]; then
    # playwright-core has no install script fetching browsers; the variable
    # is a guard should a later version add one.
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

export E2E_ARTIFACTS="${E2E_ARTIFACTS:-$PWD/build/e2e-artifacts}"
exec node "$here/run.mjs" "$parleyd" "$src"
