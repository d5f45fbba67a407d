#!/usr/bin/env bash
# bench/service.sh - benchmarks of parleyd, the live mediation service, with
# wrk on loopback (two cores shared by the service and wrk).
#
#   bench/service.sh          10 s per measurement
#   bench/service.sh quick    3 s per measurement
#
# Sets up a live session of examples/river-basin.json (the mediator creates
# it from the scenario's public part, invites the five delegations, each
# submits its profile, the mediator starts the session and opens the first
# cluster), then measures:
#   - authenticated reads: GET /api/v1/sessions/{id} with a party's token,
#     the session's state as that party may see it (target >= 5,000/s);
#   - durable writes: POST /api/v1/sessions/{id}/concerns with a party's
#     token, each a new private concern with its own request_id, signed and
#     in the ledger, committed with synchronous=FULL before the reply
#     (target >= 1,000/s);
#   - p99 latency of both (target < 20 ms);
#   - in the same run, the baseline: GET /api/v1/health, the same HTTP
#     stack with no token, no store and no session (the floor a read is
#     compared with).
#   - writes that replay the session (answers, concessions, the
#     mediator's actions), driving a session to its end through the API,
#     one request at a time: each party accepts a text worth its
#     aspiration to it and objects otherwise, and concedes 0.04 of utility
#     when asked, the mediator does what is awaited; the latency of each
#     kind of write (p50, p99, max; target p99 < 20 ms over all of them),
#     the last ones replaying the whole session.  Twice: a second session
#     set up like the first, then the first with the thousands of concerns
#     the write measurement left in it.
# Prints the whole-process peak memory of parleyd (/usr/bin/time -v) and
# exits 1 if a target is missed.  (That no acknowledged write is lost, also
# under kill -9, is a test: tests/service/test_durability.py.)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-full}
case $MODE in
full) DURATION=10s ;;
quick) DURATION=3s ;;
*)
    echo "bench/service.sh: unknown mode '$MODE' (expected 'quick' or nothing)" >&2
    exit 64
    ;;
esac
CONNECTIONS=16

for tool in wrk curl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "bench/service.sh: '$tool' is needed but not installed" >&2
        exit 1
    }
done

BUILD=$ROOT/build-release
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
        -DPARLEY_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j2 --target parleyd >/dev/null
