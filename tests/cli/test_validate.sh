# test_validate.sh - `parley validate`: ok lines, compiler-style errors with
# file:line:column and the JSON path, warnings that do not fail a file.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

# A good file: one ok line on stdout, exit 0.
"$PARLEY" generate --parties 3 --issues 2 --options 4 --seed 5 -o good.json
expect_rc 0 validate good.json &&
    [ "$OUT" = "good.json: ok (2 issues, 3 parties, 16 packages)" ] ||
    fail "validate good.json printed '$OUT'"
[ -z "$ERR" ] || fail "validate good.json printed on stderr: $ERR"

# Semantic errors: every one reported, each with line:column and path.
cat >bad.json <<'JSON'
{
  "version": 1,
  "name": "bad",
  "issues": [
    {"id": "a", "kind": "discrete", "options": ["x", "y"]}
  ],
  "parties": [
    {"id": "p", "power": -2, "reservation": 0,
     "utility": {"a": {"weight": 1, "table": {"x": 0, "y": 1}}}},
    {"id": "q", "power": 1, "reservation": "high",
     "utility": {"a": {"weight": 1, "table": {"x": 1, "y": 0}}}}
  ]
}
JSON
expect_rc 1 validate bad.json
matches "validate bad.json" "$ERR" '^bad\.json:8:[0-9]+: error: \$\.parties\[0\]\.power: .*-2'
matches "validate bad.json" "$ERR" '^bad\.json:10:[0-9]+: error: \$\.parties\[1\]\.reservation: '
lacks "validate bad.json stdout" "$OUT" "ok"

# A syntax error is located too.
printf '{\n  "version": 1,\n  "name": "x"\n  "issues": []\n}\n' >syntax.json
expect_rc 1 validate syntax.json
matches "validate syntax.json" "$ERR" '^syntax\.json:4:[0-9]+: error: '

# A warning is printed, compiler-style, but the file is ok.
sed 's/"power": -2/"power": 2/; s/"high"/0.1/; s/"weight": 1, "table": {"x": 1/"weight": 0.7, "table": {"x": 1/' \
    bad.json >warn.json
expect_rc 0 validate warn.json
matches "validate warn.json" "$ERR" '^warn\.json:[0-9]+:[0-9]+: warning: \$\.parties\[1\]'
contains "validate warn.json" "$OUT" "warn.json: ok (1 issue, 2 parties, 2 packages, 1 warning)"

# Several files: each judged, the worst decides the exit status.
expect_rc 1 validate good.json bad.json warn.json
contains "validate several" "$OUT" "good.json: ok"
contains "validate several" "$OUT" "warn.json: ok"
matches "validate several" "$ERR" '^bad\.json:8:'
expect_rc 66 validate good.json missing.json
contains "validate with a missing file" "$OUT" "good.json: ok"
contains "validate with a missing file" "$ERR" "cannot read 'missing.json'"

# KTAB CSV by extension (the reference files from tests/data).
expect_rc 0 validate "$DATA/ktab/dummyData_3Dim.csv" &&
    contains "validate KTAB" "$OUT" "dummyData_3Dim.csv: ok (3 issues, 7 parties, 1,030,301 packages"
printf 'a,b\n1,2\n' >short.csv
expect_rc 1 validate short.csv
matches "validate short.csv" "$ERR" '^short\.csv:1:[0-9]+: error: '

# GENIUS XML is pointed to convert (needs domain and profiles together).
expect_rc 1 validate "$DATA/genius/ParsCat/domain.xml"
contains "validate GENIUS" "$ERR" "parley convert genius"

# Options after "--" are files.
expect_rc 66 validate -- --json
contains "validate -- --json" "$ERR" "cannot read '--json'"

finish
