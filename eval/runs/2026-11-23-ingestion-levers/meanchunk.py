import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from late import *
from index.articles import load_articles
from index.chunking import chunk_article
chunks = []
for p in sorted(Path(os.environ.get("SEEDS", "../shared/seeds")).iterdir()):
    for a in load_articles(p):
        chunks += chunk_article(a)
true = enc.encode([P + c.text for c in chunks])
sv = [enc.encode([P + s for s in c.sentences]) for c in chunks]
ntok = [np.array([len(enc._tokenizer.encode(P + s).ids) for s in c.sentences]) for c in chunks]
def nrm(v): return v / np.linalg.norm(v)
mean = np.array([nrm(s.mean(0)) for s in sv])
wmean = np.array([nrm((s * w[:, None]).sum(0)) for s, w in zip(sv, ntok)])
best = None
print("cos(true, mean) median", np.median((true*mean).sum(1)), "wmean", np.median((true*wmean).sum(1)))
qs = [json.loads(l) for l in open("eval/data/questions.jsonl")]
def norm(x): return " ".join(x.split()).lower()
for name, C in (("true", true), ("mean", mean), ("wmean", wmean)):
    ranks = []; bs_ranks = []
    for q in qs:
        if not q["answerable"]: continue
        qv = enc.encode(["query: " + q["question"]])[0]
        gold = [i for i, c in enumerate(chunks) if any(norm(e["text"])[:40] in norm(c.text) for e in q["evidence"])]
        if not gold: continue
        sc = C @ qv; order = list(np.argsort(-sc))
        ranks.append(min(order.index(g) for g in gold) + 1)
        # fused-ish: z(dense) + z(best sentence)
        bsent = np.array([ (s @ qv).max() for s in sv])
        z = lambda x: (x - x.mean()) / x.std()
        f = z(sc) + z(bsent); order = list(np.argsort(-f))
        bs_ranks.append(min(order.index(g) for g in gold) + 1)
    r = np.array(ranks); b = np.array(bs_ranks)
    print(f"{name}: dense R@1 {np.mean(r==1):.3f} R@5 {np.mean(r<=5):.3f} MRR {np.mean(1/r):.3f} | +sentence R@1 {np.mean(b==1):.3f} R@5 {np.mean(b<=5):.3f} MRR {np.mean(1/b):.3f}")
