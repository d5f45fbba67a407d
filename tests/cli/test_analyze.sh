# test_analyze.sh - `parley analyze`: the text report, --json with every
# concept, --svg, --frontier, options reaching the library, the impasse
# (exit 2, clash named), and a progress bar only on a terminal.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

cat >river.json <<'JSON'
{
  "version": 1,
  "name": "Small river",
  "issues": [
    {"id": "dam", "name": "Dam", "kind": "discrete", "options": ["build", "halt", "delay"]},
    {"id": "flow", "name": "Flow", "kind": "integer", "min": 0, "max": 10, "unit": "m3/s"},
    {"id": "fund", "name": "Fund", "kind": "discrete", "options": ["none", "small", "large"]}
  ],
  "parties": [
    {"id": "up", "name": "Upstream", "power": 3, "reservation": 0.2,
     "utility": {"dam": {"weight": 0.5, "table": {"build": 1, "halt": 0, "delay": 0.6}},
                 "flow": {"weight": 0.3, "linear": {"offset": 1, "slope": -0.1, "origin": 0}},
                 "fund": {"weight": 0.2, "table": {"none": 1, "small": 0.7, "large": 0}}}},
    {"id": "down", "name": "Downstream", "power": 1, "reservation": 0.1,
     "utility": {"dam": {"weight": 0.4, "table": {"build": 0, "halt": 1, "delay": 0.5}},
                 "flow": {"weight": 0.4, "linear": {"offset": 0, "slope": 0.1, "origin": 0}},
                 "fund": {"weight": 0.2, "table": {"none": 0, "small": 0.6, "large": 1}}}},
    {"id": "delta", "name": "Delta towns", "power": 1, "reservation": 0,
     "utility": {"dam": {"weight": 0.2, "table": {"build": 0.2, "halt": 1, "delay": 0.4}},
                 "flow": {"weight": 0.6, "ideal": {"at": 6, "scale": 6}},
                 "fund": {"weight": 0.2, "table": {"none": 0, "small": 1, "large": 0.5}}}}
  ]
}
JSON

# ---- the text report ----
expect_rc 0 analyze river.json
report=$OUT
contains "report" "$report" "Scenario: Small river"
matches "report" "$report" '^  Upstream +3 +60\.0% +0\.2000 '
matches "report" "$report" '^Feasible set: +[0-9,]+ packages? \(exact count\)'
matches "report" "$report" '^Pareto frontier: [0-9,]+ distinct utility vectors?, [0-9,]+ efficient packages? \(exact\)'
for c in utilitarian nash power_nash ks egalitarian mediated; do
    matches "report" "$report" "^== $c: "
done
matches "report (package written out)" "$report" '^   Flow: +[0-9]+ m3/s$'
matches "report (package written out)" "$report" '^   Dam: +(build|halt|delay)$'
matches "report (metrics table)" "$report" '^ +party +u +gain +norm\.gain$'
matches "report (metrics table)" "$report" '^ +Delta towns +[0-9.-]+ +[0-9.-]+ +[0-9.-]+$'
matches "report (metrics)" "$report" 'efficiency [0-9.]+.*min gain'
matches "report (metrics)" "$report" 'Gini [0-9.]+; power skew [-+][0-9.]+; offset vs power_nash'
[ -z "$ERR" ] || fail "analyze river.json printed on stderr: $ERR"

# ---- --json: valid, every concept, the same numbers as the report ----
expect_rc 0 analyze river.json --json
printf '%s\n' "$OUT" >river-analysis.json
python3 -m json.tool river-analysis.json >/dev/null || fail "analyze --json is not valid JSON"
python3 - river-analysis.json <<'PY' || fail "analyze --json lacks a concept or a field"
import json, sys
d = json.load(open(sys.argv[1]))
names = [s["concept"] for s in d["solutions"]]
assert names == ["utilitarian", "nash", "power_nash", "ks", "egalitarian", "mediated"], names
for s in d["solutions"]:
    assert s["found"], s
    assert set(s["package"]) == {"dam", "flow", "fund"}, s["package"]
    assert set(s["metrics"]["utility"]) == {"up", "down", "delta"}
assert d["feasible"]["exact"] and d["frontier"]["exact"]
assert "points" not in d["frontier"]
PY
# The report shows the utilitarian package of the JSON.
flow=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["solutions"][0]["package"]["flow"])' river-analysis.json)
matches "report vs JSON" "$report" "^   Flow: +$flow\$"

# --frontier: every vector listed, in JSON and in text.
expect_rc 0 analyze river.json --json --frontier
python3 -c '
import json, sys
f = json.loads(sys.stdin.read())["frontier"]
sys.exit(0 if len(f["points"]) == f["vectors"] > 0 else 1)' <<<"$OUT" ||
    fail "--json --frontier does not list every frontier vector"
vectors=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frontier"]["vectors"])' river-analysis.json)
expect_rc 0 analyze river.json --frontier
contains "--frontier text" "$OUT" "Frontier: $vectors vector"
rows=$(grep -cE '^ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9,]+  ' <<<"$OUT")
[ "$rows" = "$vectors" ] || fail "--frontier listed $rows rows for $vectors vectors"

