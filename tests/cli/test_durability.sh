# test_durability.sh - `parley study` with implementation periods: without
# them (--periods 0, or not given) the outputs are those recorded in
# tests/golden/study/ before durability existed, byte for byte; with them,
# the durability columns, their agreement with the rows, the same bytes
# whatever the threads, and the errors of the new options.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
G=$ROOT/tests/golden/study
GRID=(study --channels on,off --guarantees on,off --seeds 20 --seed 3)

# ---- no periods: today's outputs, unchanged ----
for periods in "" "--periods 0"; do
    # shellcheck disable=SC2086
    expect_rc 0 "${GRID[@]}" $periods --threads 2 --csv g.csv --json g.json --svg g.svg
    printf '%s\n' "$OUT" | tail -n +2 >g.txt
    for ext in csv json svg txt; do
        cmp -s "g.$ext" "$G/river-grid.$ext" ||
            fail "study ${periods:-without --periods}: $ext differs from tests/golden/study/river-grid.$ext"
    done
done

finish
