#!/usr/bin/env bash
# bench/ledger.sh - benchmarks of the ledger (bench/bench_ledger.c).
#
#   bench/ledger.sh          1,000,000 entries (a few minutes on two cores)
#   bench/ledger.sh quick    100,000 entries
#
# Measures: durable signed appends per second with group commit (each batch
# is one transaction committed with synchronous=FULL before the call
# returns; target >= 5,000/s), verification of the whole ledger on 2
# threads (target < 40 s for 1,000,000 entries), and, in the same run, raw
# crypto_sign_verify_detached throughput on 2 threads, the floor that
# verification is compared with.  Also the export and its verification.
# Every step prints its whole-process wall time and peak memory
# (/usr/bin/time -v).  Exit status 1 if a target is missed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-full}
case $MODE in
full) N=1000000 ;;
quick) N=100000 ;;
*)
    echo "bench/ledger.sh: unknown mode '$MODE' (expected 'quick' or nothing)" >&2
    exit 64
    ;;
esac
BATCH=64          # events per group commit in the append-rate measurement
APPEND_N=20000    # events in that measurement
THREADS=2

BUILD=$ROOT/build-release
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
        -DPARLEY_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j2 --target bench_ledger >/dev/null
B=$BUILD/bench_ledger

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/parley-ledger-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0
SUMMARY=$WORK/summary.txt
: >"$SUMMARY"

# run NAME ARGS...: runs bench_ledger under /usr/bin/time -v; prints its
# own line and the whole-process time and peak memory; leaves the program's
# line in $LINE.
run() {
    local name=$1
    shift
    if ! /usr/bin/time -v -o "$WORK/time.txt" "$B" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; then
        echo "   $name: FAILED"
        sed 's/^/   | /' "$WORK/err.txt" | head -5
        FAILED=1
        LINE=""
        return
    fi
    LINE=$(cat "$WORK/out.txt")
    python3 - "$WORK/time.txt" "$name" "$LINE" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
s = 0.0
for p in wall.split(":"):
    s = s * 60 + float(p)
f = sys.argv[3].split()
print(f"   {sys.argv[2]:<28} {f[1]:>9} items in {float(f[2]):8.3f} s = {f[3]:>8}/s"
      f"   (process: {s:.2f} s, peak {kb / 1024:.1f} MB)")
PY
}

field() { echo "$LINE" | awk "{print \$$1}"; }

echo "== ledger benchmarks ($MODE): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
KEYS=$WORK/keys

echo "-- durable appends, $BATCH events per commit (synchronous=FULL)"
run "append (batch $BATCH)" append "$WORK/rate.db" "$KEYS" "$APPEND_N" "$BATCH"
rate=$(field 4)
run "append (batch 1)" append "$WORK/single.db" "$KEYS" 500 1
single=$(field 4)

echo "-- a ledger of $N entries"
run "append (batch 1000)" append "$WORK/big.db" "$KEYS" "$N" 1000
echo "   database: $(du -h "$WORK/big.db" | cut -f1)"
run "verify ($THREADS threads)" verify "$WORK/big.db" "$THREADS"
verify_s=$(field 3)
verify_rate=$(field 4)
run "raw verify_detached ($THREADS threads)" raw "$N" "$THREADS"
raw_rate=$(field 4)
run "raw verify_detached (1 thread)" raw $((N / 4)) 1
run "export" export "$WORK/big.db" "$WORK/big.jsonl"
echo "   export file: $(du -h "$WORK/big.jsonl" | cut -f1)"
run "verify export ($THREADS threads)" verify-export "$WORK/big.jsonl" "$THREADS"

python3 - "$rate" "$single" "$verify_s" "$verify_rate" "$raw_rate" "$N" "$BATCH" <<'PY' || FAILED=1
import sys
rate, single, vs, vr, rr, n, batch = sys.argv[1:]
rate, single, vs, vr, rr, n = float(rate), float(single), float(vs), float(vr), float(rr), int(n)
print("-- summary")
print(f"   verification runs at {vr / rr:.2f} of raw signature-check throughput "
      f"({vr:.0f}/s vs {rr:.0f}/s, same threads, same run)")
print(f"   one commit per event: {single:.0f}/s; group commit of {batch}: {rate:.0f}/s")
ok = True
def check(name, good, measured, target):
    global ok
    ok = ok and good
    print(f"   {name:<40} {measured:<14} target {target:<12} {'pass' if good else 'FAIL'}")
check(f"durable signed appends (batch {batch})", rate >= 5000, f"{rate:.0f}/s", ">= 5000/s")
if n == 1000000:
    check("verify 1,000,000 entries (2 threads)", vs < 40, f"{vs:.2f} s", "< 40 s")
else:
    est = vs * 1000000 / n
    check(f"verify {n} entries, scaled to 10^6", est < 40, f"{est:.2f} s", "< 40 s")
sys.exit(0 if ok else 1)
PY
exit $FAILED
