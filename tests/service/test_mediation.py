"""test_mediation - a whole mediation of examples/river-basin.json over
HTTP, reaching what `parley mediate --seed 1 --json` reaches.

The mediator creates the session from the scenario's public part (each
party's private fields stripped here) and invites every delegation; each
party puts its own profile over its own channel.  Then the session is
driven only by what it says it awaits: the mediator takes the action it
awaits from the mediator, and each party awaited for an answer or a
concession reads its own view (GET .../view) and hands it to its
simulated delegation, a sim_party process playing the truthful strategy
with the seed `parley mediate` gives that party, whose reply it posts.

The result must be the CLI's: the same agreement package and the same
event log, event for event (the mediator sees every event).  An observer
and each party see only the public events and their own.
"""
import json
import subprocess

from parleyd_harness import (ROOT, Rid, Server, binaries, check, fail,
                             load_scenario, open_session, put_profiles)

parleyd, parley, sim_party = binaries()
check(parley and sim_party, "needs PARLEYD PARLEY SIM_PARTY")
SEED = 1
SCENARIO = "examples/river-basin.json"
MEDIATOR_ROUTES = {"start": "start", "open_cluster": "clusters",
                   "propose": "texts", "pilot": "pilots",
                   "close_round": "rounds/close", "agree": "agreement"}

cli = subprocess.run([parley, "mediate", "--seed", str(SEED), "--json",
                      SCENARIO], cwd=ROOT, capture_output=True, text=True,
                     timeout=300)
check(cli.returncode == 0, "parley mediate failed: " + cli.stderr)
cli_lines = [json.loads(l) for l in cli.stdout.splitlines() if l]
cli_events, summary = cli_lines[:-1], cli_lines[-1]
check(summary["kind"] == "summary" and summary["mediated"]["agreement"],
      "the CLI run ends in agreement")

