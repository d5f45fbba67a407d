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

# ---- periods and monitoring ----
DUR=(study --guarantees on,off --monitoring none,periodic,0.7 --periods 5 --seeds 15 --seed 2 --no-baseline)
expect_rc 0 "${DUR[@]}" --threads 1 --csv d1.csv --json d1.json --svg d1.svg
table=$OUT
expect_rc 0 "${DUR[@]}" --threads 3 --csv d3.csv --json d3.json
cmp -s d1.csv d3.csv || fail "durability CSV differs between 1 and 3 threads"
cmp -s d1.json d3.json || fail "durability JSON differs between 1 and 3 threads"
contains "table" "$table" "1 scenario x 6 designs x 15 seeds = 90 sessions"
contains "table" "$table" "Durability: agreements standing after 5 periods (Wilson 95% interval, over agreements reached)"
contains "table" "$table" "Periods kept before the first breach, of 5"
matches "table row" "$table" '^  guarantees=on monitoring=periodic +[01]\.[0-9]{4} \[[01]\.[0-9]{4}, [01]\.[0-9]{4}\] +[0-9]+$'
python3 - d1.csv d1.json <<'PY' || fail "durability CSV and JSON"
import csv, json, sys
from math import sqrt
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0])[-2:] == ["standing", "periods_kept"]
designs = ["guarantees=%s monitoring=%s" % (g, m) for g in ("on", "off")
           for m in ("none", "periodic", "0.7")]
assert [r["design"] for r in rows] == [d for d in designs for _ in range(15)]
for r in rows:
    if r["agreement"] == "1":
        assert r["standing"] in ("0", "1")
        assert 0 <= int(r["periods_kept"]) <= 5
        assert (r["standing"] == "1") == (r["periods_kept"] == "5")
    else:
        assert r["standing"] == "" and r["periods_kept"] == ""
# monitoring changes nothing in the session, and the draws are shared:
# each session is kept at least as long under more monitoring
for g in range(2):
    for k in range(15):
        kept = [rows[(g * 3 + m) * 15 + k]["periods_kept"] for m in range(3)]
        if kept[0]:
            assert int(kept[0]) <= int(kept[1]) <= int(kept[2]), kept
d = json.load(open(sys.argv[2]))
assert d["implementation"] == {"periods": 5, "breach_base": 0.2}
assert [x["factors"].get("monitoring") for x in d["designs"]] == [0, 0.5, 0.7] * 2
z = 1.959963984540054
for x, dn in zip(d["designs"], designs):
    mine = [r for r in rows if r["design"] == dn and r["agreement"] == "1"]
    n, k = len(mine), sum(r["standing"] == "1" for r in mine)
    du = x["durability"]
    assert du["n"] == n and abs(du["mean"] - k / n) < 1e-12
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert abs(du["lo"] - (c - h)) < 1e-9 and abs(du["hi"] - (c + h)) < 1e-9
    pk = x["periods_kept"]
    assert pk["n"] == n
    assert abs(pk["mean"] - sum(int(r["periods_kept"]) for r in mine) / n) < 1e-12
for s in d["sessions"]:
    assert ("standing" in s) and ("periods_kept" in s)
PY
grep -q "durability" d1.svg || fail "study --svg with periods has no durability panel"

# --monitoring alone asks for the default 8 periods; --periods alone
# monitors nothing; --breach-base scales every probability.
expect_rc 0 study --monitoring independent --seeds 3 --no-baseline
contains "default periods" "$OUT" "standing after 8 periods"
expect_rc 0 study --periods 3 --seeds 3 --no-baseline --json p.json
contains "periods alone" "$OUT" "standing after 3 periods"
python3 -c "
import json; d = json.load(open('p.json'))
assert 'monitoring' not in d['designs'][0]['factors']
" || fail "--periods alone sets no monitoring factor"
expect_rc 0 study --periods 4 --breach-base 0 --seeds 5 --no-baseline
matches "no breach without a base hazard" "$OUT" '^  base +1\.0000 \[0\.[0-9]{4}, 1\.0000\] +5$'

# ---- errors name the flag ----
expect_rc 64 study --periods -1
contains "--periods negative" "$ERR" "--periods"
expect_rc 64 study --periods 10001
contains "--periods too many" "$ERR" "--periods"
expect_rc 64 study --periods eight
contains "--periods word" "$ERR" "--periods"
expect_rc 64 study --monitoring sometimes
contains "--monitoring word" "$ERR" "--monitoring: expected none, periodic, independent or a number from 0 to 1, got 'sometimes'"
expect_rc 64 study --monitoring 1.5
contains "--monitoring range" "$ERR" "got '1.5'"
expect_rc 64 study --monitoring none,none
contains "--monitoring twice" "$ERR" "--monitoring: 'none' listed twice"
expect_rc 64 study --monitoring periodic --periods 0
contains "--monitoring without periods" "$ERR" "--monitoring needs implementation periods"
expect_rc 64 study --breach-base 0.5
contains "--breach-base without periods" "$ERR" "--breach-base needs implementation periods"
expect_rc 64 study --periods 3 --breach-base 2
contains "--breach-base range" "$ERR" "--breach-base"
expect_rc 0 help study
contains "help" "$OUT" "--periods T"
contains "help" "$OUT" "--monitoring M,..."

finish
