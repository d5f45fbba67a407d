# test_convert.sh - GENIUS and KTAB files through `parley convert`, then
# validate and analyze: the converted scenario must give the same analysis
# as the original files.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

# same_analysis A.json B.json: frontier, feasible set and every solution
# (package and metrics) agree; only timing and provenance may differ.
same_analysis() {
    python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("seconds", None)
    d.pop("scenario", None)
if a != b:
    for k in a:
        if a.get(k) != b.get(k):
            print(f"analyses differ in '{k}':\n  {a.get(k)}\n  {b.get(k)}"[:1500])
    sys.exit(1)
PY
}

G=$DATA/genius
# GENIUS -> JSON -> validate -> analyze, for a bilateral and a multilateral
# domain (ParsCat: 3 profiles, 390,625 packages).
for case in "Laptop laptop_domain.xml laptop_buyer_utility.xml laptop_seller_utility.xml" \
    "ParsCat domain.xml profile1.xml profile2.xml profile3.xml"; do
    set -- $case
    dir=$G/$1
    name=$1
    domain=$dir/$2
    shift 2
    profiles=()
    for p in "$@"; do profiles+=("$dir/$p"); done

    expect_rc 0 convert genius "$domain" "${profiles[@]}" -o "$name.json" || continue
    [ -s "$name.json" ] || fail "convert genius $name wrote nothing"
    expect_rc 0 convert genius "$domain" "${profiles[@]}"
    [ "$OUT" = "$(cat "$name.json")" ] || fail "convert genius $name: stdout differs from -o"
    expect_rc 0 validate "$name.json" &&
        matches "validate converted $name" "$OUT" "^$name\.json: ok \([0-9]+ issues, ${#profiles[@]} parties"
    expect_rc 0 analyze "$domain" "${profiles[@]}" --json --frontier && printf '%s\n' "$OUT" >direct.json
    expect_rc 0 analyze "$name.json" --json --frontier && printf '%s\n' "$OUT" >converted.json
    same_analysis direct.json converted.json ||
        fail "analysis of converted $name differs from analysis of the GENIUS files"
    expect_rc 0 analyze "$name.json" && contains "analyze converted $name" "$OUT" "Pareto frontier:"
done

# Profiles in another order give the same parties in that order.
dir=$G/Laptop
expect_rc 0 convert genius "$dir/laptop_domain.xml" "$dir/laptop_seller_utility.xml" \
    "$dir/laptop_buyer_utility.xml"
python3 -c '
import json, sys
ids = [p["id"] for p in json.loads(sys.stdin.read())["parties"]]
sys.exit(0 if ids == ["laptop_seller_utility", "laptop_buyer_utility"] else 1)' <<<"$OUT" ||
    fail "convert genius: parties not in the order of the profiles"

# A profile given as the domain is an input error: diagnostics, exit 1,
# and no output file left behind.
expect_rc 1 convert genius "$dir/laptop_buyer_utility.xml" "$dir/laptop_seller_utility.xml" -o bad.json
[ -n "$ERR" ] || fail "convert genius with a profile as domain printed no diagnostic"
[ ! -e bad.json ] || fail "a failed conversion left bad.json behind"

# KTAB CSV -> JSON -> validate -> analyze.
K=$DATA/ktab/SOE-Pol-Comp.csv
expect_rc 0 convert ktab "$K" -o soe.json
expect_rc 0 validate soe.json &&
    contains "validate converted KTAB" "$OUT" "soe.json: ok (2 issues, 13 parties, 10,201 packages"
python3 - soe.json <<'PY' || fail "converted KTAB scenario lacks the KTAB model"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(i["kind"] == "integer" and i["min"] == 0 and i["max"] == 100 for i in d["issues"])
assert all(p["power"] > 0 for p in d["parties"])
PY
expect_rc 0 analyze "$K" --json && printf '%s\n' "$OUT" >ktab-direct.json
expect_rc 0 analyze soe.json --json && printf '%s\n' "$OUT" >ktab-converted.json
same_analysis ktab-direct.json ktab-converted.json ||
    fail "analysis of converted KTAB differs from the CSV's"
printf 'name,desc,1,1\nid,desc,cap,pos,sal\nA,a,10,200,50\n' >bad.csv
expect_rc 1 convert ktab bad.csv
matches "convert ktab bad.csv" "$ERR" '^bad\.csv:3:[0-9]+: error: '

finish
