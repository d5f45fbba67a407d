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
  hyperfine time                     # benchmarks
  python3                            # JSON checks in CLI tests
)

missing=()
for p in "${PARLEY_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
