"""test_own_text - the mediator tables a text of its own over HTTP.

A session of examples/river-basin.json is driven (every party accepts
what it is asked, keeping its aspiration when asked to concede) until the
mediator is asked to propose a text over a unit with a named option.
POST /sessions/{sid}/texts with a "text" naming every open issue must
table exactly that text: GET /sessions/{sid} shows it as the session's
"text", with the issues outside the unit as they were.  A text that names
an option the issue lacks is refused with 400 and the path of the issue.
"""
from parleyd_harness import (Rid, Server, binaries, check, load_scenario,
                             open_session, put_profiles)

parleyd, _, _ = binaries()
SID = "river"
BASE = "/api/v1/sessions/" + SID
MEDIATOR_ROUTES = {"start": "start", "open_cluster": "clusters",
                   "propose": "texts", "pilot": "pilots",
                   "close_round": "rounds/close", "agree": "agreement"}

sc = load_scenario()
options = {i["id"]: i.get("options") for i in sc["issues"]}
parties = [p["id"] for p in sc["parties"] if p.get("role") == "party"]
srv = Server(parleyd)
try:
    med = srv.mediator_token()
    srv.start()
    tok = open_session(srv, med, sc, sid=SID, seed=3)
    put_profiles(srv, sc, tok, sid=SID)
    state = None
    for _ in range(400):
        state = srv.expect(200, "GET", BASE, token=med)
        awaiting = state.get("awaiting") or []
        check(awaiting, "the session ended before a text could be proposed")
        w = awaiting[0]
        if w["from"] == "mediator":
            if w["action"] == "propose" and any(
                    options[i] for i in state["open_issues"]):
                break
            srv.expect(200, "POST", BASE + "/" + MEDIATOR_ROUTES[w["action"]],
                       {"request_id": Rid.next("m")}, med)
            continue
        for w in awaiting:
            v = srv.expect(200, "GET", BASE + "/view", token=tok[w["from"]])
            r = v["asked"]["round"]
            if w["action"] == "answer":
                body, route = {"round": r, "kind": "accept"}, "answers"
            else:
                body = {"round": r, "aspiration": v["view"]["aspiration"]}
                route = "concessions"
            body["request_id"] = Rid.next(w["from"])
            srv.expect(200, "POST", BASE + "/" + route, body, tok[w["from"]])
    else:
        check(False, "the mediator was never asked to propose")

    before = state["text"]
    mine = {}
    for issue in state["open_issues"]:
        opts = options[issue]
        cur = before[issue]
        mine[issue] = ([o for o in opts if o != cur][-1] if opts else cur)
    check(any(mine[i] != before[i] for i in mine), "nothing to change")

    named = [i for i in mine if options[i]][0]
    bad = dict(mine)
    bad[named] = "no_such_option"
    st, v = srv.call("POST", BASE + "/texts",
                     {"text": bad, "request_id": Rid.next("bad")}, med)
    check(st == 400 and v["error"]["diagnostics"][0]["path"] ==
          "$.text." + named, "a bad label: %d %s" % (st, v))

    srv.expect(200, "POST", BASE + "/texts",
               {"text": mine, "request_id": Rid.next("own")}, med)
    after = srv.expect(200, "GET", BASE, token=med)
    check(after["text_pending"], "the text is not the pending one")
    for issue, label in after["text"].items():
        want = mine.get(issue, before[issue])
        check(label == want, "%s: tabled %s, expected %s" %
              (issue, label, want))
    press = srv.expect(200, "GET", BASE, token=tok["press"])
    check(press["text"] == after["text"], "an observer sees another text")
    check(srv.stop() == 0, "parleyd exit status")
    print("ok: the mediator's own text tabled on %s" %
          ", ".join(sorted(mine)))
finally:
    srv.close()
