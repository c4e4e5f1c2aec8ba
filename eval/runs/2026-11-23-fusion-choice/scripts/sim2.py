import pickle, itertools, numpy as np
E = pickle.load(open("/tmp/an/feats.pkl", "rb"))["rows"]
F = pickle.load(open("/tmp/an/ffeats.pkl", "rb"))["splits"]
def cands(row, n=20):
    c = set(np.argsort(-row["d"])[:n]) | set(np.argsort(-row["s"])[:n]) | set(j for j in np.argsort(-row["b"])[:n] if row["b"][j] > 0)
    return np.array(sorted(c))
def rank_in(sc, gold):
    order = np.argsort(-sc, kind="stable"); g = np.nonzero(gold[order])[0]
    return int(g[0]) + 1 if len(g) else 99
def z(x): return (x - x.mean()) / (x.std() + 1e-9)
def mm(x): return (x - x.min()) / (x.max() - x.min() + 1e-9)
def fuse(row, ws, wb, norm):
    c = cands(row); d, s, b = row["d"][c], row["s"][c], row["b"][c]
    if norm == "z": sc = z(d) + ws * z(s) + wb * z(b)
    elif norm == "mm": sc = mm(d) + ws * mm(s) + wb * mm(b)
    else: sc = d + ws * s + wb * b / (b.max() + 1e-9)
    return rank_in(sc, row["gold"][c])
def stats(rows, ws, wb, norm):
    ranks = [fuse(r, ws, wb, norm) for r in rows]
    return np.mean([1/x if x <= 10 else 0 for x in ranks]), np.mean([x <= 5 for x in ranks])
sets = [("eval-id", [r for r in E if r["lang"] == "id"]), ("facqa-valid", F["valid"]), ("eval-en", [r for r in E if r["lang"] == "en"])]
for norm, wss, wbs in [("mm", [0, 0.25, 0.5, 0.75, 1.0, 1.5], [0, 0.25, 0.5, 0.75, 1.0]), ("z", [0, 0.25, 0.5, 1.0, 1.5], [0, 0.25, 0.5, 0.75, 1.0]), ("raw", [0, 0.5, 1.0, 1.5, 2.0], [0, 0.05, 0.1, 0.2, 0.3, 0.5])]:
    print(norm, "ws wb:", " | ".join(n for n, _ in sets))
    for ws in wss:
        for wb in wbs:
            print(" ", ws, wb, " | ".join("%.3f %.3f" % stats(rows, ws, wb, norm) for _, rows in sets))