# ---- options reach the library ----
expect_rc 0 analyze river.json --json --lambda 0.25 --floor 0.3 --threads 1
python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
m = d["solutions"][5]
assert d["options"]["lambda"] == 0.25 and d["options"]["floor"] == 0.3
assert m["lambda"] == 0.25 and m["floor"] == 0.3 and "effective_floor" in m' <<<"$OUT" ||
    fail "--lambda/--floor did not reach the analysis"
# Both frontier methods and any thread count give the same analysis.
norm() { python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for k in ("seconds", "options"):
    d.pop(k)
print(json.dumps(d, sort_keys=True))'; }
expect_rc 0 analyze river.json --json --frontier && merge=$(norm <<<"$OUT")
expect_rc 0 analyze river.json --json --frontier --method enumerate && enum=$(norm <<<"$OUT")
[ "$merge" = "$enum" ] || fail "--method enumerate and merge disagree"
expect_rc 0 analyze river.json --json --frontier --threads 2 && thr=$(norm <<<"$OUT")
[ "$merge" = "$thr" ] || fail "--threads 2 changes the analysis"
expect_rc 0 analyze river.json --json --budget time=60,memory=64
expect_rc 0 analyze river.json --json --budget memory=64

# ---- --svg ----
expect_rc 0 analyze river.json --svg river.svg
[ -s river.svg ] || fail "--svg wrote nothing"
head -c 200 river.svg | grep -q '<svg' || fail "river.svg does not start an SVG"
tail -c 20 river.svg | grep -q '</svg>' || fail "river.svg is not a complete SVG"
contains "--svg keeps the report" "$OUT" "== mediated"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' river.svg ||
    fail "river.svg is not well-formed XML"
expect_rc 73 analyze river.json --svg no/such/dir/x.svg

# ---- GENIUS and KTAB inputs ----
PC=$DATA/genius/ParsCat
expect_rc 0 analyze "$PC/domain.xml" "$PC/profile1.xml" "$PC/profile2.xml" "$PC/profile3.xml" &&
    contains "analyze GENIUS" "$OUT" "390,625 packages"
expect_rc 64 analyze "$PC/domain.xml" && contains "GENIUS without profiles" "$ERR" "profile"
expect_rc 64 analyze river.json "$PC/profile1.xml" &&
    contains "JSON with extra files" "$ERR" "unexpected argument"
expect_rc 0 analyze "$DATA/ktab/SOE-Policy.csv" --json

# ---- impasse: red lines that clash ----
python3 - river.json clash.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["parties"][0]["red_lines"] = [{"issue": "dam", "op": "==", "value": "build", "note": "power supply"}]
d["parties"][1]["red_lines"] = [{"issue": "dam", "op": "!=", "value": "build"}]
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 2 analyze clash.json
contains "impasse" "$OUT" "Impasse"
contains "impasse names the issue" "$OUT" "dam"
contains "impasse names the parties" "$OUT" "'up'"
contains "impasse names the parties" "$OUT" "'down'"
expect_rc 2 analyze clash.json --json
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if d["feasible"] is False and d["impasse"]["clashes"] else 1)' <<<"$OUT" ||
    fail "analyze --json on a red-line clash is not the impasse JSON"

# ---- impasse: reservations that cannot all be met ----
python3 - river.json greedy.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["parties"]:
    p["reservation"] = 0.8
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 2 analyze greedy.json
contains "reservation impasse" "$OUT" "Impasse"
contains "reservation impasse names the reservations" "$OUT" "reservation"
expect_rc 2 analyze greedy.json --json
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if d["feasible"]["count"] == 0 else 1)' <<<"$OUT" ||
    fail "analyze --json on a reservation impasse is not valid analysis JSON"
contains "reservation impasse (--json) on stderr" "$ERR" "reservation"

# ---- progress bar: never into a pipe ----
"$PARLEY" generate --parties 5 --issues 6 --options 10 --seed 3 -o big.json
expect_rc 0 analyze big.json --method enumerate
if [[ "$ERR" == *$'\r'* || "$ERR" == *$'\e'* ]]; then
    fail "a progress bar was drawn into a pipe"
fi
# On a terminal, a run longer than a second draws a bar and erases it.
if command -v script >/dev/null 2>&1; then
    start=$(date +%s.%N)
    script -qec "'$PARLEY' analyze big.json --method enumerate >/dev/null" /dev/null >tty.txt 2>&1
    took=$(python3 -c "import time; print(time.time() - $start)")
    if python3 -c "import sys; sys.exit(0 if $took > 1.5 else 1)"; then
        grep -q '%' tty.txt || fail "no progress bar on a terminal in a ${took}s run"
        tail -c 20 tty.txt | grep -q $'\e\[K' || fail "the progress bar was not erased"
    else
        echo "note: analysis took ${took}s on a terminal; bar check skipped (needs > 1.5 s)"
    fi
fi

finish
