# lib.sh - helpers shared by the CLI tests (sourced, not run).
#
# Each test script takes the parley binary as $1, runs it in a scratch
# directory and reports every failed expectation with the command, its exit
# status and what it printed, then exits 1 if anything failed.

set -u
PARLEY=${1:?usage: bash test_xxx.sh path/to/parley}
case $PARLEY in /*) ;; *) PARLEY=$PWD/$PARLEY ;; esac
if [ ! -x "$PARLEY" ]; then
    echo "FAIL: '$PARLEY' is not an executable" >&2
    exit 1
fi
# Tests read their inputs from the repository, never from elsewhere.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA=$ROOT/tests/data
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
CHECKS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# run ARGS...: runs parley; sets RC, OUT (stdout), ERR (stderr).
run() {
    "$PARLEY" "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
    CHECKS=$((CHECKS + 1))
    if [ "$RC" -ge 128 ]; then
        fail "parley $*: killed by signal $((RC - 128)); stderr: $ERR"
    fi
}

# expect_rc CODE ARGS...: runs parley and checks its exit status.
expect_rc() {
    local want=$1
    shift
    run "$@"
    if [ "$RC" != "$want" ]; then
        fail "parley $*: exit status $RC, expected $want
  stdout: ${OUT:0:600}
  stderr: ${ERR:0:600}"
        return 1
    fi
    return 0
}

# contains WHAT TEXT NEEDLE: TEXT must contain NEEDLE (fixed string).
contains() {
    if [[ "$2" != *"$3"* ]]; then
        fail "$1 should contain '$3'; it was:
${2:0:1200}"
        return 1
    fi
    return 0
}

# matches WHAT TEXT REGEX: some line of TEXT must match the extended regex.
matches() {
    if ! grep -Eq -- "$3" <<<"$2"; then
        fail "$1 should have a line matching /$3/; it was:
${2:0:1200}"
        return 1
    fi
    return 0
}

lacks() {
    if [[ "$2" == *"$3"* ]]; then
        fail "$1 should not contain '$3'; it was:
${2:0:1200}"
        return 1
    fi
    return 0
}

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "$(basename "$0"): $FAILS failure(s) in $CHECKS runs" >&2
        exit 1
    fi
    echo "$(basename "$0"): $CHECKS runs, all expectations met"
    exit 0
}
