#!/usr/bin/env python3
"""make_golden.py - expected analysis results for the GENIUS reference domains.

Computes, for every case listed in CASES, the numbers tests/test_golden.c
asserts: outcome-space size, feasible count, Pareto frontier (distinct
utility vectors and efficient packages), ideal point, and the package each
solution concept picks, with its utilities.  It is written from the
definitions alone (DESIGN.md section 2, docs/metrics.md, the GENIUS rules in
tests/data/genius/PROVENANCE.md) and shares nothing with libparley: it reads
the XML with xml.etree, enumerates every package, and maximises every
objective over the whole feasible set F by brute force (it does not use the
fact that the maxima lie on the frontier).

GENIUS rules applied:
  - discrete issue: value = evaluation / largest evaluation of the issue;
  - integer issue, linear evaluator: clamp(offset + slope*(v - lowerbound), 0, 1);
  - weights as written, matched to the profile's issues by index attribute;
    issues matched between domain and profile by name;
  - reservation as written (absent = 0); the disagreement point is the
    reservation; discount factors play no part in a static analysis;
  - u_i(package) = sum over issues, in issue order, of weight * value
    (a double; equal vectors are equal as doubles).

Package index: first issue most significant, options in listed order.
Ties: higher utility sum (the doubles u_i summed in party order), then the
lowest package index.

Usage (from the repository root):
    python3 tests/golden/make_golden.py            # every case
    python3 tests/golden/make_golden.py Holiday-3  # some cases
    python3 tests/golden/make_golden.py --check    # compare, write nothing
The whole set takes a few minutes (EnergyGridHp2 has 5,764,801 packages).
"""

import argparse
import json
import math
import os
import sys
import time
import xml.etree.ElementTree as ET
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "genius")


def files(d, names):
    return [d + "/" + n for n in names]


BANK = ["Bank_Robbery_util%d.xml" % i for i in range(1, 10)]
HOLIDAY = ["holiday-Profile%d.xml" % i for i in range(1, 10)]
TRAM = ["Tram_Profile%d.xml" % i for i in range(1, 10)]
PARTY_BASE = ["party%d_utility.xml" % i for i in range(1, 10)]
PARTY_ALL = sorted(n for n in os.listdir(os.path.join(DATA, "PartyDomain"))
                   if n.startswith("party") and n != "party_domain.xml")

# Mediated runs: (lambda, floor or None).  Equal-power cases use the default.
DEFAULT_RUNS = [(0.5, None)]
# Power cases: both ends and the middle, a floor that does not bind, one
# that binds at lambda 0 (just above power_nash's smallest normalized
# gain) and one above what anyone can get (the effective floor is then the
# ks optimum).
def power_runs(binding):
    return [(0.0, None), (0.5, None), (1.0, None), (0.5, 0.5),
            (0.0, binding), (0.25, 0.95)]

