"""test_durability - no acknowledged write is lost when parleyd stops:

  1. SIGTERM in the middle of a write load (parties posting concerns from
     several threads): parleyd exits 0, and every write that got a 2xx
     reply is in the ledger afterwards, at the seq its reply named, by its
     author, and the ledger verifies;
  2. the same with SIGKILL, where nothing gets to finish cleanly: what was
     acknowledged was already committed and synced.
After each stop the service restarts on the same store and the session is
still there, every token still valid.
"""
import http.client
import json
import signal
import threading
import time

from parleyd_harness import (Rid, Server, binaries, check, load_scenario,
                             open_session)

parleyd, _, _ = binaries()
sc = load_scenario()
WRITERS = 4


def load(srv, token, acked, stop):
    """Posts concerns until refused or stopped; records (seq, rid) of each
    2xx reply.  One keep-alive connection per writer."""
    conn = None
    while not stop.is_set():
        rid = Rid.next("load-%s" % threading.get_ident())
        body = json.dumps({"text": "load " + rid, "request_id": rid})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", srv.port,
                                                  timeout=30)
            conn.request("POST", "/api/v1/sessions/river/concerns", body,
                         {"Authorization": "Bearer " + token,
                          "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            conn = None
            if stop.is_set():
                return
            time.sleep(0.01)
            continue
        if 200 <= r.status < 300:
            acked.append((json.loads(data)["seq"], token))
        elif r.status != 503:
            check(False, "write refused: %d %s" % (r.status, data[:300]))


def run(srv, med, tok, sig):
    parties = [p["id"] for p in sc["parties"] if p.get("role") == "party"]
    acked, stop = [], threading.Event()
    threads = [threading.Thread(target=load, args=(srv, tok[parties[i]],
                                                   acked, stop))
               for i in range(WRITERS)]
    for t in threads:
        t.start()
    deadline = time.time() + 60
    while len(acked) < 20 and time.time() < deadline:
        time.sleep(0.05)
    check(len(acked) >= 20, "the load made no progress")
    rc = srv.stop(sig)
    stop.set()
    for t in threads:
        t.join()
    if sig == signal.SIGTERM:
        check(rc == 0, "SIGTERM: exit status %s" % rc)
    srv.start()
    who = {tok[p]: p for p in parties}
    entries, after = {}, 0
    while True:
        page = srv.expect(200, "GET", "/api/v1/ledger?after=%d&limit=1000" %
                          after, token=med)
        for e in page["entries"]:
            entries[e["seq"]] = e
        if not page["entries"]:
            break
        after = page["next"]
    for seq, token in acked:
        check(seq in entries, "acknowledged write at seq %d is lost" % seq)
        check(entries[seq]["author"] == who[token],
              "seq %d: author %s, expected %s" %
              (seq, entries[seq]["author"], who[token]))
    check(len({s for s, _ in acked}) == len(acked), "two writes, one seq")
    v = srv.expect(200, "GET", "/api/v1/ledger/verify", token=med)
    check(v["ok"] and v["fault"] is None, "ledger: %s" % v)
    check(v["head"]["seq"] == max(entries), "head is not the last entry")
    for actor, t in tok.items():
        st, v = srv.call("GET", "/api/v1/sessions/river", token=t)
        check(st == 200, "%s's token after the restart: %d %s" %
              (actor, st, v))
    return len(acked)


srv = Server(parleyd, threads=4)
try:
    med = srv.mediator_token()
    srv.start()
    tok = open_session(srv, med, sc)
    n_term = run(srv, med, tok, signal.SIGTERM)
    n_kill = run(srv, med, tok, signal.SIGKILL)
    check(srv.stop() == 0, "final SIGTERM")
    print("ok: %d writes acknowledged before SIGTERM, %d before SIGKILL, "
          "none lost" % (n_term, n_kill))
finally:
    srv.close()
