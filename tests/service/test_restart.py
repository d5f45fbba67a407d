"""test_restart - a parleyd restarted (after SIGTERM, SIGINT, SIGKILL) finds
every session where it was:
the same state for the mediator and for each party, the same events, the
same tokens valid, and the session goes on from there (the next action
the mediator takes is accepted, and a replayed request_id from before the
restart is still refused)."""
import signal

from parleyd_harness import (Rid, Server, binaries, check, load_scenario,
                             open_session, put_profiles)

parleyd, _, _ = binaries()
sc = load_scenario()
srv = Server(parleyd)
try:
    med = srv.mediator_token()
    srv.start()
    tok = open_session(srv, med, sc)
    put_profiles(srv, sc, tok)
    srv.expect(200, "POST", "/api/v1/sessions/river/start",
               {"request_id": "start-1"}, med)
    parties = [p["id"] for p in sc["parties"] if p.get("role") == "party"]
    readers = {"mediator": med}
    readers.update({p: tok[p] for p in parties + ["press"]})

    def timeless(v):
        """v without "seconds" (the analysis' run time: not session state)."""
        if isinstance(v, dict):
            return {k: timeless(x) for k, x in v.items() if k != "seconds"}
        if isinstance(v, list):
            return [timeless(x) for x in v]
        return v

    def snapshot():
        snap = {}
        for who, t in readers.items():
            for path in ("", "/events?after=0"):
                snap[who, path] = timeless(srv.expect(
                    200, "GET", "/api/v1/sessions/river" + path, token=t))
        for p in parties:
            snap[p, "/view"] = srv.expect(
                200, "GET", "/api/v1/sessions/river/view", token=tok[p])
        snap["list"] = srv.expect(200, "GET", "/api/v1/sessions", token=med)
        return snap

    before = snapshot()
    head = srv.ledger_head(med)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        rc = srv.stop(sig)
        check(sig == signal.SIGKILL or rc == 0, "exit status %s" % rc)
        srv.start()
        after = snapshot()
        for key in before:
            check(before[key] == after[key], "%s differs after a restart:\n"
                  "%.600s\n%.600s" % (key, before[key], after[key]))
        check(srv.ledger_head(med) == head, "the restart wrote to the ledger")
    st, v = srv.call("POST", "/api/v1/sessions/river/start",
                     {"request_id": "start-1"}, med)
    check(st == 409, "replayed start after restart: %d %s" % (st, v))
    srv.expect(200, "POST", "/api/v1/sessions/river/clusters",
               {"request_id": Rid.next()}, med)
    check(srv.ledger_head(med)[0] > head[0], "the session did not go on")
    check(srv.stop() == 0, "final SIGTERM")
    print("ok: %d readers' state and events kept across restarts" %
          len(readers))
finally:
    srv.close()
