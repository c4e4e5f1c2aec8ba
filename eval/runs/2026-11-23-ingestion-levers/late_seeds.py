import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from late import *
from index.articles import load_articles
from index.chunking import chunk_article
chunks = []
for p in sorted(Path(os.environ.get("SEEDS", "../shared/seeds")).iterdir()):
    for a in load_articles(p):
        chunks += chunk_article(a)
sents = [(c, s) for c in chunks for s in c.sentences]
sep = enc.encode([P + s for _, s in sents])
_, late_v = late([c.text for c in chunks], [c.sentences for c in chunks])
late_flat = np.array([v for vs in late_v for v in vs])
late2 = np.array([v for vs in late(["" + c.text for c in chunks], [c.sentences for c in chunks], True)[1] for v in vs])
print("cos(sep, late) median", np.median((sep * late_flat).sum(1)), "min", (sep*late_flat).sum(1).min())
qs = [json.loads(l) for l in open("eval/data/questions.jsonl")]
def norm(x): return " ".join(x.split()).lower()
res = {}
for name, S in (("separate", sep), ("late", late_flat), ("late+cls", late2)):
    ranks, top_ans, top_un = [], [], []
    for q in qs:
        qv = enc.encode(["query: " + q["question"]])[0]
        sc = S @ qv
        if q["answerable"]:
            gold = [i for i, (c, s) in enumerate(sents) if any(norm(e["text"])[:40] in norm(s) or norm(s) in norm(e["text"]) for e in q.get("evidence", []))]
            if not gold: continue
            order = np.argsort(-sc)
            r = min(list(order).index(g) for g in gold) + 1
            ranks.append(r); top_ans.append(sc.max())
        else:
            top_un.append(sc.max())
    ranks = np.array(ranks); a, u = np.array(top_ans), np.array(top_un)
    auc = np.mean([[1.0 if x > y else 0.5 if x == y else 0 for y in u] for x in a])
    print(f"{name}: n={len(ranks)} gold sentence R@1 {np.mean(ranks==1):.3f} R@3 {np.mean(ranks<=3):.3f} R@5 {np.mean(ranks<=5):.3f} MRR {np.mean(1/ranks):.3f} | best score ans median {np.median(a):.3f} unans {np.median(u):.3f} AUC {auc:.3f} | ans>=0.80 {np.mean(a>=0.8):.2f} unans>=0.80 {np.mean(u>=0.8):.2f}")
