"""Find the passages that answer a question: dense (e5) + BM25 (Indonesian stemmer), fused by rank.

BM25 matches Indonesian words to Indonesian text well and English words hardly at
all, so its weight in the fusion depends on the question's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index import ChunkStore, Embedder, StoredChunk
from rag.language import Language

# Common Indonesian function words, left out of the BM25 index.
INDONESIAN_STOPWORDS = sorted(set("""
ada adalah agar akan aku anda apa apakah atau bagaimana bahwa banyak bagi baru begitu belum berapa bila
bisa dalam dan dari dengan di dia ia ini itu jadi jika juga kah kalau kami kamu kan karena ke kenapa
ketika kita lagi lah lain maka mana masih mengapa mereka meski namun oleh pada para pun saat saja sama
sangat satu se sebagai sebuah sedang sejak sekitar selama semua seperti serta siapa sini situ sudah supaya
tak tapi telah tentang tersebut tetapi tidak untuk yaitu yakni yang nya kapan dimana
""".split()))


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. ``score`` is the fused rank score (higher is better); ``dense_score`` the cosine."""

    id: str
    doc_id: str
    text: str
    score: float
    title: str = ""
    publisher: str | None = None
    date: str | None = None
    dense_score: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_stored(cls, chunk: StoredChunk, score: float, dense_score: float) -> "Passage":
        m = chunk.metadata
        return cls(id=chunk.id, doc_id=chunk.doc_id, text=chunk.text, score=score,
                   title=str(m.get("title", "")), publisher=m.get("publisher") or None,
                   date=m.get("date") or None, dense_score=dense_score, metadata=m)


def chroma_where(filters: dict[str, str] | None) -> dict | None:
    """Equality filters on chunk metadata (doc_id, publisher, date, title) as a Chroma ``where``."""
    if not filters:
        return None
    clauses = [{key: value} for key, value in filters.items()]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class BM25Index:
    """llama-index's BM25 retriever over the stored chunks, with the Indonesian Snowball stemmer."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        import Stemmer
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        self.size = len(chunks)
        self._by_id = {c.id: c for c in chunks}
        self._retriever = None
        if chunks:
            nodes = [TextNode(id_=c.id, text=c.text) for c in chunks]
            # `language` is handed to bm25s as its stopword list.
            self._retriever = BM25Retriever.from_defaults(
                nodes=nodes, stemmer=Stemmer.Stemmer("indonesian"), language=INDONESIAN_STOPWORDS,
                similarity_top_k=len(nodes))

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[StoredChunk, float]]:
        if self._retriever is None:
            return []
        results = []
        for hit in self._retriever.retrieve(query):
            if hit.score is None or hit.score <= 0:
                continue
            chunk = self._by_id.get(hit.node.node_id)
            if chunk is not None and (allowed is None or chunk.id in allowed):
                results.append((chunk, float(hit.score)))
            if len(results) >= k:
                break
        return results


class HybridRetriever:
    """Dense + BM25 retrieval over one chunk store, fused with weighted reciprocal ranks."""

    def __init__(self, store: ChunkStore, embedder: Embedder, *, candidates: int = 20, fusion_k: int = 60,
                 bm25_weights: dict[str, float] | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.fusion_k = fusion_k
        self.bm25_weights = bm25_weights or {"id": 1.0, "en": 0.25}
        self._bm25: BM25Index | None = None

    def refresh(self) -> None:
        """Rebuild the keyword index from the store (after indexing)."""
        self._bm25 = BM25Index(self.store.all_chunks())

    def _keyword_index(self) -> BM25Index:
        if self._bm25 is None or self._bm25.size != self.store.count():
            self.refresh()
        assert self._bm25 is not None
        return self._bm25

    def retrieve(self, question: str, k: int, language: Language = "id",
                 filters: dict[str, str] | None = None, mode: str = "hybrid") -> list[Passage]:
        """The ``k`` best passages for ``question``, best first.

        ``mode`` "dense" or "bm25" uses one retriever alone (the eval's baselines).
        """
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        where = chroma_where(filters)
        query_vector = self.embedder.embed_queries([question])[0]
        dense = self.store.query(query_vector, max(k, self.candidates), where=where) if mode != "bm25" else []
        allowed = self.store.ids(where) if where else None
        keyword = self._keyword_index().search(question, max(k, self.candidates), allowed) if mode != "dense" else []

        fused: dict[str, float] = {}
        chunks: dict[str, StoredChunk] = {}
        dense_scores = {c.id: c.score for c in dense}
        for rank, chunk in enumerate(dense):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (self.fusion_k + rank + 1)
            chunks[chunk.id] = chunk
        weight = self.bm25_weights.get(language, 1.0)
        for rank, (chunk, _score) in enumerate(keyword):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + weight / (self.fusion_k + rank + 1)
            chunks.setdefault(chunk.id, chunk)
        missing = [cid for cid in fused if cid not in dense_scores]
        if missing:  # BM25-only hits: give them their cosine too, for abstention
            for cid, vec in self.store.embeddings(missing).items():
                dense_scores[cid] = float(vec @ query_vector)
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))[:k]
        return [Passage.from_stored(chunks[cid], fused[cid], dense_scores[cid]) for cid in order]