# name, domain file, profile files, powers (None = 1 each),
# reservations (None = as written), mediated runs, note
CASES = [
    ("BankRobbery-3", "BankRobbery/Bank_Robbery.xml",
     files("BankRobbery", BANK[:3]), None, None, DEFAULT_RUNS,
     "the first 3 of 9 profiles"),
    ("BankRobbery-4", "BankRobbery/Bank_Robbery.xml",
     files("BankRobbery", BANK[:4]), None, None, DEFAULT_RUNS,
     "the first 4 of 9 profiles"),
    ("BankRobbery-9", "BankRobbery/Bank_Robbery.xml",
     files("BankRobbery", BANK), None, None, DEFAULT_RUNS,
     "all 9 profiles"),
    ("EnergyGridHp2", "EnergyGridHp2/energy_grid_domain.xml",
     files("EnergyGridHp2", ["consumer.xml", "producer.xml", "provider.xml"]),
     None, None, DEFAULT_RUNS, "all 3 profiles"),
    ("EnglandZimbabwe", "EnglandZimbabwe/EnglandZimbabwe_domain.xml",
     files("EnglandZimbabwe", ["England.xml", "Zimbabwe.xml"]), None, None,
     DEFAULT_RUNS, "both profiles"),
    ("Holiday-3", "Holiday/holiday.xml", files("Holiday", HOLIDAY[:3]), None,
     None, DEFAULT_RUNS, "the first 3 of 9 profiles"),
    ("Holiday-4", "Holiday/holiday.xml", files("Holiday", HOLIDAY[:4]), None,
     None, DEFAULT_RUNS, "the first 4 of 9 profiles"),
    ("Holiday-9", "Holiday/holiday.xml", files("Holiday", HOLIDAY), None,
     None, DEFAULT_RUNS, "all 9 profiles"),
    ("ItexvsCypress", "ItexvsCypress/ItexvsCypress_domain.xml",
     files("ItexvsCypress", ["ItexvsCypress_Cypress.xml",
                             "ItexvsCypress_Itex.xml"]), None, None,
     DEFAULT_RUNS, "both profiles"),
    ("Laptop", "Laptop/laptop_domain.xml",
     files("Laptop", ["laptop_buyer_utility.xml",
                      "laptop_seller_utility.xml"]), None, None,
     DEFAULT_RUNS, "both profiles (discount factors play no part)"),
    ("Laptop-edge", "Laptop/laptop_domain.xml",
     files("Laptop", ["laptop_buyer_utility.xml",
                      "laptop_seller_utility.xml"]),
     [2.0, 1.0], [1.000051804171754, 0.0], [(0.5, None), (0.5, 0.5)],
     "the buyer's reservation set to its best utility: it has nothing to "
     "gain, so the Nash family is not found and ks looks at the seller only"),
    ("Laptop-impasse", "Laptop/laptop_domain.xml",
     files("Laptop", ["laptop_buyer_utility.xml",
                      "laptop_seller_utility.xml"]),
     None, [0.95, 0.95], DEFAULT_RUNS,
     "reservations 0.95 set by the test: no package is feasible"),
    ("ParsCat", "ParsCat/domain.xml",
     files("ParsCat", ["profile1.xml", "profile2.xml", "profile3.xml"]),
     None, None, DEFAULT_RUNS, "all 3 profiles"),
    ("ParsCat-power", "ParsCat/domain.xml",
     files("ParsCat", ["profile1.xml", "profile2.xml", "profile3.xml"]),
     [3.0, 2.0, 1.0], [0.3, 0.3, 0.3], power_runs(0.54),
     "all 3 profiles, powers 3, 2, 1 and reservations 0.3 set by the test"),
    ("PartyDomain-3", "PartyDomain/party_domain.xml",
     files("PartyDomain", PARTY_BASE[:3]), None, None, DEFAULT_RUNS,
     "party1..party3_utility.xml"),
    ("PartyDomain-4", "PartyDomain/party_domain.xml",
     files("PartyDomain", PARTY_BASE[:4]), None, None, DEFAULT_RUNS,
     "party1..party4_utility.xml"),
    ("PartyDomain-9", "PartyDomain/party_domain.xml",
     files("PartyDomain", PARTY_BASE), None, None, DEFAULT_RUNS,
     "the 9 base profiles party1..party9_utility.xml"),
    ("PartyDomain-17", "PartyDomain/party_domain.xml",
     files("PartyDomain", PARTY_ALL), None, None, DEFAULT_RUNS,
     "all 17 profile files, in file-name order"),
    ("Politics", "Politics/Politics.xml",
     files("Politics", ["Politics_util1.xml", "Politics_util2.xml",
                        "Politics_util3.xml"]), None, None, DEFAULT_RUNS,
     "all 3 profiles"),
    ("SmartEnergyGrid", "SmartEnergyGrid/SmartEnergyGrid.xml",
     files("SmartEnergyGrid", ["SmartEnergyGrid_util1.xml",
                               "SmartEnergyGrid_util2.xml",
                               "SmartEnergyGrid_util3.xml"]), None, None,
     DEFAULT_RUNS, "all 3 profiles"),
    ("SmartEnergyGrid-power", "SmartEnergyGrid/SmartEnergyGrid.xml",
     files("SmartEnergyGrid", ["SmartEnergyGrid_util1.xml",
                               "SmartEnergyGrid_util2.xml",
                               "SmartEnergyGrid_util3.xml"]),
     [3.0, 2.0, 1.0], [0.3, 0.3, 0.3], power_runs(0.6),
     "all 3 profiles, powers 3, 2, 1 and reservations 0.3 set by the test"),
    ("Tram-3", "Tram/Tram.xml", files("Tram", TRAM[:3]), None, None,
     DEFAULT_RUNS, "the first 3 of 9 profiles"),
    ("Tram-4", "Tram/Tram.xml", files("Tram", TRAM[:4]), None, None,
     DEFAULT_RUNS, "the first 4 of 9 profiles"),
    ("Tram-9", "Tram/Tram.xml", files("Tram", TRAM), None, None,
     DEFAULT_RUNS, "all 9 profiles"),
    ("Travel", "Travel/travel_domain.xml",
     files("Travel", ["travel_chox.xml", "travel_fanny.xml"]), None, None,
     DEFAULT_RUNS, "both profiles"),
]

