"""test_static - the web UI's files: index.html at / and /ui/, files under
/ui/ with their content types and the security headers, and every way out
of the web root refused with 404 and nothing of the file outside in the
reply: "..", percent-encoded dots and slashes, an encoded NUL, a
backslash, "//etc/passwd", absolute paths, a symlink to a file or a
directory outside the root.  A symlink that stays inside is followed."""
import os
import re
import shutil
import tempfile

from parleyd_harness import ROOT, Server, binaries, check

parleyd, _, _ = binaries()
tmp = tempfile.mkdtemp(prefix="parleyd-static-")
web = os.path.join(tmp, "web")
outside = os.path.join(tmp, "outside")
os.makedirs(os.path.join(web, "sub"))
os.makedirs(outside)
SECRET = "SECRET-OUTSIDE-THE-ROOT"
with open(os.path.join(tmp, "secret.txt"), "w") as f:
    f.write(SECRET)
with open(os.path.join(outside, "secret.txt"), "w") as f:
    f.write(SECRET)
files = {
    "index.html": ("<!doctype html><title>parley</title>", "text/html"),
    "app.js": ("console.log(1);", "text/javascript"),
    "style.css": ("body{}", "text/css"),
    "data.json": ("{}", "application/json"),
    "pic.svg": ("<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    "sub/page.html": ("<p>sub</p>", "text/html"),
    "blob.bin": ("xx", "application/octet-stream"),
}
for name, (text, _) in files.items():
    with open(os.path.join(web, name), "w") as f:
        f.write(text)
os.symlink(os.path.join(tmp, "secret.txt"), os.path.join(web, "out.txt"))
os.symlink(outside, os.path.join(web, "outdir"))
os.symlink("index.html", os.path.join(web, "inside.html"))

srv = Server(parleyd, web=web, tmp=tmp)
try:
    srv.start()

    def get(path, method="GET"):
        return srv.request(method, path)

    for name, (text, ctype) in files.items():
        st, h, body = get("/ui/" + name)
        check(st == 200, "/ui/%s: %d" % (name, st))
        check(body.decode() == text, "/ui/%s: wrong content" % name)
        check(h["content-type"].startswith(ctype),
              "/ui/%s: content type %s" % (name, h["content-type"]))
        check(h.get("x-content-type-options") == "nosniff", "no nosniff")
        csp = h.get("content-security-policy", "")
        check("default-src 'self'" in csp and "unsafe" not in csp,
              "CSP: %r" % csp)
    for path in ("/", "/ui/", "/ui/inside.html"):
        st, h, body = get(path)
        check(st == 200 and body.decode() == files["index.html"][0],
              "%s: %d" % (path, st))
        check(h["content-type"].startswith("text/html"), path)

    bad = [
        "/ui/../secret.txt", "/ui/../../../../etc/passwd",
        "/ui/%2e%2e/secret.txt", "/ui/%2E%2E/secret.txt",
        "/ui/%2e%2e%2fsecret.txt", "/ui/sub/%2e%2e/%2e%2e/secret.txt",
        "/ui/./index.html", "/ui/sub/../index.html",
        "/ui/index.html%00.png", "/ui/%00", "/ui/index.html%00",
        "/ui/..%5csecret.txt", "/ui/sub\\..\\..\\secret.txt",
        "//etc/passwd", "/ui//etc/passwd", "/ui/%2fetc/passwd",
        "/etc/passwd", "/ui/out.txt", "/ui/outdir/secret.txt",
        "/ui/outdir", "/ui/sub", "/ui/sub/", "/ui/missing.html",
        "/..", "/ui/..", "/ui/%2e%2e", "/secret.txt", "/index.html",
    ]
    for path in bad:
        st, h, body = get(path)
        check(st == 404, "%s: expected 404, got %d" % (path, st))
        check(SECRET.encode() not in body and b"root:" not in body,
              "%s: leaked a file outside the root" % path)
        check(h.get("x-content-type-options") == "nosniff", path)

    st, h, _ = get("/", "POST")
    check(st == 405 and h.get("allow") == "GET", "POST /: %d" % st)
    st, h, _ = get("/api/v1/health")
    check(h.get("cache-control") == "no-store", "API replies: no-store")
    check(srv.stop() == 0, "parleyd did not exit 0 on SIGTERM")

    # Without --web the source tree's web/ is served, when there is one:
    # index.html at / and everything it links under /ui/.
    linked = 0
    index = os.path.join(ROOT, "web", "index.html")
    if os.path.exists(index):
        srv.web = None
        srv.start()
        st, h, body = get("/")
        with open(index, "rb") as f:
            check(st == 200 and body == f.read(), "/ is not web/index.html")
        for ref in re.findall(r'(?:src|href)="(/ui/[^"#?]*)"', body.decode()):
            st, h, data = get(ref)
            check(st == 200, "%s, linked from index.html: %d" % (ref, st))
            with open(os.path.join(ROOT, "web", ref[4:]), "rb") as f:
                check(data == f.read(), ref + ": not the file")
            linked += 1
        check(srv.stop() == 0, "parleyd did not exit 0 on SIGTERM")
    print("ok: %d files served, %d escapes refused, %d files of web/ "
          "linked from its index" % (len(files), len(bad), linked))
finally:
    srv.close()
    shutil.rmtree(tmp, ignore_errors=True)
