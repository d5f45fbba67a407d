# test_monitor.sh - `parley monitor`: an agreement from a real `parley
# mediate --json` log taken into monitoring, a commitment, reports, a
# dispute, a guarantee made permanent, the dashboard and its JSON; every
# refused action (unknown commitment, dates out of order, a score outside
# the scale, a newer database) leaves the store byte for byte unchanged.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
export XDG_DATA_HOME=$TMP/xdg
EX=$ROOT/examples/river-basin.json
"$PARLEY" mediate --json "$EX" >log.jsonl || fail "mediate --json failed"
for a in secretariat highvale saltreach saro_council basin_bank; do
    expect_rc 0 ledger register "$a" --db m.db
done

# The log's agreement, checked against the scenario.
expect_rc 0 monitor init "$EX" --agreement log.jsonl --as secretariat \
    --db m.db --date 2027-01-01 --periods 2
contains "monitor init" "$OUT" "agreement river-basin: monitored from 2027-01-01"
expect_rc 1 monitor init "$EX" --agreement log.jsonl --as secretariat \
    --db m.db --date 2027-01-01
contains "monitor init again" "$ERR" "already monitored"

expect_rc 0 monitor commit river-basin flow --issue min_flow --owner highvale \
    --what "release at least 450 m3/s" --benchmark ">= 450 m3/s" \
    --due 2027-12-31 --every 3 --verifier saro_council --guarantee flow_fund \
    --as secretariat --db m.db
expect_rc 0 monitor commit river-basin stations --issue early_warning \
    --owner basin_bank --what "fund the warning stations" --deliverable \
    --start 2027-03-01 --due 2029-03-01 --every 6 --verifier saro_council \
    --as secretariat --db m.db

expect_rc 0 monitor report river-basin flow --period 2027-04-01 --status 3 \
    --value 455 --as highvale --db m.db
expect_rc 0 monitor verify river-basin flow --period 2027-04-01 --status full \
    --value 452 --as saro_council --db m.db
expect_rc 0 monitor report river-basin flow --period 2027-07-01 --status full \
    --as highvale --db m.db
# The verifier disagrees: a dispute is recorded with the verification.
expect_rc 0 monitor verify river-basin flow --period 2027-07-01 --status 2 \
    --as saro_council --db m.db
contains "verify disagreeing" "$OUT" "1 more entry it set off"
expect_rc 0 monitor report river-basin flow --period 2027-07-01 --monitor \
    --status intermediate --note "gauge at Lowen" --as saltreach --db m.db
expect_rc 0 monitor verify river-basin flow --period 2027-10-01 --status 3 \
    --as saro_council --db m.db
expect_rc 0 monitor verify river-basin flow --period 2028-01-01 --status 3 \
    --as saro_council --db m.db
contains "second good period" "$OUT" "1 more entry it set off"
# A second commitment in the water cluster, self-reported only.
expect_rc 0 monitor commit river-basin filling --issue fill_years \
    --owner highvale --what "fill the reservoir over five years" --deliverable \
    --due 2027-12-31 --every 3 --verifier saro_council --as secretariat --db m.db
expect_rc 0 monitor report river-basin filling --period 2027-04-01 --status 2 \
    --as highvale --db m.db

expect_rc 0 monitor status river-basin --db m.db --as-of 2028-02-01
contains "status" "$OUT" "highvale: 2 commitments, 1 in full"
contains "status" "$OUT" "basin_bank: 1 commitment, 0 in full"
matches "status" "$OUT" '^    2027-07-01  3    2    2     D$'
contains "status" "$OUT" "flow_fund        basin_bank -> saltreach: permanent"
contains "status" "$OUT" "warning_network  basin_bank -> lowen: provisional, 0 of 2 periods"
contains "status" "$OUT" "now 3 (full)  2 self-reports missing"
matches "status" "$OUT" '^  water +2: 0/0/1/1, 0 D, 0 B, 0 -; 1 overdue, 0 disputed$'
matches "status" "$OUT" '^  trust +1: 0/0/0/0, 0 D, 0 B, 1 -; 0 overdue, 0 disputed$'
# water's scores over time: 3 and 2, then disputed, then 3 and 3.
matches "status" "$OUT" '^    2027-04-01  mean 2\.50 of 2$'
matches "status" "$OUT" '^    2027-07-01  no score, 1 D$'
matches "status" "$OUT" '^    2028-01-01  mean 3\.00 of 1$'
# stations: not reported at all, and past due in 2030.
expect_rc 0 monitor status river-basin --db m.db --as-of 2030-01-01
contains "status 2030" "$OUT" "3 commitments, 2 overdue"
contains "status 2030" "$OUT" "4 self-reports missing"
expect_rc 0 monitor status river-basin --db m.db --as-of 2027-08-01 --json
python3 - "$OUT" <<'PY' || fail "monitor status --json is not what was expected: $OUT"
import json, sys
s = json.loads(sys.argv[1])
flow = [c for c in s["commitments"] if c["id"] == "flow"][0]
assert s["as_of"] == "2027-08-01" and s["periods_required"] == 2
assert [p["status"] for p in flow["periods"]] == ["full", "disputed"]
assert flow["periods"][0]["value"] == 452
assert flow["disputed"] is True and flow["overdue"] is False
assert flow["benchmark"] == {"kind": "numeric", "cmp": ">=", "target": 450, "unit": "m3/s"}
g = {x["id"]: x for x in s["guarantees"]}
assert g["flow_fund"]["state"] == "permanent"
assert s["text"]["min_flow"] == "450"
assert flow["cluster"] == "water"
PY

