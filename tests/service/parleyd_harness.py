"""parleyd_harness - what the service tests share: a real parleyd on a free
loopback port with its own temporary store and key directory, a small HTTP
client (http.client, so paths go out byte for byte as written), and the
scenario helpers (a scenario's public part, a party's private profile).

Each test script is run by ctest as `python3 test_x.py PARLEYD PARLEY
SIM_PARTY` (sim_party.c: a simulated delegation).
Set PARLEYD_VALGRIND=1 to run every parleyd under valgrind memcheck; the
server's exit status is then 99 on any memory error or leak.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRIVATE_FIELDS = ("utility", "weights", "values", "red_lines", "reservation")
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect"]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def binaries():
    """(parleyd, parley, sim_party); the last two None when not given."""
    if len(sys.argv) < 2:
        fail("usage: %s PARLEYD [PARLEY [SIM_PARTY]]" % sys.argv[0])
    args = sys.argv[1:] + [None, None]
    return args[0], args[1], args[2]


def load_scenario(name="examples/river-basin.json"):
    with open(os.path.join(ROOT, name)) as f:
        return json.load(f)


def public_part(sc):
    """The scenario without any party's private fields."""
    pub = json.loads(json.dumps(sc))
    for p in pub.get("parties", []):
        for k in PRIVATE_FIELDS:
            p.pop(k, None)
    return pub


def private_profile(sc, party_id):
    """A party's own profile: the private fields of its scenario entry."""
    for p in sc["parties"]:
        if p["id"] == party_id:
            return {k: p[k] for k in PRIVATE_FIELDS if k in p}
    fail("no party " + party_id)


class Server:
    """A parleyd process over a temporary directory (removed by close())."""

    def __init__(self, parleyd, web=None, threads=2, tmp=None):
        self.parleyd = parleyd
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="parleyd-test-")
        self.db = os.path.join(self.tmp, "parley.db")
        self.keys = os.path.join(self.tmp, "keys")
        self.web = web
        self.threads = threads
        self.proc = None
        self.port = None
        self.valgrind = os.environ.get("PARLEYD_VALGRIND") == "1"

    def base_args(self):
        return ["--db", self.db, "--keys", self.keys]

    def mediator_token(self, actor="mediator"):
        """Issues a mediator token with `parleyd --mediator` (a running
        server sees it on its first use)."""
        out = subprocess.run([self.parleyd] + self.base_args() +
                             ["--mediator", actor], capture_output=True,
                             text=True, timeout=60)
        check(out.returncode == 0, "--mediator failed: " + out.stderr)
        tok = out.stdout.strip()
        check(tok.startswith("plt_") and len(tok) == 47, "token form: " + tok)
        return tok

    def start(self):
        args = [self.parleyd] + self.base_args() + [
            "--listen", "127.0.0.1:0", "--threads", str(self.threads)]
        if self.web:
            args += ["--web", self.web]
        if self.valgrind:
            args = VALGRIND + args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("parleyd: listening on 127.0.0.1:"),
              "parleyd did not start: %r" % line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                st, _, _ = self.request("GET", "/api/v1/health")
                if st == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        fail("parleyd never became healthy")

    def stop(self, sig=signal.SIGTERM, timeout=120):
        """Sends sig and returns the exit status."""
        if not self.proc:
            return None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.proc.stdout.close()
        self.proc = None
        return rc

    def close(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, token=None, headers=None,
                raw_auth=None, timeout=60):
        """(status, headers dict lower-cased, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if raw_auth is not None:
            h["Authorization"] = raw_auth
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def raw(self, data, timeout=30):
        """Sends bytes as they are and returns the status line's code and
        the whole reply (read until the server closes or timeout)."""
        import socket
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=timeout) as s:
            s.sendall(data)
            reply = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                    if b"\r\n\r\n" in reply and b"Connection: close" not in reply:
                        head, _, rest = reply.partition(b"\r\n\r\n")
                        n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                             if l.lower().startswith(b"content-length:")]
                        if n and len(rest) >= n[0]:
                            break
            except socket.timeout:
                pass
        check(reply.startswith(b"HTTP/1.1 "), "no HTTP reply: %r" % reply[:100])
        return int(reply[9:12]), reply

    def call(self, method, path, body=None, token=None, **kw):
        """(status, decoded JSON or None)."""
        st, hdrs, data = self.request(method, path, body, token, **kw)
        try:
            return st, json.loads(data) if data else None
        except ValueError:
            fail("%s %s: reply is not JSON: %r" % (method, path, data[:200]))

    def expect(self, status, method, path, body=None, token=None, **kw):
        st, v = self.call(method, path, body, token, **kw)
        check(st == status, "%s %s: expected %d, got %d: %s" %
              (method, path, status, st, json.dumps(v)[:600]))
        return v

    def ledger_head(self, token):
        v = self.expect(200, "GET", "/api/v1/ledger/verify", token=token)
        check(v["ok"], "ledger does not verify: %s" % v)
        return v["head"]["seq"], v["head"]["hash"]


def routes(parleyd):
    out = subprocess.run([parleyd, "--routes"], capture_output=True,
                         text=True, timeout=30)
    check(out.returncode == 0, "--routes failed")
    return [tuple(l.split(" ", 1)) for l in out.stdout.splitlines() if l]


class Rid:
    """Fresh request ids."""
    n = 0

    @classmethod
    def next(cls, prefix="r"):
        cls.n += 1
        return "%s-%d-%d" % (prefix, os.getpid(), cls.n)


def open_session(srv, med, sc, sid="river", seed=1, observers=("press",)):
    """Creates session sid from sc's public part and invites every party,
    guarantor and monitor of sc with its role, and the observers.  Returns
    {actor: token}."""
    v = srv.expect(201, "POST", "/api/v1/sessions", {
        "id": sid, "scenario": public_part(sc), "seed": seed,
        "request_id": Rid.next("create")}, med)
    check(v == {"id": sid}, "create replied %s" % v)
    tokens = {}
    invites = [(p["id"], p.get("role", "party")) for p in sc["parties"]]
    invites += [(o, "observer") for o in observers]
    for actor, role in invites:
        v = srv.expect(201, "POST", "/api/v1/sessions/%s/invitations" % sid,
                       {"actor": actor, "role": role,
                        "request_id": Rid.next("invite")}, med)
        check(v["actor"] == actor and v["role"] == role, "invite %s" % v)
        tokens[actor] = v["token"]
    return tokens


def put_profiles(srv, sc, tokens, sid="river"):
    for p in sc["parties"]:
        if p.get("role", "party") != "party":
            continue
        srv.expect(200, "PUT", "/api/v1/sessions/%s/profile" % sid,
                   {"profile": private_profile(sc, p["id"]),
                    "request_id": Rid.next("profile")}, tokens[p["id"]])