# Objectives closer than this (relative) to the winner's, without being
# equal, would make the choice depend on rounding: reported, never hidden.
NEAR = 1e-12
# Float objectives are within a few ulps of the exact ones, so every vector
# whose exact objective could beat the float winner is within this of it.
NEAR_SCAN = 1e-9


# ---- GENIUS XML -----------------------------------------------------------

def read_domain(path):
    """Issues in document order: (name, option labels, lowerbound or None)."""
    root = ET.parse(path).getroot()
    if root.tag != "negotiation_template":
        sys.exit("%s: not a GENIUS domain" % path)
    issues = []
    for el in root.iter("issue"):
        name = el.get("name")
        kind = el.get("type") or el.get("etype")
        if kind == "discrete":
            opts = [it.get("value") for it in el.findall("item")]
            issues.append((name, opts, None))
        elif kind == "integer":
            lo, hi = int(el.get("lowerbound")), int(el.get("upperbound"))
            issues.append((name, [str(v) for v in range(lo, hi + 1)], lo))
        else:
            sys.exit("%s: issue %s of type %s" % (path, name, kind))
    return issues


def read_profile(path, issues):
    """Per issue, the contribution weight * value of each option, and the
    reservation."""
    root = ET.parse(path).getroot()
    if root.tag != "utility_space":
        sys.exit("%s: not a GENIUS profile" % path)
    obj = root.find("objective")
    weights = {}
    for w in obj.findall("weight"):
        weights[int(w.get("index"))] = float(w.get("value"))
    by_name = {el.get("name"): el for el in obj.iter("issue")}
    contrib = []
    for name, opts, lo in issues:
        el = by_name[name]
        w = weights[int(el.get("index"))]
        if lo is None:
            ev = {it.get("value"): float(it.get("evaluation"))
                  for it in el.findall("item")}
            top = max(ev.values())
            vals = [ev[o] / top for o in opts]
        else:
            e = el.find("evaluator")
            if e.get("ftype") != "linear":
                sys.exit("%s: evaluator %s" % (path, e.get("ftype")))
            a, b = float(e.get("offset")), float(e.get("slope"))
            plo = int(el.get("lowerbound"))
            vals = [min(1.0, max(0.0, a + b * float(int(o) - plo)))
                    for o in opts]
        contrib.append([w * v for v in vals])
    res = root.find("reservation")
    r = float(res.get("value")) if res is not None else 0.0
    return contrib, r


# ---- enumeration ------------------------------------------------------------

def utilities(issues, contrib):
    """u[i][index] for every package, summed in issue order: the list for
    the first k issues extended by every option of issue k+1 keeps the
    index order (first issue most significant) and the summation order."""
    out = []
    for c in contrib:
        level = [0.0]
        for col in c:
            level = [p + x for p in level for x in col]
        out.append(level)
    return out


def package_of(index, sizes):
    pkg = []
    for s in reversed(sizes):
        pkg.append(index % s)
        index //= s
    return pkg[::-1]


def fsum_order(u):
    s = 0.0
    for x in u:
        s += x
    return s


# ---- Pareto frontier ----------------------------------------------------------

def dominates(w, v):
    return all(a >= b for a, b in zip(w, v)) and w != v


def frontier_generic(vecs):
    """Sort-filter-skyline: in descending lexicographic order a dominator
    always comes first, and the dominator of a dropped vector's dominator
    also dominates it, so comparing with the kept ones suffices."""
    kept = []
    for v in sorted(vecs, reverse=True):
        if not any(all(a >= b for a, b in zip(w, v)) for w in kept):
            kept.append(v)
    return set(kept)


def frontier_2(vecs):
    kept, best = [], -math.inf
    for v in sorted(vecs, reverse=True):
        if v[1] > best:
            kept.append(v)
        best = max(best, v[1])
    return set(kept)