expect_rc 0 verify --db m.db
contains "verify after monitoring" "$OUT" "ledger ok: 21 entries"
expect_rc 0 ledger export --db m.db -o m.jsonl
expect_rc 0 verify --export m.jsonl
grep -q '"kind":"commitment.disputed"' m.jsonl || fail "no dispute in the export"
grep -q '"kind":"guarantee.permanent"' m.jsonl || fail "no transition in the export"

# Refused actions change nothing at all.
cp m.db before.db
same() {
    cmp -s m.db before.db || fail "$1 changed the database"
}
expect_rc 1 monitor report river-basin dams --period 2027-04-01 --status 1 \
    --as highvale --db m.db
contains "unknown commitment" "$ERR" "unknown commitment 'dams'"
same "a report on an unknown commitment"
expect_rc 1 monitor report river-basin flow --period 2027-04-01 --status 1 \
    --as highvale --db m.db
contains "out of order" "$ERR" "dates out of order"
same "a report out of order"
expect_rc 1 monitor commit river-basin late --issue min_flow --owner highvale \
    --what x --deliverable --start 2028-01-01 --due 2027-06-01 --every 1 \
    --verifier saro_council --as secretariat --db m.db
contains "due before start" "$ERR" "dates out of order"
same "a commitment due before it starts"
expect_rc 64 monitor report river-basin flow --period 2027-10-01 --status 7 \
    --as highvale --db m.db
contains "score 7" "$ERR" "outside the scale"
expect_rc 64 monitor report river-basin flow --period 2027-10-01 --status -1 \
    --as highvale --db m.db
same "a score outside the scale"
expect_rc 1 monitor report river-basin flow --period 2027-10-01 --status 3 \
    --as saltreach --db m.db
contains "not the owner" "$ERR" "from its owner 'highvale'"
expect_rc 1 monitor verify river-basin flow --period 2027-10-01 --status 3 \
    --as highvale --db m.db
contains "not the verifier" "$ERR" "verified by 'saro_council'"
expect_rc 1 monitor report river-basin flow --period 2027-10-01 --status 3 \
    --as nobody --db m.db
same "reports by the wrong authors"
expect_rc 1 monitor status nowhere --db m.db
contains "unknown agreement" "$ERR" "unknown agreement 'nowhere'"
expect_rc 66 monitor status river-basin --db missing.db
[ -e missing.db ] && fail "monitor status created missing.db"

# A log without an agreement.
grep -v '"kind":"agreement"' log.jsonl >noagree.jsonl
expect_rc 1 monitor init "$EX" --agreement noagree.jsonl --as secretariat \
    --db m.db --id other
contains "no agreement" "$ERR" "no agreement event"
same "an init from a log without agreement"

# A database from a newer parley: refused, untouched.
cp m.db newer.db
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.commit(); c.close()' newer.db
cp newer.db newer.orig
expect_rc 1 monitor status river-basin --db newer.db
contains "newer database" "$ERR" "newer than this parley"
expect_rc 1 monitor report river-basin flow --period 2027-10-01 --status 3 \
    --as highvale --db newer.db
cmp -s newer.db newer.orig || fail "a newer database was changed"
expect_rc 1 verify --db newer.db

# Consequences written into a second agreement, each kind applied.
expect_rc 0 monitor init "$EX" --agreement log.jsonl --as secretariat \
    --db m.db --date 2027-01-01 --periods 2 --id saro2
