# test_mediate.sh - `parley mediate` and `parley` alone: the account of a
# session, the event log with its summary line (every line JSON, the same
# bytes for the same seed), strategies and their errors, rules files,
# impasse (exit 2), GENIUS input, and the path picture.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

expect_rc 0 help mediate && contains "help mediate" "$OUT" "Usage: parley mediate"
expect_rc 0 mediate --help && contains "mediate --help" "$OUT" "Usage: parley mediate"
expect_rc 0 --help && contains "--help lists mediate" "$OUT" "  mediate "
RIVER=$ROOT/examples/river-basin.json
PD=$DATA/genius/PartyDomain

# ---- `parley` alone mediates the bundled example ----
run
if [ -f "$RIVER" ]; then
    [ "$RC" = 0 ] || fail "parley with no arguments: exit status $RC; $ERR"
    contains "parley alone" "$OUT" "bundled example"
    contains "parley alone" "$OUT" "Agenda (easy_first):"
    contains "parley alone" "$OUT" "Outcome compared"
    matches "parley alone" "$OUT" '^Agreement in round [0-9]+:$'
else
    [ "$RC" = 64 ] || fail "parley with no arguments and no example: exit $RC"
fi

# ---- the account ----
expect_rc 0 mediate "$RIVER"
acct=$OUT
contains "account" "$acct" "Mediation: Saro river basin"
contains "account" "$acct" "Strategies: Republic of Highvale truthful"
contains "account" "$acct" "Private channels: 5 parties disclosed"
contains "account" "$acct" "Guarantee offered: flow_fund"
matches "account (agenda with measures)" "$acct" '^  1\. trust +conflict [0-9.]+, joint gain [0-9.]+'
matches "account (a cluster opens)" "$acct" '^\[water\] Water, unit [0-9] of 4: min_flow, fill_years$'
matches "account (first text in full)" "$acct" '^      Dry-season minimum flow at the Highvale border: [0-9]+ m3/s$'
matches "account (later texts as changes)" "$acct" '^      .*: .* -> .*$'
matches "account (answers)" "$acct" '^    Answers: accept '
matches "account (concessions)" "$acct" '^    Concessions asked: .* -> '
matches "account (comparison)" "$acct" '^  Saltreach +[0-9.]+ +[0-9.-]+ +[0-9.-]+ +[0-9.]+ '
matches "account (fairness)" "$acct" '^  min norm\. gain +[0-9.]+ +[0-9.]+ +[0-9.]+$'
matches "account (skew)" "$acct" '^  power skew +[-+][0-9.]+ +[-+][0-9.]+ +[-+][0-9.]+$'
matches "account (offset)" "$acct" '^  offset vs power_nash +[0-9.-]+ +0\.000 +[0-9.-]+$'
[ -z "$ERR" ] || fail "mediate river-basin printed on stderr: $ERR"

# ---- --json: the log and the summary, reproducible ----
expect_rc 0 mediate "$RIVER" --json --seed 7
printf '%s\n' "$OUT" >log7a.jsonl
expect_rc 0 mediate "$RIVER" --json --seed 7
printf '%s\n' "$OUT" >log7b.jsonl
cmp -s log7a.jsonl log7b.jsonl || fail "mediate --json --seed 7 gave different bytes twice"
expect_rc 0 mediate "$RIVER" --json --seed 8 --strategy conceder
printf '%s\n' "$OUT" >log8.jsonl
cmp -s log7a.jsonl log8.jsonl && fail "another seed and strategy gave the very same log"
python3 - log7a.jsonl <<'PY' || fail "mediate --json lines are not the documented log"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
events = [json.loads(l) for l in lines]  # every line parses on its own
body, summary = events[:-1], events[-1]
assert [e["seq"] for e in body] == list(range(len(body))), "seq not 0, 1, 2, ..."
assert body[0]["kind"] == "session_open" and body[0]["seed"] == 7
assert body[-1]["kind"] in ("agreement", "impasse")
for e in body:
    assert list(e)[:4] == ["seq", "round", "kind", "visibility"], e
