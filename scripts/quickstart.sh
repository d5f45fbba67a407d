#!/usr/bin/env bash
# quickstart.sh - the README's first command: installs what is missing,
# builds parley (Release) and runs it on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/parley