expect_rc 0 monitor commit saro2 flow --issue min_flow --owner highvale \
    --what "release at least 450 m3/s" --benchmark ">= 450 m3/s" \
    --due 2027-06-01 --every 1 --verifier saro_council --guarantee flow_fund \
    --as secretariat --db m.db
expect_rc 0 monitor consequence saro2 notice --commitment flow --kind notice \
    --trigger breached --as secretariat --db m.db
contains "consequence" "$OUT" "notice when commitment flow is breached"
expect_rc 0 monitor consequence saro2 hold --guarantee flow_fund \
    --kind suspension --trigger disputed:2 --as secretariat --db m.db
expect_rc 0 monitor consequence saro2 review --commitment flow --kind review \
    --trigger overdue:30 --as secretariat --db m.db
cp m.db before.db
expect_rc 64 monitor consequence saro2 x --commitment flow --kind fine \
    --trigger breached --as secretariat --db m.db
expect_rc 64 monitor consequence saro2 x --commitment flow --kind notice \
    --trigger disputed --as secretariat --db m.db
expect_rc 64 monitor consequence saro2 x --commitment flow --kind notice \
    --trigger breached:2 --as secretariat --db m.db
expect_rc 1 monitor consequence saro2 x --commitment flow --kind suspension \
    --trigger breached --as secretariat --db m.db
contains "suspension without guarantee" "$ERR" "names the guarantee"
expect_rc 1 monitor consequence saro2 notice --commitment flow --kind notice \
    --trigger breached --as secretariat --db m.db
contains "duplicate consequence" "$ERR" "already has a consequence 'notice'"
same "refused consequences"
for p in 2027-02-01 2027-03-01; do
    expect_rc 0 monitor report saro2 flow --period $p --status 3 \
        --as highvale --db m.db
    expect_rc 0 monitor verify saro2 flow --period $p --status 1 \
        --as saro_council --db m.db
done
expect_rc 0 monitor report saro2 flow --period 2027-04-01 --monitor \
    --status breached --as saltreach --db m.db
expect_rc 0 monitor enforce saro2 --as-of 2027-06-30 --as secretariat --db m.db
contains "enforce early" "$OUT" "0 consequences applied as of 2027-06-30"
expect_rc 0 monitor enforce saro2 --as-of 2027-07-01 --as secretariat --db m.db
contains "enforce overdue" "$OUT" "1 consequence applied as of 2027-07-01"
expect_rc 0 monitor status saro2 --db m.db --as-of 2027-07-01
contains "status consequences" "$OUT" "BENEFIT SUSPENDED"
matches "status consequences" "$OUT" '^  hold +suspension of flow_fund when guarantee flow_fund is disputed 2 periods in a row: APPLIED as of 2027-03-01 by saro_council'
matches "status consequences" "$OUT" '^  notice +notice when commitment flow is breached: APPLIED as of 2027-04-01 by saltreach'
matches "status consequences" "$OUT" '^  review +review when commitment flow is overdue by 30 days: APPLIED as of 2027-07-01 by secretariat'
expect_rc 0 monitor status saro2 --db m.db --as-of 2027-07-01 --json
python3 - "$OUT" <<'PY' || fail "consequences in --json are not what was expected: $OUT"
import json, sys
s = json.loads(sys.argv[1])
k = {x["id"]: x for x in s["consequences"]}
assert k["hold"]["applied"] and k["hold"]["by"] == "saro_council"
assert k["hold"]["trigger"] == {"kind": "disputed", "threshold": 2}
assert k["notice"]["as_of"] == "2027-04-01"
assert k["review"]["on"] == {"kind": "commitment", "id": "flow"}
assert s["guarantees"][0]["suspended"] is True
PY
expect_rc 0 verify --db m.db

# The timeline picture: well-formed, one row per commitment, one column
# per period end, the statuses' colours and marks, guarantees' states.
expect_rc 0 monitor status saro2 --db m.db --as-of 2027-07-01 --svg t2.svg
contains "status --svg still prints" "$OUT" "Consequences:"
expect_rc 0 monitor status river-basin --db m.db --as-of 2028-02-01 --svg t1.svg --json
python3 - t1.svg t2.svg <<'PY' || fail "the timeline SVG is not what was expected"
import sys, xml.etree.ElementTree as E
ns = "{http://www.w3.org/2000/svg}"
def load(f):
    root = E.parse(f).getroot()
    assert root.tag == ns + "svg"
    groups = {}
    for g in root.iter(ns + "g"):
        groups.setdefault(g.get("class"), []).append(g)
    periods = [t.text for t in root.iter(ns + "text") if t.get("class") == "period"]
    return root, groups, periods