def frontier_3(vecs):
    """Descending lexicographic sweep: v is dominated iff an earlier vector
    has u1 >= v1 and u2 >= v2; a Fenwick tree over the ranks of u1
    (largest first) keeps the largest u2 seen per prefix."""
    ys = sorted({v[1] for v in vecs}, reverse=True)
    rank = {y: k + 1 for k, y in enumerate(ys)}
    tree = [-math.inf] * (len(ys) + 1)
    kept = []
    for v in sorted(vecs, reverse=True):
        k, best = rank[v[1]], -math.inf
        while k > 0:
            best = max(best, tree[k])
            k -= k & -k
        if not best >= v[2]:
            kept.append(v)
        k = rank[v[1]]
        while k <= len(ys):
            if tree[k] < v[2]:
                tree[k] = v[2]
            k += k & -k
    return set(kept)


def frontier(vecs, n):
    if n == 2:
        fast = frontier_2(vecs)
    elif n == 3:
        fast = frontier_3(vecs)
    else:
        return frontier_generic(vecs)
    # the sweep is checked against the obvious filter where that is cheap
    if len(vecs) * len(fast) <= 2e7:
        assert fast == frontier_generic(vecs), "frontier sweeps disagree"
    return fast


# ---- solution concepts --------------------------------------------------------

def choose(cands, fkey, xkey, what, warn, fdomain=None, inexact=None):
    """Maximises (objective, sum, -index) over cands, a list of
    (vector, float sum, index).

    fkey(v) is the objective in floating point (None outside the concept's
    domain, which it may draw a little wider than the true one); xkey(v) is
    an exactly comparable version (Fractions: a product for the logs, the
    exact min for ks), None outside the exact domain.  When xkey is None
    (irrational weights) or `inexact` is set (xkey gives the float objective
    on the exact domain) the float objective is compared, and any near tie
    is reported.  Rounding can make vectors with equal objectives
    differ in the last bits (and the reverse), so the float maximum only
    narrows the search: every candidate within NEAR_SCAN of it is compared
    exactly, ties broken by the exact sum, then the index.  Returns the
    winner with its float objective, and also the winner a plain float
    comparison would give (float_index; fdomain(v) is then the strict float
    domain) when that one differs."""
    if inexact is None:
        inexact = xkey is None
    if xkey is None:
        xkey = fkey if fdomain is None else \
            (lambda v: fkey(v) if fdomain(v) else None)
    scored = []
    for v, s, idx in cands:
        k = fkey(v)
        if k is not None:
            scored.append((k, s, idx, v))
    strict = [c for c in scored if fdomain is None or fdomain(c[3])]
    fbest = max(strict, key=lambda c: (c[0], c[1], -c[2])) if strict else None
    scored.sort(key=lambda c: -c[0])
    best, bx, bsum = None, None, None
    considered = []
    for c in scored:
        if best is not None and \
                c[0] < best[0] - NEAR_SCAN * max(1.0, abs(best[0])):
            break
        x = xkey(c[3])
        if x is None:
            continue
        xs = sum(Fraction(t) for t in c[3])
        considered.append((x, c))
        if best is None or (x, xs, -c[2]) > (bx, bsum, -best[2]):
            best, bx, bsum = c, x, xs
    if best is None:
        return None
    ties = [c for x, c in considered if x == bx and c[3] != best[3]]
    if inexact:
        tol = NEAR * max(1.0, abs(bx))
        near = [c for x, c in considered if x != bx and abs(x - bx) <= tol]
        if near:
            warn.append("%s: %d vectors within %g of the best objective %r "
                        "and no exact form: the choice depends on rounding"
                        % (what, len(near), tol, bx))
    others = [c[0] for c in scored if c[3] != best[3]]
    margin = best[0] - max(others) if others else None
    out = {"objective": best[0], "index": best[2], "vector": best[3],
           "ties": len(ties), "margin": margin}
    if fbest is None or fbest[2] != best[2]:
        out["float_index"] = fbest[2] if fbest else None
        warn.append("%s: exact rule picks index %d, plain float comparison "
                    "%s" % (what, best[2], fbest[2] if fbest else "none"))
    return out


