#!/usr/bin/env bash
# test.sh - the README's second command: builds (Debug, -Werror) and runs the
# whole test suite under ctest, whose closing line states passed/failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$(nproc)"
cd build-test && ctest --output-on-failure -j"$(nproc)"
