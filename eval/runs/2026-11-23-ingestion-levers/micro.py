"""Tokens a second of the ONNX embedder on real chunk and sentence texts of the 10k synthetic corpus, by batch size
(bsN: N texts a model call; FLUSH: texts a flush, sorted by length within it) or token budget (tbN)."""
import json, sys, time, glob, os, threading
from pathlib import Path
import numpy as np
from index.readers import RawRecord
from index.articles import article_from_record
from index.chunking import chunk_article
from index.onnx_embedding import OnnxEncoder
folder = Path(glob.glob(os.environ.get("TANYA_MODELS_DIR", "/tmp/th/models") + "/onnx/*/tokenizer.json")[0]).parent
f = sorted(Path("/tmp/tanya-bench-scale/size-10000/corpus").glob("*.jsonl"))[1]
texts = []
for i, line in enumerate(f.read_text().splitlines()[:120]):
    r = json.loads(line)
    a = article_from_record(RawRecord(text=r["text"], key=str(i), title=r["title"], url=r["url"], publisher=r["publisher"], date=r["date"]), f, f"x-{i}")
    for c in chunk_article(a):
        texts.append("passage: " + c.text); texts += ["passage: " + s for s in c.sentences]
texts = texts[:1536]
mode = sys.argv[1]
enc = OnnxEncoder(folder, threads=2)
ntok = sum(len(e.ids) for e in enc._tokenizer.encode_batch(texts))
def run(fn):
    fn(texts[:64])
    t = time.perf_counter(); c = time.process_time(); fn(texts); w = time.perf_counter() - t
    print(f"{mode}: {len(texts)} texts {ntok} tokens: {w:.1f} s wall, {time.process_time()-c:.1f} cpu s, {ntok/w:.0f} tok/s", flush=True)
if mode.startswith("bs"):
    bs = int(mode[2:]); chunk = int(os.environ.get("FLUSH", "128"))
    def fn(ts):
        for i in range(0, len(ts), chunk): enc.encode(ts[i:i+chunk], batch_size=bs)
    run(fn)
elif mode == "two":
    e1 = OnnxEncoder(folder, threads=1); e2 = OnnxEncoder(folder, threads=1)
    def fn(ts):
        out = [None, None]
        def w(k, e):
            parts = ts[k::2]
            for i in range(0, len(parts), 64): e.encode(parts[i:i+64], batch_size=16)
        th = [threading.Thread(target=w, args=(k, e)) for k, e in enumerate((e1, e2))]
        [t.start() for t in th]; [t.join() for t in th]
    run(fn)
if mode.startswith("tb"):
    budget = int(mode[2:]); chunk = int(os.environ.get("FLUSH", "512"))
    def enc_budget(ts):
        encodings = enc._tokenizer.encode_batch(ts)
        order = sorted(range(len(ts)), key=lambda i: -len(encodings[i].ids))
        start = 0
        while start < len(order):
            width = len(encodings[order[start]].ids)
            n = max(1, budget // width)
            rows = order[start:start + n]; start += n
            ids = np.full((len(rows), width), enc._pad_id, dtype=np.int64); mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                k = len(encodings[i].ids); ids[r, :k] = encodings[i].ids; mask[r, :k] = 1
            enc._session.run(None, {"input_ids": ids, "attention_mask": mask})
    def fn(ts):
        for i in range(0, len(ts), chunk): enc_budget(ts[i:i+chunk])
    run(fn)