def analyse(case, verbose):
    name, dom, profs, powers, set_res, runs, note = case
    t0 = time.time()
    issues = read_domain(os.path.join(DATA, dom))
    sizes = [len(o) for _, o, _ in issues]
    contribs, res = [], []
    for p in profs:
        c, r = read_profile(os.path.join(DATA, p), issues)
        contribs.append(c)
        res.append(r)
    n = len(profs)
    if set_res is not None:
        res = list(set_res)
    power = list(powers) if powers is not None else [1.0] * n
    total = 1
    for s in sizes:
        total *= s
    u = utilities(issues, contribs)
    # distinct feasible vectors: multiplicity and lowest index
    seen = {}
    feasible = 0
    cols = list(zip(*u)) if n > 1 else [(x,) for x in u[0]]
    for idx, v in enumerate(cols):
        ok = True
        for i in range(n):
            if not v[i] >= res[i]:
                ok = False
                break
        if not ok:
            continue
        feasible += 1
        e = seen.get(v)
        if e is None:
            seen[v] = [1, idx]
        else:
            e[0] += 1
    del cols, u
    front = frontier(list(seen), n) if seen else set()
    eff = sum(seen[v][0] for v in front)
    ideal = [max(v[i] for v in seen) for i in range(n)] if seen else None
    span = [ideal[i] - res[i] for i in range(n)] if seen else None
    cands = [(v, fsum_order(v), seen[v][1]) for v in seen]
    cands.sort(key=lambda c: c[2])
    warn = []
    xres = [Fraction(r) for r in res]
    xspan = [Fraction(ideal[i]) - xres[i] for i in range(n)] if seen else None

    def gains(v):
        return [v[i] - res[i] for i in range(n)]

    def xgains(v):
        return [Fraction(v[i]) - xres[i] for i in range(n)]

    def ks_key(v):
        g = gains(v)
        ng = [g[i] / span[i] for i in range(n) if span[i] > 0]
        return min(ng) if ng else 0.0

    def ks_xkey(v):
        g = xgains(v)
        ng = [g[i] / xspan[i] for i in range(n) if xspan[i] > 0]
        return min(ng) if ng else Fraction(0)

    def log_key(coef):
        def key(v):
            g = gains(v)
            if not all(x > 0 for x in g):
                return None
            s = 0.0
            for i in range(n):
                s += coef[i] * math.log(g[i])
            return s
        return key

    def prod_xkey(expo):
        """sum c_i log g_i ranks as prod g_i^e_i when c is proportional to
        the integers e: exact with Fractions."""
        if expo is None:
            return None

        def key(v):
            g = xgains(v)
            if not all(x > 0 for x in g):
                return None
            p = Fraction(1)
            for i in range(n):
                p *= g[i] ** expo[i]
            return p
        return key

    def int_expo(c):
        """Integers proportional to c (all equal or all integral), or None."""
        if all(x == c[0] for x in c):
            return [1] * n
        if all(float(x).is_integer() for x in c):
            return [int(x) for x in c]
        return None

    ptot = fsum_order(power)
    share = [p / ptot for p in power]
    keys = [
        ("utilitarian", lambda v: fsum_order(v),
         lambda v: sum(Fraction(x) for x in v)),
        ("nash", log_key([1.0] * n), prod_xkey([1] * n)),
        ("power_nash", log_key(share), prod_xkey(int_expo(power))),
        ("ks", ks_key, ks_xkey),
        ("egalitarian", lambda v: min(gains(v)), lambda v: min(xgains(v))),
    ]
    sols = []
    kstar = None
    for cname, key, xkey in keys:
        best = choose(cands, key, xkey, "%s %s" % (name, cname), warn)
        sols.append((cname, best))
        if cname == "ks" and best is not None:
            kstar = ks_xkey(best["vector"])
            fkstar = best["objective"]
    med = []
    for lam, floor in runs:
        raw = [p ** (1.0 - lam) for p in power]
        rs = fsum_order(raw)
        w = [x / rs for x in raw]
        base, xbase = log_key(w), prod_xkey(int_expo(raw))
        eff_floor = None
        fdomain = None
        if floor is not None and kstar is not None:
            xeff = min(Fraction(floor), kstar)
            # the float floor as a float program would apply it
            eff_floor = min(floor, fkstar)

            def floor_ok(v, ef, slack):
                g = gains(v)
                return all(not span[i] > 0 or g[i] / span[i] >= ef - slack
                           for i in range(n))

            def key(v, base=base, ef=eff_floor):
                return base(v) if floor_ok(v, ef, NEAR_SCAN) else None

            def fdomain(v, ef=eff_floor):
                return floor_ok(v, ef, 0.0)

            def xin(v, ef=xeff):
                g = xgains(v)
                return all(not xspan[i] > 0 or g[i] / xspan[i] >= ef
                           for i in range(n))
            if xbase is not None:
                def xkey(v, xbase=xbase, xin=xin):
                    return xbase(v) if xin(v) else None
            else:
                # the objective has no exact form, the floor has
                def xkey(v, base=base, xin=xin):
                    return base(v) if xin(v) else None
        else:
            key, xkey = base, xbase
        best = choose(cands, key, xkey,
                      "%s mediated(%g, %s)" % (name, lam, floor), warn,
                      fdomain, xbase is None)
        med.append((lam, floor, eff_floor, w, best))

    def sol_json(best):
        if best is None:
            return {"found": False}
        return {"found": True, "index": best["index"],
                "package": package_of(best["index"], sizes),
                "utility": list(best["vector"]),
                "objective": best["objective"],
                "ties": best["ties"], "margin": best["margin"],
                **({"float_index": best["float_index"]}
                   if "float_index" in best else {})}

    out = {
        "case": name,
        "about": note,
        "domain": dom,
        "profiles": profs,
        "set_power": powers,
        "set_reservation": set_res,
        "power": power,
        "reservation": res,
        "packages": total,
        "feasible": feasible,
        "frontier_vectors": len(front),
        "efficient_packages": eff,
        "frontier_index_sum": sum(seen[v][1] for v in front),
        "frontier_utility_sum": [math.fsum(v[i] for v in front)
                                 for i in range(n)],
        "ideal": ideal,
        "solutions": [],
        "mediated": [],
    }
    for cname, best in sols:
        d = {"concept": cname}
        d.update(sol_json(best))
        out["solutions"].append(d)
    for lam, floor, eff_floor, w, best in med:
        d = {"lambda": lam, "floor": floor, "weights": w}
        if floor is not None:
            d["effective_floor"] = eff_floor
        d.update(sol_json(best))
        out["mediated"].append(d)
    if verbose:
        print("%-22s %9d packages %9d feasible %6d vectors %8d efficient "
              "(%.1f s)" % (name, total, feasible, len(front), eff,
                            time.time() - t0), file=sys.stderr)
    for w_ in warn:
        print("WARNING " + w_, file=sys.stderr)
    return out


