# test_study.sh - `parley study`: the summary table, a grid's rows in CSV
# and JSON, the same bytes whatever the threads, each row the session
# `parley mediate` shows for that seed, generated and GENIUS scenarios,
# the picture, and usage errors.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

expect_rc 0 help study && contains "help study" "$OUT" "Usage: parley study"
expect_rc 0 study --help && contains "study --help" "$OUT" "Usage: parley study"
expect_rc 0 --help && contains "--help lists study" "$OUT" "  study "
RIVER=$ROOT/examples/river-basin.json
PD=$DATA/genius/PartyDomain

# ---- the bundled example by default; the table ----
expect_rc 0 study --seeds 6
contains "table" "$OUT" "Study: 1 scenario x 1 design x 6 seeds = 6 sessions"
contains "table" "$OUT" "scenario: river-basin"
for head in "Agreement rate (Wilson 95% interval)" "Rounds (mean, t 95% interval)" \
    "Efficiency" "Min normalized gain" "Power skew of agreements" "Offset vs power_nash"; do
    contains "table" "$OUT" "$head"
done
matches "table (a rate with its interval)" "$OUT" '^  base +1\.0000 \[0\.[0-9]{4}, 1\.0000\] +[01]\.[0-9]{4} \[0\.[0-9]{4}, 1\.0000\]$'
matches "table (a mean with its interval)" "$OUT" '^  base +[0-9]+\.[0-9]{2} \[[0-9]+\.[0-9]{2}, [0-9]+\.[0-9]{2}\] '

# ---- a 2 x 2 grid: rows, order, threads ----
GRID=(study "$RIVER" --channels on,off --guarantees on,off --seeds 7 --seed 11)
expect_rc 0 "${GRID[@]}" --threads 1 --csv t1.csv --json t1.json --svg grid.svg
table1=$OUT
expect_rc 0 "${GRID[@]}" --threads 3 --csv t3.csv --json t3.json
cmp -s t1.csv t3.csv || fail "CSV differs between 1 and 3 threads"
cmp -s t1.json t3.json || fail "JSON differs between 1 and 3 threads"
[ "$(wc -l <t1.csv)" = 29 ] || fail "grid CSV: $(wc -l <t1.csv) lines, expected 1 + 4 x 7"
contains "grid table" "$table1" "1 scenario x 4 designs x 7 seeds = 28 sessions"
python3 - t1.csv t1.json <<'PY' || fail "grid CSV and JSON"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
designs = ["channels=on guarantees=on", "channels=on guarantees=off",
           "channels=off guarantees=on", "channels=off guarantees=off"]
assert [r["design"] for r in rows] == [d for d in designs for _ in range(7)]
assert [int(r["seed"]) for r in rows] == list(range(11, 18)) * 4
for r in rows:
    assert r["agreement"] in ("0", "1") and int(r["rounds"]) > 0
    if r["agreement"] == "1":
        assert 0 <= float(r["efficiency"]) <= 1 + 1e-12
        float(r["power_skew"]), float(r["offset"])
    else:
        assert r["efficiency"] == "0" and r["power_skew"] == ""
# one baseline per seed, shared by the designs (they only change the mediator)
for k in range(7):
    assert len({tuple(rows[d * 7 + k][c] for c in rows[0] if c.startswith("baseline"))
                for d in range(4)}) == 1
d = json.load(open(sys.argv[2]))
assert [x["name"] for x in d["designs"]] == designs
assert d["designs"][2]["factors"] == {"private_channels": False, "guarantees": True,
                                      "strategies": {"all": "truthful"}}
assert len(d["sessions"]) == 28 and d["seeds"] == {"first": 11, "count": 7}
for x in d["designs"]:
    s = x["mediated"]
    assert set(s) == {"agreement", "rounds", "efficiency", "min_norm_gain", "power_skew", "offset"}
    assert s["agreement"]["lo"] <= s["agreement"]["mean"] <= s["agreement"]["hi"]
    assert s["efficiency"]["n"] == 7
# the summary is the rows' mean
eff = [float(r["efficiency"]) for r in rows if r["design"] == designs[1]]
assert abs(sum(eff) / 7 - d["designs"][1]["mediated"]["efficiency"]["mean"]) < 1e-12
PY
python3 - grid.svg <<'PY' || fail "study --svg is not a well-formed picture"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = [("".join(t.itertext())) for t in root.iter("{http://www.w3.org/2000/svg}text")]
for title in ("agreement rate", "rounds", "efficiency", "min normalized gain"):
    assert title in text, title
assert text.count("channels=off guarantees=on") == 6  # one label per panel
PY

