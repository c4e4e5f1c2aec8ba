"""Find the passages that answer a question, fusing three rankings of the chunks by rank:

- dense: the chunk's embedding (multilingual-e5-small) against the question's;
- sentences: the chunk's best sentence, each sentence embedded on its own, which
  finds the one sentence that answers inside a chunk about something else;
- BM25 with the Indonesian Snowball stemmer. It matches Indonesian words to
  Indonesian text well and English words hardly at all, so its weight in the
  fusion depends on the question's language. Its index is saved beside the store
  and loaded while it is current (``rag/keyword_index.py``).

Near-duplicate chunks (the same report retold) are kept out of the results, so
that they cover distinct evidence; every chunk comes with its sentences scored.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from index import ChunkStore, Embedder, StoredChunk
from rag.errors import FilterError
from rag.keyword_index import INDONESIAN_STOPWORDS, BM25Index, current_keyword_index, is_current
from rag.language import Language

__all__ = ["BM25Index", "FILTER_FIELDS", "HybridRetriever", "INDONESIAN_STOPWORDS", "Passage", "ScoredSentence",
           "chroma_where", "near_duplicate"]


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a passage and its similarity to the question."""

    text: str
    score: float
    index: int  # position in its passage


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. ``score`` is the fused rank score (higher is better); ``dense_score`` the cosine.

    ``sentences`` are the chunk's sentences in order, each with its similarity to the question.
    """

    id: str
    doc_id: str
    text: str
    score: float
    title: str = ""
    publisher: str | None = None
    date: str | None = None
    dense_score: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    sentences: tuple[ScoredSentence, ...] = field(default=(), compare=False)

    @classmethod
    def from_stored(cls, chunk: StoredChunk, score: float, dense_score: float,
                    sentences: tuple[ScoredSentence, ...] = ()) -> "Passage":
        m = chunk.metadata
        return cls(id=chunk.id, doc_id=chunk.doc_id, text=chunk.text, score=score,
                   title=str(m.get("title", "")), publisher=m.get("publisher") or None,
                   date=m.get("date") or None, dense_score=dense_score, metadata=m, sentences=sentences)

    @property
    def best_sentence_score(self) -> float:
        return max((s.score for s in self.sentences), default=self.dense_score)


#: Metadata a filter may test for equality.
FILTER_FIELDS = ("doc_id", "publisher", "title", "date")


def _date_number(value: str, key: str) -> int:
    try:
        return int(date.fromisoformat(str(value)).strftime("%Y%m%d"))
    except ValueError:
        raise FilterError(f"Filter {key}={value!r} is not a date: use YYYY-MM-DD, e.g. 2023-09-17.") from None


def chroma_where(filters: dict[str, str] | None) -> dict | None:
    """Filters on chunk metadata as a Chroma ``where``.

    Keys ``doc_id``, ``publisher``, ``title`` and ``date`` must equal the value;
    ``date_from`` and ``date_to`` (YYYY-MM-DD, inclusive) bound the article's date.
    """
    if not filters:
        return None
    clauses: list[dict] = []
    for key, value in filters.items():
        if key in FILTER_FIELDS:
            clauses.append({key: str(value)})
        elif key == "date_from":
            clauses.append({"date_num": {"$gte": _date_number(value, key)}})
        elif key == "date_to":
            clauses.append({"date_num": {"$lte": _date_number(value, key)}})
        else:
            known = ", ".join(FILTER_FIELDS + ("date_from", "date_to"))
            raise FilterError(f"Unknown filter {key!r}; filters are: {known}.")
    if any("date_num" in c for c in clauses):  # undated articles never match a date range
        clauses.append({"date_num": {"$gt": 0}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def near_duplicate(a: np.ndarray, b: np.ndarray, text_a: str, text_b: str, threshold: float) -> bool:
    """Two passages say the same thing: nearly the same embedding and the same numbers
    (reports that disagree on a figure are kept apart)."""
    return float(a @ b) >= threshold and _numbers(text_a) == _numbers(text_b)


class HybridRetriever:
    """Dense + sentence + BM25 retrieval over one chunk store, fused with weighted reciprocal ranks."""

    def __init__(self, store: ChunkStore, embedder: Embedder, *, candidates: int = 20, fusion_k: int = 10,
                 bm25_weights: dict[str, float] | None = None, sentence_weight: float = 2.0,
                 duplicate_threshold: float = 0.97) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.fusion_k = fusion_k
        self.bm25_weights = bm25_weights or {"id": 1.0, "en": 0.25}
        self.sentence_weight = sentence_weight
        self.duplicate_threshold = duplicate_threshold
        self._bm25: BM25Index | None = None
        self._bm25_lock = threading.Lock()  # one load or build at a time, however many questions wait for it

    def refresh(self) -> None:
        """Bring the keyword index up to date with the store (after indexing): kept if still current,
        else loaded from disk when the saved one is current, else built from the store and saved."""
        self._keyword_index()

    def _keyword_index(self) -> BM25Index:
        """The keyword index, current with the store: checked on every question (one call to the store: its
        generation), so that questions asked while articles are indexed, in this process or another one,
        never use a stale one."""
        with self._bm25_lock:
            bm25 = self._bm25
            if bm25 is None or not is_current(bm25, self.store):
                bm25 = self._bm25 = current_keyword_index(self.store)
            return bm25

    def retrieve(self, question: str, k: int, language: Language = "id",
                 filters: dict[str, str] | None = None, mode: str = "hybrid") -> list[Passage]:
        """The ``k`` best passages for ``question``, best first, near-duplicates left out.

        ``mode`` "dense" or "bm25" uses one retriever alone, as it is (the eval's baselines).
        """
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        where = chroma_where(filters)
        query_vector = self.embedder.embed_queries([question])[0]
        n = max(k, self.candidates)
        rankings: list[tuple[list[StoredChunk], float]] = []
        if mode != "bm25":
            rankings.append((self.store.query(query_vector, n, where=where), 1.0))
        if mode == "hybrid" and self.sentence_weight > 0:
            rankings.append((self._by_best_sentence(query_vector, n, where), self.sentence_weight))
        if mode != "dense":
            allowed = self.store.ids(where) if where else None
            keyword = self.store.get_chunks([cid for cid, _ in self._keyword_index().search(question, n, allowed)])
            rankings.append((keyword, self.bm25_weights.get(language, 1.0) if mode == "hybrid" else 1.0))

        fused: dict[str, float] = {}
        chunks: dict[str, StoredChunk] = {}
        for ranking, weight in rankings:
            for rank, chunk in enumerate(ranking):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + weight / (self.fusion_k + rank + 1)
                chunks.setdefault(chunk.id, chunk)
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))[: 2 * k + 5]
        vectors = self.store.embeddings(order)
        chosen: list[str] = []
        for cid in order:
            if len(chosen) == k:
                break
            if cid not in vectors:  # removed since it was ranked (an article deleted or re-indexed meanwhile)
                continue
            if mode != "hybrid" or not any(near_duplicate(vectors[cid], vectors[c], chunks[cid].text,
                                                          chunks[c].text, self.duplicate_threshold) for c in chosen):
                chosen.append(cid)
        sentences = self.store.sentences(chosen)
        passages = []
        for cid in chosen:
            scored = tuple(ScoredSentence(s.text, float(vec @ query_vector), s.index) for s, vec in sentences.get(cid, []))
            passages.append(Passage.from_stored(chunks[cid], fused[cid], float(vectors[cid] @ query_vector), scored))
        return passages

    def _by_best_sentence(self, query_vector: np.ndarray, n: int, where: dict | None) -> list[StoredChunk]:
        """Chunks in the order of their best-matching sentence."""
        order: list[str] = []
        for sentence in self.store.query_sentences(query_vector, 4 * n, where=where):
            if sentence.chunk_id not in order:
                order.append(sentence.chunk_id)
        return self.store.get_chunks(order[:n])
