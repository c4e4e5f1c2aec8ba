import sys, numpy as np, chromadb, collections
path = sys.argv[1]
client = chromadb.PersistentClient(path=path)
names = [c.name for c in client.list_collections()]
print(names)
for name in names:
    if name.endswith("-sentences"): continue
    col = client.get_collection(name); sen = client.get_collection(name + "-sentences")
    got = sen.get(include=["embeddings", "metadatas"])
    by = collections.defaultdict(list)
    for m, e in zip(got["metadatas"], got["embeddings"]):
        by[m["chunk_id"]].append(np.asarray(e))
    ids = col.get(include=[])["ids"]
    keep = [i for i in ids if i in by]
    vecs = []
    for i in keep:
        v = np.mean(by[i], axis=0); vecs.append((v / np.linalg.norm(v)).tolist())
    for s in range(0, len(keep), 1000):
        col.update(ids=keep[s:s+1000], embeddings=vecs[s:s+1000])
    print(name, len(ids), "chunks,", len(keep), "pooled")