# ---- a row is the session `parley mediate` shows for that seed ----
expect_rc 0 study "$RIVER" --seeds 3 --seed 4 --strategy 'lowen=conceder' --csv rows.csv
expect_rc 0 mediate "$RIVER" --seed 5 --strategy lowen=conceder --json
printf '%s\n' "$OUT" | tail -1 >summary5.json
python3 - rows.csv summary5.json <<'PY' || fail "study row and mediate summary differ"
import csv, json, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if r["seed"] == "5"][0]
s = json.load(open(sys.argv[2]))
for side, prefix in (("mediated", ""), ("baseline", "baseline_")):
    for key in ("efficiency", "min_norm_gain", "gini", "power_skew", "offset"):
        v, cell = s[side][key], row[prefix + key]
        # The same double: both are the shortest decimal that reads back.
        assert (cell == "") if v is None else float(cell) == v, (side, key, cell, v)
    assert int(row[prefix + "rounds"]) == s[side]["rounds"]
    assert row[prefix + "agreement"] == ("1" if s[side]["agreement"] else "0")
PY

# ---- generated and GENIUS scenarios; strategies; no baseline ----
expect_rc 0 study --generate parties=3,issues=3,options=3,conflict=0.7,power=zipf,count=3,seed=5 \
    --genius "$PD/party_domain.xml,$PD/party1_utility.xml,$PD/party2_utility.xml,$PD/party3_utility.xml,$PD/party4_utility.xml" \
    --strategy truthful --strategy '*=conceder' --seeds 2 --no-baseline --csv -
csvout=$OUT
contains "scenarios on stderr" "$ERR" "4 scenarios x 2 designs x 2 seeds = 16 sessions"
python3 - <<PY || fail "generated + GENIUS CSV"
import csv, io
rows = list(csv.DictReader(io.StringIO("""$csvout
""")))
assert len(rows) == 16
names = sorted({r["scenario"] for r in rows})
assert [n for n in names if n.startswith("gen-")] == [
    "gen-p3-i3-o3-c0.7-zipf-s5", "gen-p3-i3-o3-c0.7-zipf-s6", "gen-p3-i3-o3-c0.7-zipf-s7"], names
assert any(n.endswith("party_domain.xml") for n in names)
# Files come first, then GENIUS sets, then generated scenarios.
assert rows[0]["scenario"].endswith("party_domain.xml")
assert {r["design"] for r in rows} == {"strategy=truthful", "strategy=*=conceder"}
assert all(r["baseline_agreement"] == "" for r in rows)
PY
# p1 is a party of the generated scenarios only: an error for PartyDomain.
expect_rc 64 study --generate parties=3,issues=2,options=2 \
    --genius "$PD/party_domain.xml,$PD/party1_utility.xml,$PD/party2_utility.xml" \
    --strategy p1=hardliner --seeds 1
contains "party missing in a scenario" "$ERR" "'p1' is not a voting party"

# ---- rules files apply before the factors ----
echo '{"version": 1, "rules": {"pilots": false, "timetable": {"max_rounds": 40}}}' >rules.json
expect_rc 0 study "$RIVER" --rules rules.json --working-groups on,off --seeds 2 --json r.json
python3 -c "
import json
d = json.load(open('r.json'))
assert [x['name'] for x in d['designs']] == ['working_groups=on', 'working_groups=off']
assert all(s['mediated']['rounds'] <= 40 for s in d['sessions'])
" || fail "--rules with a factor"
echo '{"version": 1, "rules": {"veto": {"window": 0}}}' >bad-rules.json
expect_rc 1 study "$RIVER" --rules bad-rules.json --seeds 1
# A factor can make rules that do not hold: named with its design.
expect_rc 1 study "$RIVER" --veto-window 0,1 --seeds 1
contains "design named" "$ERR" "design 'veto_window=0'"

# ---- usage errors ----
expect_rc 64 study --channels maybe
contains "on/off" "$ERR" "expected on or off, got 'maybe'"
expect_rc 64 study --channels on --channels off
expect_rc 64 study --channels on,on
expect_rc 64 study --lambda 0.5,2
expect_rc 64 study --agenda sideways
expect_rc 64 study --seeds 0
expect_rc 64 study --threads many
expect_rc 64 study --strategy sneaky
expect_rc 64 study --strategy atlantis=truthful
expect_rc 64 study --generate parties=3,issues=2
contains "generate needs sizes" "$ERR" "--generate needs parties=N, issues=K and options=M"
expect_rc 64 study --generate parties=3,issues=2,options=2,colour=red
expect_rc 64 study --genius "$PD/party_domain.xml"
expect_rc 64 study --frobnicate
expect_rc 64 study --csv - --json -
expect_rc 66 study no-such-file.json
expect_rc 73 study --seeds 1 --csv /nonexistent-dir/x.csv

finish
