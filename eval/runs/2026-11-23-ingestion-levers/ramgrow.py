"""RSS growth of a Chroma store like ours (chunks + 2.7 sentences a chunk) vs its raw vectors."""
import sys, time, shutil, resource, numpy as np, chromadb
from chromadb.config import Settings
mode = sys.argv[1]; sizes = [int(x) for x in sys.argv[2:]]
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6
path = f"/tmp/tanya-ram-{mode}"; shutil.rmtree(path, ignore_errors=True)
client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
conf = {"hnsw": {"space": "cosine"}}
if mode == "m8": conf = {"hnsw": {"space": "cosine", "max_neighbors": 8}}
if mode == "sync": conf = {"hnsw": {"space": "cosine", "sync_threshold": 100000, "batch_size": 1000}}
cols = [client.create_collection(n, embedding_function=None, configuration=conf) for n in ("articles", "articles-sentences")]
rng = np.random.default_rng(0)
words = "pemerintah kota membangun jembatan proyek berjalan lancar menteri harga beras naik presiden rusia korea".split()
base = rss(); print(f"{mode}: start RSS {base:.0f} MB", flush=True)
done = 0
for target in sizes:
    while done < target:
        n = min(500, target - done)
        ids = [f"d{(done+i)//4}#{(done+i)%4:04d}" for i in range(n)]
        v = rng.normal(size=(n, 384)).astype(np.float32); v /= np.linalg.norm(v, axis=1, keepdims=True)
        docs = [" ".join(rng.choice(words, 60)) for _ in range(n)]
        meta = [{"doc_id": i.split("#")[0], "title": "Judul berita yang cukup panjang " + i, "url": "https://berita.contoh/" + i,
                 "publisher": "Kompas.com", "date": "2023-09-18", "date_num": 20230918, "source_path": "/data/articles/corpus-001.jsonl",
                 "content_hash": "a" * 64, "text_hash": "b" * 64, "chunk_count": 4, "chunking": "160/24", "position": 1} for i in ids]
        cols[0].upsert(ids=ids, embeddings=v, documents=docs, metadatas=meta)
        sids = [f"{i}/{k:02d}" for i in ids for k in range(3)][: int(n * 2.7)]
        sv = rng.normal(size=(len(sids), 384)).astype(np.float32); sv /= np.linalg.norm(sv, axis=1, keepdims=True)
        cols[1].upsert(ids=sids, embeddings=sv, documents=[" ".join(rng.choice(words, 20)) for _ in sids],
                       metadatas=[{"chunk_id": s.split("/")[0], "sentence": int(s.split("/")[1]), "doc_id": s.split("#")[0]} for s in sids])
        done += n
    vec_mb = done * 3.7 * 384 * 4 / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{mode}: {done} chunks: RSS {rss():.0f} MB (peak {peak:.0f}), +{rss()-base:.0f} over start; vectors {vec_mb:.0f} MB", flush=True)
