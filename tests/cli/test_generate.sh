# test_generate.sh - `parley generate` writes valid, reproducible scenarios.
source "$(dirname "$0")/lib.sh"

args=(--parties 4 --issues 3 --options 5 --power zipf --conflict 0.7 --seed 99)
expect_rc 0 generate "${args[@]}" && a=$OUT
expect_rc 0 generate "${args[@]}" && b=$OUT
[ "$a" = "$b" ] || fail "generate with the same seed gave different output"
expect_rc 0 generate --parties 4 --issues 3 --options 5 --power zipf --conflict 0.7 --seed 100 &&
    [ "$OUT" != "$a" ] || fail "generate with another seed gave the same output"
contains "generated scenario" "$a" '"version"'

# -o writes the same bytes as stdout, and the file validates.
expect_rc 0 generate "${args[@]}" -o "$TMP/g.json"
[ -z "$OUT" ] || fail "generate -o also printed on stdout"
[ "$(cat "$TMP/g.json")" = "$a" ] || fail "generate -o wrote other bytes than stdout"
expect_rc 0 validate "$TMP/g.json" &&
    contains "validate generated" "$OUT" "$TMP/g.json: ok (3 issues, 4 parties, 125 packages"
expect_rc 0 generate --parties 4 --issues 3 --options 5 --seed 7 --output="$TMP/h.json"
[ -s "$TMP/h.json" ] || fail "--output=FILE wrote nothing"

# Every power distribution and the extremes of conflict give valid files.
for power in equal linear zipf dominant random; do
    for conflict in 0 1; do
        expect_rc 0 generate --parties 3 --issues 2 --options 3 --power $power \
            --conflict $conflict --reservation 0.2 -o "$TMP/p.json" &&
            expect_rc 0 validate "$TMP/p.json"
    done
done
# The seed range is the full 64 bits.
expect_rc 0 generate --parties 2 --issues 1 --options 2 --seed 18446744073709551615

finish
