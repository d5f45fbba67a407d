#!/usr/bin/env bash
# deps.sh - installs the Debian 12 packages parley needs to build, test,
# fuzz and benchmark, skipping the ones already present.  Sourced or run by
# scripts/quickstart.sh and .ci/run; needs root (or sudo) only when something
# is missing.
set -euo pipefail

PARLEY_PACKAGES=(
  build-essential cmake pkg-config   # toolchain
  libjansson-dev                     # JSON reading and writing
  libxml2-dev                        # GENIUS XML import
  libsqlite3-dev                     # the store: ledger and keys (WAL, durable commits)
  libsodium-dev                      # ledger signatures (Ed25519) and hashes (BLAKE2b)
  libmicrohttpd-dev                  # parleyd, the live service's HTTP layer
  libcmocka-dev                      # unit tests
  clang libclang-rt-14-dev           # libFuzzer targets, sanitizers
  valgrind                           # leak checks in CI
  hyperfine time wrk curl            # benchmarks (wrk: bench/service.sh against parleyd)
  chromium                           # headless browser for the web UI's tests (tests/e2e)
  python3                            # JSON checks in CLI tests
)

missing=()
for p in "${PARLEY_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run the browser tests (tests/e2e, playwright-core from the
# npm registry); a machine that has them from elsewhere keeps its own.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
