import sys, time, shutil, numpy as np, chromadb
from chromadb import Schema, FtsIndexConfig, StringInvertedIndexConfig
from chromadb.config import Settings
mode = sys.argv[1]
path = f"/tmp/tanya-up-{mode}"; shutil.rmtree(path, ignore_errors=True)
client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
kw = dict(embedding_function=None)
if mode == "default":
    kw["configuration"] = {"hnsw": {"space": "cosine"}}
elif mode == "nofts":
    s = Schema(); s.delete_index(config=FtsIndexConfig(), key="#document")
    kw["schema"] = s
elif mode == "nometa":
    s = Schema(); s.delete_index(config=FtsIndexConfig(), key="#document"); s.delete_index(config=StringInvertedIndexConfig())
    kw["schema"] = s
elif mode == "l2":
    pass
elif mode == "ef":
    kw["configuration"] = {"hnsw": {"space": "cosine", "ef_construction": 50}}
try:
    col = client.create_collection("tst", **kw)
except Exception as e:
    print(mode, "create failed:", type(e).__name__, e); sys.exit()
rng = np.random.default_rng(0)
n = 7400; words = "pemerintah kota membangun jembatan proyek berjalan lancar menteri harga beras naik".split()
docs = [" ".join(rng.choice(words, 40)) + f" {i}" for i in range(n)]
vec = rng.normal(size=(n, 384)).astype(np.float32); vec /= np.linalg.norm(vec, axis=1, keepdims=True)
meta = [{"doc_id": f"d{i//4}", "chunk_id": f"d{i//4}#{i%4:04d}", "sentence": i % 4, "title": "Judul berita " + str(i // 4), "url": f"https://x/{i//4}", "date_num": 20230101} for i in range(n)]
t = time.perf_counter(); c = time.process_time()
for s in range(0, n, 512):
    col.upsert(ids=[f"id{i}" for i in range(s, min(n, s + 512))], embeddings=vec[s:s+512], documents=docs[s:s+512], metadatas=meta[s:s+512])
print(f"{mode}: {time.perf_counter()-t:.1f} s wall, {time.process_time()-c:.1f} CPU s for {n}", flush=True)
q = col.query(query_embeddings=[vec[5].tolist()], n_results=3)
print(q["ids"][0][:3])
try:
    print("fts:", len(col.get(where_document={"$contains": "jembatan 17"}, include=[])["ids"]))
except Exception as e:
    print("fts query failed", type(e).__name__)