def dump(obj):
    """One field per line at the top, short arrays on one line: readable and
    stable under regeneration."""
    lines = ["{"]
    items = list(obj.items())
    for k, (key, val) in enumerate(items):
        end = "," if k + 1 < len(items) else ""
        if isinstance(val, list) and val and isinstance(val[0], dict):
            lines.append("  %s: [" % json.dumps(key))
            for j, d in enumerate(val):
                e2 = "," if j + 1 < len(val) else ""
                lines.append("    " + json.dumps(d) + e2)
            lines.append("  ]" + end)
        else:
            lines.append("  %s: %s%s" % (json.dumps(key), json.dumps(val), end))
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_table(folder):
    print("| case | profiles | packages | feasible | frontier vectors | "
          "efficient packages | utilitarian | nash | power_nash | ks | "
          "egalitarian | mediated |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        with open(os.path.join(folder, case[0] + ".json")) as f:
            g = json.load(f)
        picks = [str(s["index"]) if s["found"] else "-"
                 for s in g["solutions"]]
        picks.append(", ".join(str(s["index"]) if s["found"] else "-"
                               for s in g["mediated"]))
        print("| `%s` | %s | %d | %d | %d | %d | %s |"
              % (g["case"], g["about"], g["packages"], g["feasible"],
                 g["frontier_vectors"], g["efficient_packages"],
                 " | ".join(picks)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the stored files, write nothing")
    ap.add_argument("--out", default=HERE, help="output folder")
    ap.add_argument("--table", action="store_true",
                    help="print the README's table from the stored files")
    args = ap.parse_args()
    if args.table:
        print_table(args.out)
        return
    names = [c[0] for c in CASES]
    for c in args.cases:
        if c not in names:
            sys.exit("unknown case %s; known: %s" % (c, " ".join(names)))
    differ = 0
    for case in CASES:
        if args.cases and case[0] not in args.cases:
            continue
        text = dump(analyse(case, True))
        path = os.path.join(args.out, case[0] + ".json")
        if args.check:
            old = open(path).read() if os.path.exists(path) else None
            if old != text:
                print("DIFFERS " + path, file=sys.stderr)
                differ += 1
        else:
            with open(path, "w") as f:
                f.write(text)
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