PARLEYD=$BUILD/parleyd

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/parley-service-bench.XXXXXX")
PID=""
cleanup() {
    # PID is /usr/bin/time's; parleyd is its child and must go too.
    if [ -n "$PID" ]; then
        pkill -TERM -P "$PID" parleyd 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
DB=$WORK/parley.db
KEYS=$WORK/keys
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT/api/v1

MTOKEN=$("$PARLEYD" --db "$DB" --keys "$KEYS" --mediator bench-mediator)
/usr/bin/time -v -o "$WORK/time.txt" "$PARLEYD" --db "$DB" --keys "$KEYS" \
    --listen "127.0.0.1:$PORT" --threads 2 >"$WORK/parleyd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
    curl -fs "$BASE/health" >/dev/null 2>&1 && break
    sleep 0.05
done

# Session set-up through the API, as a mediator and delegations would.
python3 - "$BASE" "$MTOKEN" "$ROOT/examples/river-basin.json" "$WORK" <<'PY'
import json, sys, urllib.request
base, mtoken, path, work = sys.argv[1:]
n = 0
def call(method, url, token, body=None):
    global n
    n += 1
    data = None
    if body is not None:
        body = dict(body, request_id=f"setup-{n}")
        data = json.dumps(body).encode()
    req = urllib.request.Request(base + url, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")
sc = json.load(open(path))
private = ("utility", "weights", "values", "red_lines", "reservation")
profiles = {}
for p in sc["parties"]:
    profiles[p["id"]] = {k: p.pop(k) for k in private if k in p}
sid = call("POST", "/sessions", mtoken, {"id": "bench", "scenario": sc})["id"]
tokens = {}
for p in sc["parties"]:
    role = p.get("role", "party")
    if role != "party":
        continue
    tokens[p["id"]] = call("POST", f"/sessions/{sid}/invitations", mtoken,
                           {"actor": p["id"], "role": "party"})["token"]
for pid, tok in tokens.items():
    call("PUT", f"/sessions/{sid}/profile", tok, {"profile": profiles[pid]})
call("POST", f"/sessions/{sid}/start", mtoken, {})
call("POST", f"/sessions/{sid}/clusters", mtoken, {})
first = next(iter(tokens))

# A second session, set up the same way, for the replaying writes.
sid2 = call("POST", "/sessions", mtoken, {"id": "bench-rounds", "scenario": sc})["id"]
tok2 = {}
for p in sc["parties"]:
    if p.get("role", "party") == "party":
        tok2[p["id"]] = call("POST", f"/sessions/{sid2}/invitations", mtoken,
                             {"actor": p["id"], "role": "party"})["token"]
for pid, tok in tok2.items():
    call("PUT", f"/sessions/{sid2}/profile", tok, {"profile": profiles[pid]})
call("POST", f"/sessions/{sid2}/start", mtoken, {})
json.dump({sid: tokens, sid2: tok2}, open(f"{work}/tokens.json", "w"))
open(f"{work}/session2", "w").write(sid2)
open(f"{work}/session", "w").write(sid)
open(f"{work}/party", "w").write(first)
open(f"{work}/token", "w").write(tokens[first])
PY
cat >"$WORK/drive.py" <<'PY'
# drive.py BASE MTOKEN TOKENS_JSON SESSION OUT: drives SESSION to its end,
# one request at a time, timing every write by kind.
import json, sys, time, urllib.request
base, mtoken, tokfile, sid, outpath = sys.argv[1:]
tokens = json.load(open(tokfile))[sid]
n = 0
def call(method, url, token, body=None):
    global n
    n += 1
    data = None
    if body is not None:
        data = json.dumps(dict(body, request_id=f"drive-{n}")).encode()
    req = urllib.request.Request(base + url, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")
routes = {"start": "/start", "open_cluster": "/clusters", "propose": "/texts",
          "pilot": "/pilots", "close_round": "/rounds/close",
          "agree": "/agreement"}
lat = {}
def timed(kind, url, token, body):
    t0 = time.perf_counter()
    r = call("POST", url, token, body)
    lat.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    return r
for guard in range(100000):
    st = call("GET", f"/sessions/{sid}", mtoken)
    if st.get("ended"):
        break
    aw = st["awaiting"]
    parties = [w for w in aw if w["from"] != "mediator"]
    if not parties:
        a = aw[0]["action"]
        timed(a, f"/sessions/{sid}{routes[a]}", mtoken, {})
        continue
    for w in parties:
        tok = tokens[w["from"]]
        mine = call("GET", f"/sessions/{sid}", tok)
        asp = mine.get("aspiration") or 0.0
        if w["action"] == "answer":
            ok = (mine.get("utility") or 0.0) >= asp - 1e-9
            timed("answer", f"/sessions/{sid}/answers", tok,
                  {"round": w["round"], "kind": "accept" if ok else "object"})
        else:
            timed("concede", f"/sessions/{sid}/concessions", tok,
                  {"round": w["round"], "aspiration": max(asp - 0.04, 0.0)})
every = sorted(x for xs in lat.values() for x in xs)
with open(outpath, "w") as out:
    out.write(f"{st.get('outcome', '?')} after {st.get('round')} rounds, "
              f"{st.get('steps')} steps; {every[(99 * len(every)) // 100]:.2f}\n")
    for kind, xs in sorted(lat.items()):
        xs.sort()
        q = lambda f: xs[min(len(xs) - 1, int(f * len(xs)))]
        out.write(f"{kind} {len(xs)} {q(0.5):.2f} {q(0.99):.2f} {xs[-1]:.2f}\n")
PY
# drive SESSION TITLE: drives SESSION to its end and prints the latencies;
# leaves the p99 of all its writes in RESULT.
drive() {
    python3 "$WORK/drive.py" "$BASE" "$MTOKEN" "$WORK/tokens.json" "$1" \
        "$WORK/replaying"
    local outcome
    IFS=';' read -r outcome RESULT <"$WORK/replaying"
    echo "   replaying writes, one at a time, $2 to its end ($outcome):"
    tail -n +2 "$WORK/replaying" | while read -r kind n p50 p99 max; do
        printf '     %-14s %5s writes   p50 %6s ms   p99 %6s ms   max %6s ms\n' \
            "$kind" "$n" "$p50" "$p99" "$max"
    done
    RESULT=${RESULT# }
    echo "     all            p99 $RESULT ms"
}
SID=$(cat "$WORK/session")
PTOKEN=$(cat "$WORK/token")

cat >"$WORK/write.lua" <<EOF
-- Each request a new concern with its own request_id; wrk's threads are
-- told apart by the id set in setup().
local counter = 0
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
function request()
    counter = counter + 1
    local body = string.format('{"text":"bench concern %d-%d","request_id":"w%d-%d"}',
                               tid, counter, tid, counter)
    return wrk.format("POST", "/api/v1/sessions/$SID/concerns",
                      {["Authorization"] = "Bearer $PTOKEN",
                       ["Content-Type"] = "application/json"}, body)
end
EOF

# measure NAME ARGS...: one wrk run; leaves "rate p99_ms non2xx" in RESULT.
measure() {
    local name=$1
    shift
    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$WORK/wrk.txt" 2>&1
    RESULT=$(python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{rate:.0f} {p99:.2f} {bad.group(1) if bad else 0}")
PY
)
    read -r rate p99 bad <<<"$RESULT"
    printf '   %-34s %8s req/s   p99 %6s ms   non-2xx %s\n' "$name" "$rate" "$p99" "$bad"
}

echo "== parleyd benchmarks ($MODE, $DURATION each, $CONNECTIONS connections): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
measure "baseline: GET /health" "$BASE/health"
read -r base_rate base_p99 _ <<<"$RESULT"
measure "authenticated reads (state)" -H "Authorization: Bearer $PTOKEN" "$BASE/sessions/$SID"
read -r read_rate read_p99 read_bad <<<"$RESULT"
measure "durable writes (concerns)" -s "$WORK/write.lua" "http://127.0.0.1:$PORT"
read -r write_rate write_p99 write_bad <<<"$RESULT"
nconcerns=$(python3 -c "import re; print(re.search(r'(\d+) requests in', open('$WORK/wrk.txt').read()).group(1))")
drive "$(cat "$WORK/session2")" "a fresh session"
fresh_p99=$RESULT
drive "$SID" "the session above, with its $nconcerns concerns,"
flood_p99=$RESULT
replay_p99=$(python3 -c "print(max($fresh_p99, $flood_p99))")

# SIGTERM to parleyd itself (the child of /usr/bin/time): a clean stop,
# after which time writes the peak memory.
pkill -TERM -P "$PID" parleyd || true
wait "$PID" || true
PID=""
peak_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
echo "   parleyd peak memory: $((peak_kb / 1024)) MB"

python3 - "$base_rate" "$read_rate" "$read_p99" "$write_rate" "$write_p99" \
    "$read_bad" "$write_bad" "$replay_p99" <<'PY'
import sys
base, rr, rp, wr, wp, rbad, wbad, xp = map(float, sys.argv[1:])
print("-- summary")
print(f"   authenticated reads run at {rr / base:.2f} of the bare HTTP baseline "
      f"({rr:.0f}/s vs {base:.0f}/s, same run)")
ok = True
def check(name, good, measured, target):
    global ok
    ok = ok and good
    print(f"   {name:<34} {measured:<12} target {target:<10} {'pass' if good else 'FAIL'}")
check("authenticated reads", rr >= 5000 and rbad == 0, f"{rr:.0f}/s", ">= 5000/s")
check("durable writes", wr >= 1000 and wbad == 0, f"{wr:.0f}/s", ">= 1000/s")
check("p99 latency, reads", rp < 20, f"{rp:.2f} ms", "< 20 ms")
check("p99 latency, writes", wp < 20, f"{wp:.2f} ms", "< 20 ms")
check("p99 latency, replaying writes", xp < 20, f"{xp:.2f} ms", "< 20 ms")
sys.exit(0 if ok else 1)
PY