root, g, periods = load(sys.argv[1])
# river-basin: flow (4 quarters) and filling (1 period): 2027-04-01 .. 2028-01-01.
assert periods == ["2027-04-01", "2027-07-01", "2027-10-01", "2028-01-01"], periods
assert len(g["commitment"]) == 3
cells = [r for r in root.iter(ns + "rect") if r.get("class") == "cell"]
assert len(cells) == 3 * 4
fills = [c.get("fill") for c in cells]
assert fills.count("#1a9850") == 3       # flow full in 3 periods
assert fills.count("#9e9ac8") == 1       # flow disputed in 2027-07
marks = [t.text for t in root.iter(ns + "text") if t.get("class") == "mark"]
assert marks == ["D"], marks
states = [r.find(ns + "title").text for r in root.iter(ns + "rect") if r.get("class") == "state"]
assert "flow_fund: permanent since 2028-01-01" in states, states
root, g, periods = load(sys.argv[2])
marks = [t.text for t in root.iter(ns + "text") if t.get("class") == "mark"]
assert marks.count("D") == 2 and marks.count("B") == 1, marks
states = [r for r in root.iter(ns + "rect") if r.get("class") == "state"]
assert any(r.get("stroke-dasharray") for r in states)
assert len([t for t in root.iter(ns + "text") if t.get("class") == "consequence"]) == 3
PY
expect_rc 73 monitor status saro2 --db m.db --svg /nonexistent/dir/t.svg

# A review after Highvale's priorities change: min_flow is core, locked.
expect_rc 0 monitor commit saro2 minflow --issue min_flow --owner highvale \
    --what "keep 450 m3/s" --deliverable --due 2027-12-31 --every 6 \
    --verifier saro_council --core --as secretariat --db m.db
python3 - "$EX" <<'PY' >hv.json
import json, sys
s = json.load(open(sys.argv[1]))
p = [x for x in s["parties"] if x["id"] == "highvale"][0]
p["reservation"] = 0.75
print(json.dumps(p))
PY
expect_rc 0 monitor review "$EX" --id saro2 --party highvale --profile hv.json \
    --as secretariat --db m.db
contains "review" "$OUT" "locked (core commitments): min_flow"
matches "review" "$OUT" '^  [a-z_]+: [a-z_0-9]+ -> [a-z_0-9]+$'
expect_rc 0 monitor review "$EX" --id saro2 --party highvale --profile hv.json \
    --as secretariat --db m.db --json
python3 - "$OUT" <<'PY' || fail "monitor review --json is not what was expected: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["locked"] == ["min_flow"] and r["party"] == "highvale"
assert r["changes"] and all(c["issue"] != "min_flow" and c["from"] != c["to"] for c in r["changes"])
assert r["text"]["min_flow"] == "450"
PY
cp m.db before.db
sed 's/"reservation": 0.75/"reservation": 5/' hv.json >hv5.json
expect_rc 1 monitor review "$EX" --id saro2 --party highvale --profile hv5.json \
    --as secretariat --db m.db
contains "review infeasible" "$ERR" "no package keeps"
expect_rc 1 monitor review "$EX" --id saro2 --party lowen --profile hv.json \
    --as secretariat --db m.db
contains "review wrong id" "$ERR" "the profile's id must be 'lowen'"
same "refused reviews"
python3 -c 'import sqlite3,sys; n=sqlite3.connect(sys.argv[1]).execute("select count(*) from ledger where kind = ?", ("agreement.review",)).fetchone()[0]; sys.exit(n != 2)' m.db || fail "not 2 reviews in the ledger"
expect_rc 0 verify --db m.db

# Usage.
expect_rc 64 monitor
expect_rc 64 monitor frob
expect_rc 64 monitor status
expect_rc 64 monitor status river-basin --as highvale --db m.db
expect_rc 64 monitor commit river-basin x --issue min_flow --owner highvale \
    --what x --due 2028-01-01 --every 1 --verifier saro_council \
    --as secretariat --db m.db
expect_rc 64 monitor commit river-basin x --issue min_flow --owner highvale \
    --what x --benchmark "about 450" --due 2028-01-01 --every 1 \
    --verifier saro_council --as secretariat --db m.db
expect_rc 64 monitor report river-basin flow --period 2027-10-01 --status 3 \
    --db m.db
expect_rc 0 help monitor
contains "help monitor" "$OUT" "Usage: parley monitor init"

finish
