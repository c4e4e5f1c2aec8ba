"""FacQA features for score-fusion experiment: valid (and train sample) split."""
import sys, pickle
sys.path.insert(0, ".")
import numpy as np
from pathlib import Path
from rag import Assistant, load_settings
from eval.benchmarks import DEFAULT_ROOT, load_facqa, facqa_articles, words_key
base = load_settings()
bot = Assistant(base, home=base.home / "benchmarks" / "facqa", models_dir=base.models_path)
r = bot.retriever; store = r.store
chunks = store.all_chunks(); ids = [c.id for c in chunks]
vec = store.embeddings(ids); C = np.stack([vec[i] for i in ids])
sents = store.sentences(ids)
bm = r._keyword_index()
folder = DEFAULT_ROOT / "facqa"
key_of = {a.doc_id: words_key(a.text) for a in facqa_articles(folder)}
out = {}
for split in sys.argv[1:]:
    items = load_facqa(folder, split)
    Q = r.embedder.embed_queries([it.question for it in items])
    rows = []
    for it, q in zip(items, Q):
        d = C @ q
        s = np.array([max((float(v @ q) for _, v in sents.get(i, [])), default=d[j]) for j, i in enumerate(ids)])
        res = dict(bm.search(it.question, len(ids))); b = np.array([res.get(i, 0.0) for i in ids])
        gold = np.array([key_of.get(c.doc_id) == key_of[it.passage_id] for c in chunks])
        rows.append(dict(lang="id", d=d, s=s, b=b, gold=gold))
    out[split] = rows
pickle.dump(dict(ids=ids, docs=[c.doc_id for c in chunks], splits=out), open("/tmp/an/ffeats.pkl", "wb"))
print(len(ids), {k: len(v) for k, v in out.items()})
