"""test_credentials - a running parleyd sees the credentials issued after it
started: `parleyd --db PATH --mediator ID` run beside it gives a token the
service takes at once; issuing again for the same actor gives a new token,
and the old one is refused at once, before the new one is ever used.  A
token revoked before the service ever saw it is refused, and unknown tokens
stay refused with the same 401 reply."""
from parleyd_harness import Server, binaries, check

parleyd, _, _ = binaries()
srv = Server(parleyd)
try:
    first = srv.mediator_token()
    srv.start()
    st, me = srv.call("GET", "/api/v1/me", None, first)
    check(st == 200 and me["actor"] == "mediator", "first mediator: %d" % st)

    # Issued while the service runs.
    chair = srv.mediator_token("chair")
    st, me = srv.call("GET", "/api/v1/me", None, chair)
    check(st == 200 and me["actor"] == "chair" and me["mediator"] is True,
          "a mediator issued while the service runs: %d %s" % (st, me))
    st, v = srv.call("GET", "/api/v1/sessions", None, chair)
    check(st == 200, "the new mediator lists the sessions: %d" % st)

    # Re-issued twice: the old token (which the service knows and took) is
    # refused at once, the skipped one too, and the newest is taken.
    skipped = srv.mediator_token("chair")
    newest = srv.mediator_token("chair")
    st, _, body_old = srv.request("GET", "/api/v1/me", None, chair)
    check(st == 401, "the old token right after its re-issue: %d" % st)
    st, _, body_skipped = srv.request("GET", "/api/v1/me", None, skipped)
    check(st == 401, "a token revoked before its first use: %d" % st)
    st, me = srv.call("GET", "/api/v1/me", None, newest)
    check(st == 200 and me["actor"] == "chair", "the newest token: %d" % st)
    st, _, body_old2 = srv.request("GET", "/api/v1/me", None, chair)
    check(st == 401 and body_old2 == body_old,
          "the old token after the newest was used: %d" % st)
    st, _, body_unknown = srv.request("GET", "/api/v1/me", None,
                                      "plt_" + "B" * 43)
    check(st == 401 and body_unknown == body_old == body_skipped,
          "401 replies differ")
    st, _ = srv.call("GET", "/api/v1/me", None, first)
    check(st == 200, "the first mediator still: %d" % st)
    check(srv.stop() == 0, "parleyd did not exit 0")
    print("ok")
finally:
    srv.close()
