#!/usr/bin/env python3
"""Verify a honestmeasure spot-check draw file, written from docs/draw.md alone.

An independent re-implementation (standard library only), kept to show the
specification is enough: python3 docs/draw-verify.py FILE. It checks the
commitment, draws again, compares the result and the file byte for byte. It
does not repeat the announcement checks of §3.1 (honestmeasure draw verify
does). internal/draw's TestIndependentImplementation runs it when python3 is
installed.
"""
import json, hashlib, hmac, sys
def ns(s):
    b = s.encode() if isinstance(s, str) else s
    return str(len(b)).encode() + b":" + b + b","
def ni(n): return ns(str(n))
f = json.load(open(sys.argv[1], encoding="utf-8"))
a, rv = f["announcement"], f["reveal"]
if hashlib.sha256(rv["secret"].encode()).hexdigest() != a["commitment"]:
    sys.exit("the secret does not match the commitment")
m = ns("honestmeasure draw announcement v1") + ni(a["version"])
for k in ["id","agency","plan","item","announced_at"]: m += ns(a[k])
m += ni(len(a["targets"]))
for t in a["targets"]: m += ns(t["label"])+ns(t["stratum"])+ns(t["class"])+ni(t["weight"])
m += ni(len(a["excluded"]))
for x in a["excluded"]: m += ns(x["label"])+ns(x["reason"])
m += ni(len(a["inspectors"]))
for i in a["inspectors"]:
    m += ns(i["label"]) + ni(len(i["excluded"]))
    for l in i["excluded"]: m += ns(l)
m += ni(len(a["cells"]))
for c in a["cells"]: m += ns(c["stratum"])+ns(c["class"])+ni(c["count"])
m += ni(a["inspectors_per_target"]) + ns(a["commitment"]) + ns(a["randomness_source"]) + ns(a["previous"])
pool = hashlib.sha256(m).digest()
print("pool", pool.hex())
seed = hmac.new(pool, ns("honestmeasure draw seed v1")+ns(rv["secret"])+ns(rv["random_value"]), hashlib.sha256).digest()
print("seed", seed.hex())
class Stream:
    def __init__(s, *name): s.p = ns("honestmeasure draw stream v1") + b"".join(ns(x) for x in name); s.j = 0
    def u(s):
        d = hmac.new(seed, s.p + ni(s.j), hashlib.sha256).digest(); s.j += 1
        return int.from_bytes(d[:8], "big")
    def below(s, n):
        rest = (1 << 64) % n
        while True:
            u = s.u()
            if u <= (1 << 64) - 1 - rest: return u % n
sel, res = [], []
for c in a["cells"]:
    ts = [t for t in a["targets"] if t["stratum"] == c["stratum"] and t["class"] == c["class"]]
    st = Stream("cell", c["stratum"], c["class"])
    n = min(2 * c["count"], len(ts)); order = []
    left = list(ts)
    for _ in range(n):
        W = sum(t["weight"] for t in left); r = st.below(W); run = 0
        for k, t in enumerate(left):
            run += t["weight"]
            if run > r: order.append(t); del left[k]; break
    sel += order[:c["count"]]; res += order[c["count"]:]
load = {i["label"]: 0 for i in a["inspectors"]}
excl = {i["label"]: set(i["excluded"]) for i in a["inspectors"]}
ist = Stream("inspectors"); out = []
labels = [i["label"] for i in a["inspectors"]]
for pos, t in enumerate(sel + res, 1):
    chosen = []
    for _ in range(a["inspectors_per_target"]):
        cand = [l for l in labels if t["label"] not in excl[l] and l not in chosen]
        least = min(load[l] for l in cand); ties = [l for l in cand if load[l] == least]
        p = ties[ist.below(len(ties))]; chosen.append(p); load[p] += 1
    out.append({"position": pos, "label": t["label"], "stratum": t["stratum"], "class": t["class"], "inspectors": sorted(chosen, key=lambda s: s.encode())})
got = {"selected": out[:len(sel)], "reserve": out[len(sel):]}
if got != f["result"]:
    sys.exit("the result differs from the draw")
canon = json.dumps({"announcement": a, "reveal": rv, "result": got}, ensure_ascii=False, indent=2) + "\n"
raw = open(sys.argv[1], "rb").read()
if canon.encode() != raw:
    sys.exit("the draw is right but the file is not in canonical form")
print("OK file hash", hashlib.sha256(raw).hexdigest())