assert summary["kind"] == "summary" and summary["seed"] == 7
assert set(summary["strategies"].values()) == {"truthful"}
m, pn, b = summary["mediated"], summary["power_nash"], summary["baseline"]
reservation = {"highvale": 0.5, "carrowmere": 0.35, "dunmarsh": 0.3, "lowen": 0.15, "saltreach": 0.12}
assert m["agreement"] is True and m["rounds"] == body[-1]["rounds"]
assert m["package"] == body[-1]["text"]
assert pn["offset"] == 0
for side in (m, pn, b):
    assert set(side["parties"]) == {"highvale", "carrowmere", "dunmarsh", "lowen", "saltreach"}
    for k, p in side["parties"].items():
        assert abs(p["gain"] - (p["u"] - reservation[k])) < 1e-12, (k, p)
    assert 0 <= side["efficiency"] <= 1 + 1e-12
    assert side["min_norm_gain"] == min(p["norm_gain"] for p in side["parties"].values())
# Gini and skew recomputed from the published normalized gains.
power = {"highvale": 20, "carrowmere": 6, "dunmarsh": 5, "lowen": 1.5, "saltreach": 1}
tot = sum(power.values())
for side in (m, pn, b):
    ng = [side["parties"][k]["norm_gain"] for k in power]
    n = len(ng)
    gini = sum(abs(x - y) for x in ng for y in ng) / (2 * n * sum(ng))
    skew = sum(power[k] / tot * side["parties"][k]["norm_gain"] for k in power) - sum(ng) / n
    assert abs(gini - side["gini"]) < 1e-12, (gini, side["gini"])
    assert abs(skew - side["power_skew"]) < 1e-12, (skew, side["power_skew"])
    assert abs((1 - skew / pn["power_skew"]) - side["offset"]) < 1e-9
PY

# ---- strategies ----
expect_rc 0 mediate "$RIVER" --json --strategy 'carrowmere=tit-for-tat,dunmarsh=conceder' \
    --strategy lowen=boulware
python3 -c "
import json, sys
s = json.loads(sys.stdin.read().splitlines()[-1])['strategies']
assert s == {'highvale': 'truthful', 'carrowmere': 'tit-for-tat', 'dunmarsh': 'conceder',
             'lowen': 'boulware', 'saltreach': 'truthful'}, s
" <<<"$OUT" || fail "--strategy assignments did not reach the session"
expect_rc 64 mediate "$RIVER" --strategy sneaky
contains "unknown strategy" "$ERR" "unknown strategy 'sneaky'"
contains "unknown strategy" "$ERR" "truthful, boulware"
expect_rc 64 mediate "$RIVER" --strategy atlantis=truthful
contains "unknown party" "$ERR" "'atlantis' is not a voting party"
contains "unknown party" "$ERR" "highvale, carrowmere, dunmarsh, lowen, saltreach"
expect_rc 64 mediate "$RIVER" --strategy basin_bank=truthful
contains "guarantor is no voting party" "$ERR" "'basin_bank' is not a voting party"
expect_rc 64 mediate "$RIVER" --strategy highvale=
expect_rc 64 mediate "$RIVER" --strategy =truthful
expect_rc 64 mediate "$RIVER" --seed -1
expect_rc 64 mediate
expect_rc 64 mediate "$RIVER" --json --svg -
expect_rc 66 mediate no-such-file.json

# Misreporters declare inflated reservations and cast valid vetoes; the
# account gives the ruling and its reason.
expect_rc 0 mediate "$RIVER" --strategy misreporter --seed 1
matches "veto in the account" "$OUT" '^    Answers: .*veto$|veto +Republic of Highvale|veto$'
matches "veto ruling" "$OUT" '^    Veto by Republic of Highvale on ground reservation against the text of round [0-9]+: upheld: '

