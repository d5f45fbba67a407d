# test_mediate_db.sh - `parley mediate --db`: the simulated session is also
# recorded as a live session, driven through the live API by the same
# strategies; its committed events in the store are the lines of
# `parley mediate --json`, the agreement is under monitoring, and the
# ledger verifies.  --session and --keys need --db.
source "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
export XDG_DATA_HOME=$TMP/xdg
mkdir -m 700 keys
RB=$ROOT/examples/river-basin.json

expect_rc 0 mediate "$RB" --seed 4 --json
printf '%s\n' "$OUT" | sed '$d' >log.jsonl
expect_rc 0 mediate "$RB" --seed 4 --db l.db --keys keys --session rb4
contains "recorded" "$ERR" "recorded as live session 'rb4'"
sqlite3 l.db "SELECT json FROM live_events WHERE session = 'rb4' ORDER BY seq" >stored.jsonl 2>/dev/null ||
    python3 - l.db >stored.jsonl <<'PY'
import sqlite3, sys
for (j,) in sqlite3.connect(sys.argv[1]).execute(
        "SELECT json FROM live_events WHERE session = 'rb4' ORDER BY seq"):
    print(j)
PY
cmp -s log.jsonl stored.jsonl || fail "stored live events differ from mediate --json"
[ "$(wc -l <log.jsonl)" -gt 50 ] || fail "the log has only $(wc -l <log.jsonl) lines"
expect_rc 0 monitor status rb4 --db l.db --json
contains "monitoring" "$OUT" '"agreement"'
expect_rc 0 verify --db l.db
contains "verify" "$OUT" "ledger ok"
# The same id twice is refused; nothing else changes.
expect_rc 1 mediate "$RB" --seed 4 --db l.db --keys keys --session rb4
contains "duplicate" "$ERR" "exists already"
expect_rc 64 mediate "$RB" --session x
expect_rc 64 mediate "$RB" --keys keys

finish
