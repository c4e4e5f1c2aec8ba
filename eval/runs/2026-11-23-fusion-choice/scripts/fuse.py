"""Score-level fusion experiment: features for every chunk of the bundled corpus, per eval question."""
import sys, itertools, pickle
sys.path.insert(0, ".")
import numpy as np
from rag import Assistant, load_settings
from eval.dataset import load_questions
from eval.metrics import contains_evidence
from rag.language import detect_language

bot = Assistant(load_settings()); r = bot.retriever; store = r.store
chunks = store.all_chunks(); ids = [c.id for c in chunks]
vec = store.embeddings(ids); C = np.stack([vec[i] for i in ids])
sents = store.sentences(ids)
bm = r._keyword_index()
items = [i for i in load_questions() if i.answerable]
rows = []
for it in items:
    q = bot.retriever.embedder.embed_queries([it.question])[0]
    lang = detect_language(it.question)
    d = C @ q
    s = np.array([max((float(v @ q) for _, v in sents.get(i, [])), default=d[j]) for j, i in enumerate(ids)])
    bmres = dict(bm.search(it.question, len(ids)))
    b = np.array([bmres.get(i, 0.0) for i in ids])
    gold = np.array([contains_evidence(c.text, [e.text for e in it.evidence]) for c in chunks])
    hyb = [p.id for p in r.retrieve(it.question, 10, lang)]
    rows.append(dict(id=it.id, lang=it.lang, qlang=lang, d=d, s=s, b=b, gold=gold, hyb=hyb))
pickle.dump(dict(ids=ids, texts=[c.text for c in chunks], docs=[c.doc_id for c in chunks], rows=rows), open("/tmp/an/feats.pkl", "wb"))
print(len(ids), "chunks", len(rows), "questions")