# A coercive hardliner with most of the power walks out: an impasse.
expect_rc 2 mediate "$RIVER" --strategy highvale=hardliner
contains "impasse account" "$OUT" "Impasse after"
contains "impasse account" "$OUT" "Walk-out by Republic of Highvale"
expect_rc 2 mediate "$RIVER" --strategy highvale=hardliner --json
contains "impasse on stderr with --json" "$ERR" "impasse: walk-out"
python3 -c "
import json, sys
lines = sys.stdin.read().splitlines()
assert json.loads(lines[-2])['kind'] == 'impasse'
s = json.loads(lines[-1])
assert s['mediated']['agreement'] is False and s['mediated']['reason']
assert s['mediated']['efficiency'] == 0 and s['mediated']['power_skew'] is None
" <<<"$OUT" || fail "impasse summary line"

# ---- rules files ----
cat >rules.json <<'JSON'
{"version": 1, "rules": {"information": {"private_channels": false}, "guarantees": false,
 "timetable": {"rounds_per_cluster": 10, "max_rounds": 80}}}
JSON
expect_rc 0 mediate "$RIVER" --rules rules.json --json
python3 -c "
import json, sys
r = json.loads(sys.stdin.read().splitlines()[0])['rules']
assert r['information']['private_channels'] is False and r['guarantees'] is False, r
assert r['timetable']['max_rounds'] == 80
" <<<"$OUT" || fail "--rules did not replace the scenario's rules"
lacks "no guarantee offered with guarantees off" "$OUT" '"guarantee_offer"'
echo '{"version": 1, "rules": {"veto": {"window": 0}}}' >bad-rules.json
expect_rc 1 mediate "$RIVER" --rules bad-rules.json
contains "bad rules" "$ERR" "bad-rules.json"
expect_rc 66 mediate "$RIVER" --rules missing-rules.json

# ---- GENIUS input ----
run mediate "$PD/party_domain.xml" "$PD/party1_utility.xml" "$PD/party2_utility.xml" \
    "$PD/party3_utility.xml" "$PD/party4_utility.xml" --json
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "mediate PartyDomain: exit $RC: ${ERR:0:400}"
python3 -c "
import json, sys
s = json.loads(sys.stdin.read().splitlines()[-1])
assert s['kind'] == 'summary' and len(s['mediated']['parties']) == 4
assert s['power_nash']['offset'] is None  # equal power: no skew to offset
" <<<"$OUT" || fail "PartyDomain summary"

# ---- the path picture ----
expect_rc 0 mediate "$RIVER" --svg path.svg
python3 - path.svg <<'PY' || fail "mediate --svg is not a well-formed picture of the path"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg"
text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
assert "Mediation path" in text and "agreement" in text and "power_nash" in text
# five parties: ten pairwise panels, each with a numbered first text
assert text.count("utility of Republic of Highvale") == 4, text.count("utility of Republic of Highvale")
assert sum(1 for t in root.iter("{http://www.w3.org/2000/svg}text") if (t.text or "").startswith("1")) >= 10
PY
cat >two.json <<'JSON'
{"version": 1, "name": "Two towns",
 "issues": [{"id": "fee", "kind": "integer", "min": 0, "max": 6},
            {"id": "road", "kind": "discrete", "options": ["north", "south", "both"]}],
 "parties": [
  {"id": "a", "power": 3, "reservation": 0.2, "utility": {
     "fee": {"weight": 0.6, "linear": {"offset": 0, "slope": 0.16666666666666666, "origin": 0}},
     "road": {"weight": 0.4, "table": {"north": 1, "south": 0, "both": 0.6}}}},
  {"id": "b", "power": 1, "reservation": 0.1, "utility": {
     "fee": {"weight": 0.5, "linear": {"offset": 1, "slope": -0.16666666666666666, "origin": 0}},
     "road": {"weight": 0.5, "table": {"north": 0, "south": 1, "both": 0.7}}}}]}
JSON
run mediate two.json --svg two.svg --seed 3
[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "mediate two.json: exit $RC: $ERR"
python3 - two.svg <<'PY' || fail "two-party path picture"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
assert text.count("utility of a") == 1 and text.count("utility of b") == 1
PY
expect_rc 73 mediate "$RIVER" --svg /nonexistent-dir/x.svg

finish
