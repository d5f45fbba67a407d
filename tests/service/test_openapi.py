"""test_openapi - docs/openapi.json describes exactly the routes compiled
into parleyd (`parleyd --routes`), in both directions, and each of them
fully: every path parameter declared, a bearer security requirement on
every route but the health check, and an error reply for the statuses the
route can give."""
import json
import os
import re

from parleyd_harness import ROOT, binaries, check, routes

parleyd, _, _ = binaries()
with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
    doc = json.load(f)
check(doc["openapi"].startswith("3.0"), "not OpenAPI 3.0")
check(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer",
      "no bearer security scheme")

documented = set()
for path, item in doc["paths"].items():
    for method, op in item.items():
        documented.add((method.upper(), path))
        params = {p["name"] for p in op.get("parameters", [])
                  if p["in"] == "path"}
        wanted = set(re.findall(r"{(\w+)}", path))
        check(params == wanted, "%s %s: path parameters %s, expected %s" %
              (method, path, params, wanted))
        sec = op.get("security", doc.get("security"))
        if path == "/api/v1/health":
            check(sec == [], "health must need no token")
        else:
            check(sec == [{"bearer": []}], "%s %s: no bearer" % (method, path))
            check("401" in op["responses"], "%s %s: no 401" % (method, path))
        if method in ("post", "put"):
            check("requestBody" in op, "%s %s: no request body" % (method, path))
            check("413" in op["responses"], "%s %s: no 413" % (method, path))

compiled = set(routes(parleyd))
check(len(compiled) == len(routes(parleyd)), "duplicate routes in parleyd")
missing = compiled - documented
extra = documented - compiled
check(not missing, "routes of parleyd missing from openapi.json: %s" %
      sorted(missing))
check(not extra, "openapi.json routes parleyd does not have: %s" %
      sorted(extra))
check(len(compiled) == 26, "the API has 26 routes, parleyd %d" % len(compiled))
print("ok: %d routes match" % len(compiled))
