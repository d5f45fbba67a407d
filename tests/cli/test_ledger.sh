# test_ledger.sh - `parley ledger register|export` and `parley verify`: a
# ledger built through the CLI verifies in the database and as an export;
# an export tampered with sed is refused at the line that was changed;
# bad arguments and missing files are refused without creating anything.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
export XDG_DATA_HOME=$TMP/xdg
mkdir -m 700 keys

for who in alice bob carol dave; do
    expect_rc 0 ledger register "$who" --db l.db --keys keys
done
contains "register dave" "$OUT" "registered at entry 4"
# Registering the same key again appends nothing.
expect_rc 0 ledger register bob --db l.db --keys keys
contains "register bob again" "$OUT" "registered at entry 2"
[ "$(stat -c %a keys/alice.key)" = 600 ] || fail "key file mode is not 0600"

expect_rc 0 verify --db l.db
matches "verify" "$OUT" '^ledger ok: 4 entries, head 4 [0-9a-f]{64}$'
HEAD=$(sed -E 's/.* head ([0-9]+) ([0-9a-f]{64})$/\1:\2/' <<<"$OUT")

expect_rc 0 ledger export --db l.db -o e.jsonl
[ "$(wc -l <e.jsonl)" = 4 ] || fail "export has $(wc -l <e.jsonl) lines, expected 4"
expect_rc 0 ledger export --db l.db
[ "$OUT" = "$(sed '$!b' e.jsonl)" ] || fail "export to stdout differs from -o"
expect_rc 0 verify --export e.jsonl
matches "verify --export" "$OUT" "^ledger ok: 4 entries, head $(sed 's/:/ /' <<<"$HEAD")\$"
expect_rc 0 verify --export e.jsonl --anchor "$HEAD"
expect_rc 0 verify --export e.jsonl --json
contains "verify --json" "$OUT" '"ok":true'
contains "verify --json" "$OUT" '"entries":4'

# Tampering with line 3 (its timestamp moved by a year) is found there.
sed -E '3s/"ts":1/"ts":2/' e.jsonl >t1.jsonl
cmp -s e.jsonl t1.jsonl && fail "sed did not change the export"
expect_rc 1 verify --export t1.jsonl
matches "verify tampered" "$OUT" '^ledger BAD at line 3 \(seq 3\): BAD_HASH: '
contains "verify tampered" "$OUT" "2 entries verified before it"
expect_rc 1 verify --export t1.jsonl --json
contains "verify tampered --json" "$OUT" '"first_bad":{"position":3,"seq":3,"fault":"BAD_HASH"'

# A line removed: the link from the next one is broken.
sed '2d' e.jsonl >t2.jsonl
expect_rc 1 verify --export t2.jsonl
matches "verify deleted" "$OUT" '^ledger BAD at line 2 \(seq 3\): (SEQ_GAP|BAD_LINK): '

# The tail cut: fine alone, caught by the anchor.
head -n 3 e.jsonl >t3.jsonl
expect_rc 0 verify --export t3.jsonl
expect_rc 1 verify --export t3.jsonl --anchor "$HEAD"
contains "verify cut with anchor" "$OUT" "TRUNCATED"
# A last line without its newline.
head -c -1 e.jsonl >t4.jsonl
expect_rc 1 verify --export t4.jsonl
matches "verify truncated" "$OUT" '^ledger BAD at line 4.*TRUNCATED'
# Not an export at all.
echo 'hello' >t5.jsonl
expect_rc 1 verify --export t5.jsonl
contains "verify garbage" "$OUT" "MALFORMED"

# Errors: nothing created, the right exit codes.
expect_rc 66 verify --db nothing.db
[ -e nothing.db ] && fail "verify created nothing.db"
expect_rc 66 ledger export --db nothing.db
[ -e nothing.db ] && fail "ledger export created nothing.db"
expect_rc 66 verify --export nothing.jsonl
expect_rc 1 verify --db e.jsonl
expect_rc 64 verify --db l.db --export e.jsonl
expect_rc 64 verify extra
expect_rc 64 verify --anchor 4:abc --db l.db
expect_rc 64 verify --anchor x:"${HEAD#*:}" --db l.db
expect_rc 64 ledger
expect_rc 64 ledger frobnicate
expect_rc 64 ledger register --db l.db --keys keys
expect_rc 64 ledger export extra --db l.db
expect_rc 1 ledger register 'no/slash' --db l.db --keys keys
expect_rc 73 ledger export --db l.db -o "$TMP/no/such/dir/x.jsonl"
# An anchor the ledger does not match.
expect_rc 1 verify --db l.db --anchor "2:${HEAD#*:}"
contains "verify wrong anchor" "$OUT" "HEAD_MISMATCH"
# The default database comes from XDG_DATA_HOME.
expect_rc 0 ledger register erin --keys keys
[ -f "$XDG_DATA_HOME/parley/parley.db" ] || fail "default database not created"
expect_rc 0 verify
contains "verify default" "$OUT" "ledger ok: 1 entry, head 1 "
expect_rc 0 help verify
contains "help verify" "$OUT" "Usage: parley verify"
expect_rc 0 ledger --help
contains "ledger --help" "$OUT" "Usage: parley ledger export"

finish