sc = load_scenario(SCENARIO)
parties = [p["id"] for p in sc["parties"] if p.get("role") == "party"]
srv = Server(parleyd)
sims = {}
try:
    med = srv.mediator_token()
    srv.start()
    tok = open_session(srv, med, sc, seed=SEED)
    put_profiles(srv, sc, tok)
    for p in parties:
        sims[p] = subprocess.Popen([sim_party, SCENARIO, p, str(SEED)],
                                   cwd=ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)

    def ask(party, what):
        v = srv.expect(200, "GET", "/api/v1/sessions/river/view",
                       token=tok[party])
        view = v.get("view", v)
        s = sims[party]
        s.stdin.write(json.dumps({"ask": what, "view": view}) + "\n")
        s.stdin.flush()
        line = s.stdout.readline()
        check(line, "sim_party %s gave no answer to %s" % (party, what))
        return json.loads(line)

    steps = 0
    while True:
        state = srv.expect(200, "GET", "/api/v1/sessions/river", token=med)
        awaiting = state.get("awaiting") or []
        if not awaiting:
            break
        steps += 1
        check(steps < 2000, "the session does not end")
        for w in awaiting:
            if w["from"] == "mediator":
                continue
            what = {"answer": "answer", "concede": "concede"}.get(w["action"])
            check(what, "awaits %s from %s" % (w["action"], w["from"]))
            body = ask(w["from"], what)
            body["request_id"] = Rid.next(w["from"])
            route = "answers" if what == "answer" else "concessions"
            srv.expect(200, "POST", "/api/v1/sessions/river/" + route, body,
                       tok[w["from"]])
        for w in awaiting:
            if w["from"] == "mediator":
                route = MEDIATOR_ROUTES.get(w["action"])
                check(route, "awaits %s from the mediator" % w["action"])
                srv.expect(200, "POST", "/api/v1/sessions/river/" + route,
                           {"request_id": Rid.next("m")}, med)
                break

    def events(token):
        v = srv.expect(200, "GET", "/api/v1/sessions/river/events?after=0",
                       token=token)
        return [json.loads(e) if isinstance(e, str) else e
                for e in v["events"]]

    live = events(med)
    check(len(live) == len(cli_events), "%d events live, %d from the CLI" %
          (len(live), len(cli_events)))
    for a, b in zip(live, cli_events):
        check(a == b, "event differs:\nlive %s\ncli  %s" %
              (json.dumps(a)[:800], json.dumps(b)[:800]))
    agree = [e for e in live if e["kind"] == "agreement"]
    check(agree, "no agreement event")
    pkg = summary["mediated"]["package"]
    check(all(str(v) in json.dumps(agree[-1]) for v in pkg.values()),
          "agreement %s, CLI package %s" % (agree[-1], pkg))

    for who in parties + ["press"]:
        seen = events(tok[who])
        check(seen, "%s sees no event" % who)
        for e in seen:
            check(e["visibility"] == "public" or e.get("party") == who,
                  "%s sees %s" % (who, json.dumps(e)[:300]))
        want = [e for e in cli_events if e["visibility"] == "public" or
                (e["visibility"] == "party" and e.get("party") == who)]
        check(seen == want, "%s's events are not the public ones and its "
              "own (%d, expected %d)" % (who, len(seen), len(want)))
    # Monitoring: the read is byte for byte `parley monitor status --json`
    # as of the same day (without its newline), and names a bad as_of.
    mon = "/api/v1/sessions/river/monitoring"
    srv.expect(200, "POST", "/api/v1/sessions/river/commitments", {
        "id": "flow", "issue": "min_flow", "owner": "highvale",
        "what": "release the agreed flow", "bench": "numeric", "cmp": ">=",
        "target": 40, "unit": "m3/s", "due": "2030-12-31",
        "period_months": 3, "verifier": "saro_council",
        "request_id": Rid.next("commit")}, med)
    start = srv.expect(200, "GET", mon, token=med)["commitments"][0]["start"]
    y, m, d = (int(x) for x in start.split("-"))
    m += 3
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    period = "%04d-%02d-%02d" % (y, m, min(d, 28))
    check(d <= 28, "a start day past the 28th: extend the month clamp")
    srv.expect(200, "POST", "/api/v1/sessions/river/reports", {
        "commitment": "flow", "source": "self", "period": period,
        "status": "minimal", "value": 31.5,
        "request_id": Rid.next("report")}, tok["highvale"])
    for day in (start, period, "2031-01-01"):
        st, _, body = srv.request("GET", mon + "?as_of=" + day, token=med)
        out = subprocess.run([parley, "monitor", "status", "river",
                              "--as-of", day, "--db", srv.db, "--json"],
                             capture_output=True, timeout=60)
        check(st == 200 and out.returncode == 0 and
              body == out.stdout.rstrip(b"\n"),
              "monitoring as of %s: %d\nlive %s\ncli  %s" %
              (day, st, body[:400], out.stdout[:400]))
    c = json.loads(body)["commitments"][0]
    check(c["benchmark"] == {"kind": "numeric", "cmp": ">=", "target": 40,
                             "unit": "m3/s"} and
          c["periods"][0]["period"] == period and
          c["periods"][0]["value"] == 31.5, "the commitment read %s" % c)
    for bad in ("2027-02-30", "tomorrow", "2027-1-01", ""):
        st, v = srv.call("GET", mon + "?as_of=" + bad, None, tok["press"])
        check(st == 400 and v["error"]["diagnostics"][0]["path"] == "as_of",
              "as_of=%r: %d %s" % (bad, st, v))
    check(srv.stop() == 0, "parleyd exit status")
    print("ok: %d events equal to parley mediate --seed %d, %d requests "
          "driven by what the session awaited" % (len(live), SEED, steps))
finally:
    for s in sims.values():
        s.stdin.close()
        s.wait(timeout=30)
        s.stdout.close()
    srv.close()
