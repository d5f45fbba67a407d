# test_golden_run.sh - the golden run of the bundled example: the event log
# of `parley mediate examples/river-basin.json --json --seed 1` must equal
# tests/golden/river-basin-mediation.jsonl byte for byte.  Any change to the
# engine, the strategies, the analysis or the log's format shows up here;
# when the change is intended, regenerate the file (tests/golden/README.md)
# and read the diff of its summary line before committing it.
source "$(dirname "$0")/lib.sh"

GOLDEN=$ROOT/tests/golden/river-basin-mediation.jsonl
expect_rc 0 mediate "$ROOT/examples/river-basin.json" --json --seed 1
printf '%s\n' "$OUT" >"$TMP/run.jsonl"
if ! cmp -s "$TMP/run.jsonl" "$GOLDEN"; then
    fail "golden run differs from $GOLDEN:
$(diff "$GOLDEN" "$TMP/run.jsonl" | head -20)"
fi
# What the golden run must show, whatever its exact bytes: an agreement in
# which every party gains over its reservation, better balanced than raw
# power (power_nash) would leave it.
python3 - "$GOLDEN" <<'PY' || fail "golden run's summary"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
kinds = [l["kind"] for l in lines]
assert kinds[0] == "session_open" and "agreement" in kinds, kinds[-3:]
s = lines[-1]
assert s["kind"] == "summary"
m, pn = s["mediated"], s["power_nash"]
assert m["agreement"] is True
assert all(p["gain"] >= 0 for p in m["parties"].values())
assert m["min_norm_gain"] > pn["min_norm_gain"]
assert abs(m["power_skew"]) < abs(pn["power_skew"])
PY
finish
