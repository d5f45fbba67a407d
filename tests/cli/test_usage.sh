# test_usage.sh - help, version and usage errors of the parley command.
#
# A usage error is one line naming the offending argument, then a hint, and
# exit status 64; an unreadable input file is named with exit status 66.
# Nothing may crash, whatever the arguments.
source "$(dirname "$0")/lib.sh"

expect_rc 0 --help && contains "--help" "$OUT" "Usage: parley"
contains "--help" "$OUT" "analyze"
expect_rc 0 -h
expect_rc 0 help && contains "help" "$OUT" "Commands:"
expect_rc 0 --version && matches "--version" "$OUT" '^parley [0-9]+\.[0-9]+\.[0-9]+$'
for cmd in validate convert analyze generate; do
    expect_rc 0 help "$cmd" && contains "help $cmd" "$OUT" "Usage: parley $cmd"
    expect_rc 0 "$cmd" --help && contains "$cmd --help" "$OUT" "Usage: parley $cmd"
done
expect_rc 0 analyse --help && contains "analyse alias" "$OUT" "Usage: parley analyze"

# usage_error WHAT NEEDLE ARGS...: exit 64, the needle named on the first
# line of stderr, a hint on the second, nothing on stdout.
usage_error() {
    local needle=$1
    shift
    expect_rc 64 "$@" || return
    local first second
    first=$(sed -n 1p <<<"$ERR")
    second=$(sed -n 2p <<<"$ERR")
    contains "first stderr line of 'parley $*'" "$first" "$needle"
    contains "second stderr line of 'parley $*'" "$second" "Try 'parley"
    [ -z "$OUT" ] || fail "parley $*: printed on stdout: $OUT"
}

usage_error "unknown command 'frobnicate'" frobnicate
usage_error "unknown option '--frobnicate'" --frobnicate
usage_error "unknown command 'HELP'" HELP
usage_error "unknown command 'nope'" help nope
usage_error "unknown option '--nope'" analyze --nope x.json
usage_error "unknown option '-q'" validate -q x.json
usage_error "missing FILE" validate
usage_error "missing the scenario FILE" analyze
usage_error "missing the scenario FILE" analyze --json
usage_error "'--lambda' needs a value" analyze x.json --lambda
usage_error "'--json' takes no value" analyze x.json --json=yes
usage_error "missing the input format" convert
usage_error "unknown format 'xml'" convert xml a.xml
usage_error "missing PROFILE.xml" convert genius domain.xml
usage_error "missing FILE.csv" convert ktab
usage_error "unexpected argument 'b.csv'" convert ktab a.csv b.csv
usage_error "missing --parties" generate --issues 2 --options 3
usage_error "missing --issues" generate --parties 2 --options 3
usage_error "missing --options" generate --parties 2 --issues 3
usage_error "unexpected argument 'extra'" generate --parties 2 --issues 2 --options 2 extra

# Numbers are parsed strictly.
for bad in 1.5x "" " 1" 1e nan NaN inf -inf 0x1p1 1,5 2 -0.5 1e400; do
    usage_error "--conflict" generate --parties 2 --issues 2 --options 2 --conflict "$bad"
done
for bad in 0 65 -1 2.5 3x "" 99999999999999999999999; do
    usage_error "--parties" generate --parties "$bad" --issues 2 --options 2
done
usage_error "--issues" generate --parties 2 --issues 257 --options 2
usage_error "--options" generate --parties 2 --issues 2 --options 65537
usage_error "--seed" generate --parties 2 --issues 2 --options 2 --seed -1
usage_error "--seed" generate --parties 2 --issues 2 --options 2 --seed 18446744073709551616
usage_error "--power" generate --parties 2 --issues 2 --options 2 --power strong
usage_error "--reservation" generate --parties 2 --issues 2 --options 2 --reservation 1.01
usage_error "--lambda" analyze x.json --lambda 1.5
usage_error "--lambda" analyze x.json --lambda=abc
usage_error "--floor" analyze x.json --floor -0.1
usage_error "--threads" analyze x.json --threads 2.0
usage_error "--method" analyze x.json --method fast
usage_error "--budget" analyze x.json --budget 10
usage_error "--budget" analyze x.json --budget time=
usage_error "--budget" analyze x.json --budget speed=3
usage_error "--budget time" analyze x.json --budget time=0
usage_error "--budget memory" analyze x.json --budget time=1,memory=1.5

# Unreadable inputs are named, with their own exit status.
missing=$TMP/does-not-exist.json
for cmd in validate analyze; do
    expect_rc 66 "$cmd" "$missing" &&
        contains "parley $cmd on a missing file" "$ERR" "cannot read '$missing'"
done
expect_rc 66 convert ktab "$TMP/none.csv" && contains "convert ktab missing" "$ERR" "none.csv"
expect_rc 66 convert genius "$TMP/d.xml" "$TMP/p.xml" && contains "convert genius missing" "$ERR" "d.xml"
expect_rc 66 analyze "$TMP"
# A directory is not a readable scenario: either refused as unreadable or
# reported as invalid, never a crash.
run validate "$TMP"
[ "$RC" = 1 ] || [ "$RC" = 66 ] || fail "validate on a directory: exit status $RC"

# Output that cannot be written.
expect_rc 73 generate --parties 2 --issues 2 --options 2 -o "$TMP/no/such/dir/x.json" &&
    contains "generate -o into a missing dir" "$ERR" "cannot create"

finish
