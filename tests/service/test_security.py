"""test_security - who may do what over HTTP, and that a refused request
changes nothing (the ledger's head is the same before and after):

  - every route but health, without a token, with a malformed one (wrong
    scheme, wrong form, an unknown well-formed one): 401, the same reply;
  - routes of another role: 403 (a party on the mediator's actions, an
    observer on a party's inputs, a party inviting, creating a session);
  - a party's private data (its profile, its concerns) is in no reply to
    another party or an observer, not even in the ledger they can read;
    writes name no party: a party writes only its own inputs;
  - bodies over 1 MiB (declared or chunked): 413; malformed JSON and
    100-deep nesting: 400 with diagnostics (path, line, column);
  - a replayed request_id: 409, also for an invitation (the first token
    stays valid, no second one is issued);
  - a wrong method: 405 with Allow; an unknown route or session: 404.
"""
import json

from parleyd_harness import (Rid, Server, binaries, check, load_scenario,
                             open_session, private_profile, routes)

parleyd, _, _ = binaries()
sc = load_scenario()
srv = Server(parleyd)
try:
    med = srv.mediator_token()
    srv.start()
    tok = open_session(srv, med, sc)
    parties = [p["id"] for p in sc["parties"] if p.get("role") == "party"]
    a, b = parties[0], parties[1]
    srv.expect(200, "PUT", "/api/v1/sessions/river/profile",
               {"profile": private_profile(sc, a),
                "request_id": Rid.next()}, tok[a])
    MARK = "private-concern-of-a-7f3a9c"
    srv.expect(200, "POST", "/api/v1/sessions/river/concerns",
               {"text": MARK, "request_id": Rid.next()}, tok[a])
    head = srv.ledger_head(med)

    def unchanged(what):
        check(srv.ledger_head(med) == head, what + " changed the store")

    # 401: the same reply whatever is wrong with the credential.
    fake = "plt_" + "A" * 43
    bad_auth = [None, "Bearer", "Bearer ", "Basic " + med, "bearer " + med,
                "Bearer " + med[:-1], "Bearer " + med + "x",
                "Bearer " + fake, "Bearer  " + med, "Bearer plt_\x7f",
                "Bearer " + "x" * 5000]
    body401 = None
    table = routes(parleyd)
    for method, pattern in table:
        path = pattern.replace("{sid}", "river")
        for auth in bad_auth:
            body = {"request_id": Rid.next()} if method != "GET" else None
            st, h, data = srv.request(method, path, body, raw_auth=auth)
            if pattern == "/api/v1/health":
                check(st == 200, "health: %d" % st)
                continue
            check(st == 401, "%s %s with %r: expected 401, got %d" %
                  (method, path, auth and auth[:20], st))
            check(h.get("www-authenticate") == "Bearer", "no WWW-Authenticate")
            body401 = body401 or data
            check(data == body401, "401 replies differ: %r" % data)
    unchanged("unauthenticated requests")

    # 403: a role's actions by another role.
    mediator_only = [("POST", "/api/v1/sessions/river/" + x) for x in
                     ("start", "clusters", "texts", "pilots", "rounds/close",
                      "agreement", "commitments", "invitations")]
    mediator_only.append(("POST", "/api/v1/sessions"))
    for who in (b, "press", "basin_bank", "saro_council"):
        for method, path in mediator_only:
            body = {"request_id": Rid.next(), "actor": "x", "role": "observer"}
            if path == "/api/v1/sessions":
                body = {"id": "s2", "scenario": {}, "request_id": Rid.next()}
            if path.endswith("invitations"):
                body = {"actor": "intruder", "role": "observer",
                        "request_id": Rid.next()}
            st, v = srv.call(method, path, body, tok[who])
            check(st == 403, "%s %s by %s: expected 403, got %d %s" %
                  (method, path, who, st, v))
            check(v["error"]["status"] == "PARLEY_EDENIED", "status name")
    party_only = [("PUT", "profile", {"profile": private_profile(sc, b)}),
                  ("POST", "concerns", {"text": "x"}),
                  ("POST", "answers", {"round": 1, "kind": "accept"}),
                  ("POST", "concessions", {"round": 1, "aspiration": 0.5})]
    for who in ("press", "basin_bank", "saro_council"):
        for method, what, body in party_only:
            body = dict(body, request_id=Rid.next())
            st, v = srv.call(method, "/api/v1/sessions/river/" + what, body,
                             tok[who])
            check(st == 403, "%s %s by %s: expected 403, got %d" %
                  (method, what, who, st))
        st, _ = srv.call("GET", "/api/v1/sessions/river/view", None, tok[who])
        check(st == 403, "view by %s: %d" % (who, st))
    unchanged("refused writes")

    # Private data: nothing of a's profile or concern reaches b or others.
    # Replies are searched as JSON, down into JSON text held in strings (the
    # ledger's payloads), for any of a's value functions.
    def values(text):
        try:
            v = json.loads(text)
        except ValueError:
            return
        stack = [v]
        while stack:
            x = stack.pop()
            yield x
            if isinstance(x, dict):
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)
            elif isinstance(x, str) and x[:1] in "{[":
                stack.extend(values(x))
    a_functions = list(private_profile(sc, a)["utility"].values())
    for who in (b, "press", "basin_bank", "saro_council"):
        for path in ("/api/v1/sessions/river", "/api/v1/sessions/river/events",
                     "/api/v1/sessions", "/api/v1/ledger?limit=1000",
                     "/api/v1/ledger/export", "/api/v1/sessions/river/view",
                     "/api/v1/me"):
            st, h, data = srv.request("GET", path, token=tok[who])
            text = data.decode()
            check(MARK not in text, "%s saw a's private concern in %s" %
                  (who, path))
            for line in text.splitlines():
                for x in values(line):
                    check(x not in a_functions, "%s saw a's profile in %s" %
                          (who, path))
    st, v = srv.call("GET", "/api/v1/sessions/river/view", None, tok[b])
    check(st == 200 and json.dumps(v).find(MARK) < 0, "b's view")
    st, v = srv.call("GET", "/api/v1/sessions/river/view", None, tok[a])
    check(st == 200, "a reads its own view: %d" % st)
    check(any(x in a_functions for x in values(json.dumps(v))),
          "a's view lacks a's own profile: the search above would be blind")
    unchanged("reads")

    # Sizes and shapes of bodies.
    concerns = "/api/v1/sessions/river/concerns"
    # Declared too large: refused from the headers, before any of the body
    # is sent (the server must not wait for it).
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" %
            (concerns, tok[a], (1 << 20) + 1)).encode()
    st, reply = srv.raw(head, timeout=10)
    check(st == 413, "declared 1 MiB+ body: %d" % st)
    st, reply = srv.raw(head + b"{" * 1000, timeout=10)
    check(st == 413, "declared 1 MiB+ body, partly sent: %d" % st)
    # Exactly at the limit is read and taken.
    limit_body = json.dumps({"text": "at the limit", "request_id": Rid.next()})
    limit_body = limit_body[:-1] + " " * ((1 << 20) - len(limit_body)) + "}"
    st, _, _ = srv.request("POST", concerns, limit_body, tok[a])
    check(st == 200, "a body of exactly 1 MiB: %d" % st)
    head = srv.ledger_head(med)
    def chunks():
        for _ in range(17):
            yield b" " * 65536
    st, _, _ = srv.request("POST", concerns, chunks(), tok[a])
    check(st == 413, "chunked 1 MiB+ body: %d" % st)
    for body in ('{"text": "x", "request_id": ', "[1, 2", "\x00", "nul",
                 '{"text": "x", "text": "y", "request_id": "r"}'):
        st, v = srv.call("POST", concerns, body, tok[a])
        check(st == 400, "malformed %r: %d" % (body, st))
        d = v["error"]["diagnostics"]
        check(d and all(k in d[0] for k in ("path", "line", "column",
                                             "message")), "diagnostics %s" % v)
    deep = '{"text": ' + "[" * 100 + "]" * 100 + ', "request_id": "d"}'
    st, v = srv.call("POST", concerns, deep, tok[a])
    check(st == 400, "100-deep nesting: %d" % st)
    check(v["error"]["diagnostics"][0]["line"] == 1, "deep: line")
    st, v = srv.call("PUT", "/api/v1/sessions/river/profile",
                     {"profile": 1, "request_id": Rid.next()}, tok[a])
    check(st == 400, "mistyped profile: %d" % st)
    unchanged("bad bodies")

    # Replays.
    rid = Rid.next("replay")
    srv.expect(200, "POST", concerns, {"text": "once", "request_id": rid},
               tok[b])
    head = srv.ledger_head(med)
    st, v = srv.call("POST", concerns, {"text": "once", "request_id": rid},
                     tok[b])
    check(st == 409 and v["error"]["status"] == "PARLEY_EDUPLICATE",
          "replayed request_id: %d %s" % (st, v))
    unchanged("a replayed write")
    invitations = "/api/v1/sessions/river/invitations"
    rid = Rid.next("invite-replay")
    first = srv.expect(201, "POST", invitations,
                       {"actor": "reporter", "role": "observer",
                        "request_id": rid}, med)
    check(first["ok"] is True and first["seq"] > 0, "invite reply %s" % first)
    head = srv.ledger_head(med)
    for body in ({"actor": "reporter", "role": "observer", "request_id": rid},
                 {"actor": "other", "role": "observer", "request_id": rid}):
        st, v = srv.call("POST", invitations, body, med)
        check(st == 409 and v["error"]["status"] == "PARLEY_EDUPLICATE" and
              "token" not in json.dumps(v),
              "replayed invitation: %d %s" % (st, v))
        unchanged("a replayed invitation")
    st, v = srv.call("GET", "/api/v1/me", None, first["token"])
    check(st == 200 and v["actor"] == "reporter",
          "the first invitation's token after a replay: %d %s" % (st, v))
    st, v = srv.call("POST", invitations, {"actor": "reporter",
                                           "role": "judge",
                                           "request_id": Rid.next()}, med)
    check(st == 400 and v["error"]["diagnostics"][0]["path"] == "$.role",
          "a bad role: %d %s" % (st, v))
    unchanged("a refused invitation")

    # Methods, routes, sessions.
    st, h, _ = srv.request("DELETE", "/api/v1/sessions/river", None, med)
    check(st == 405 and h.get("allow") == "GET", "DELETE: %d %s" % (st, h))
    st, h, _ = srv.request("GET", "/api/v1/sessions/river/start", None, med)
    check(st == 405 and h.get("allow") == "POST", "GET start: %d" % st)
    for path in ("/api/v1/nothing", "/api/v1/sessions/river/", "/api/v2/me",
                 "/api/v1/sessions/a%2fb/view", "/api/v1/sessions/..",
                 "/api/v1/sessions/" + "x" * 65):
        st, _, _ = srv.request("GET", path, None, med)
        check(st == 404, "%s: %d" % (path, st))
    st, _ = srv.call("GET", "/api/v1/sessions/nosuch", None, med)
    check(st == 404, "unknown session: %d" % st)
    st, _ = srv.call("GET", "/api/v1/sessions/river/events?after=x", None, med)
    check(st == 400, "bad after: %d" % st)
    unchanged("refused routes")
    check(srv.stop() == 0, "parleyd did not exit 0")
    print("ok: %d routes checked" % len(table))
finally:
    srv.close()
