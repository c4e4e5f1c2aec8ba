import cProfile, pstats, sys, shutil, numpy as np
from pathlib import Path
from eval.synthetic_corpus import benchmark_passages, build_corpus, write_corpus
from index import ChunkStore, index_articles
class Fake:
    dimension = 384
    def embed_passages(self, texts):
        r = np.random.default_rng(0).normal(size=(len(texts), 384)).astype(np.float32)
        return r / np.linalg.norm(r, axis=1, keepdims=True)
    embed_queries = embed_passages
work = Path("/tmp/tanya-prof"); shutil.rmtree(work, ignore_errors=True)
arts = build_corpus(benchmark_passages(Path("../shared/benchmarks")), 2000)
paths = write_corpus(arts, work / "corpus")
store = ChunkStore.open(path=work / "index", embed_model="fake")
cProfile.run("index_articles(paths, store, Fake(), progress=False)", "/tmp/tanya-prof.out")
pstats.Stats("/tmp/tanya-prof.out").sort_stats("cumulative").print_stats(35)
