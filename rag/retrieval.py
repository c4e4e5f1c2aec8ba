"""Find the passages that answer a question, fusing three scores of each candidate chunk:

- dense: the cosine of the chunk's embedding (multilingual-e5-small) and the question's;
- best sentence: the cosine of the chunk's best sentence, each sentence embedded on its
  own, which finds the one sentence that answers inside a chunk about something else;
- BM25 with the Indonesian Snowball stemmer. It matches Indonesian words to
  Indonesian text well and English words hardly at all. Its index is the store's
  (``ChunkStore.keyword_index()``, ``index/keyword_index.py``): saved beside the
  store, loaded while it is current, kept current by the writes.

The candidates are the best chunks by each of the three; each score is standardised
over the candidates (z-scores: mean 0, standard deviation 1) and the fused score is
their weighted sum, with weights per question language (``Weights``). Unlike fusing
ranks, this keeps how far ahead a chunk is: a chunk far ahead on one score is not
overtaken by one a little ahead on the other two.

Near-duplicate chunks (the same report retold) are kept out of the results, so
that they cover distinct evidence; every chunk comes with its sentences scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from index import ChunkStore, Embedder, StoredChunk, StoredSentence
from index.keyword_index import INDONESIAN_STOPWORDS, BM25Index
from rag.errors import FilterError
from rag.language import Language
from rag.settings import default
from rag.terms import digit_runs

__all__ = ["BM25Index", "Candidates", "DEFAULT_WEIGHTS", "FILTER_FIELDS", "Filters", "HybridRetriever",
           "INDONESIAN_STOPWORDS", "Passage", "ScoredSentence", "Weights", "chroma_where", "fuse", "near_duplicate",
           "standardised"]


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a passage and its similarity to the question."""

    text: str
    score: float
    index: int  # position in its passage


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. ``score`` ranks it (higher is better): the fused score in hybrid retrieval, else the
    cosine or the BM25 score; ``dense_score`` is the cosine.

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
                    sentences: tuple[ScoredSentence, ...] = ()) -> Passage:
        m = chunk.metadata
        return cls(id=chunk.id, doc_id=chunk.doc_id, text=chunk.text, score=score,
                   title=str(m.get("title", "")), publisher=m.get("publisher") or None,
                   date=m.get("date") or None, dense_score=dense_score, metadata=m, sentences=sentences)

    @property
    def url(self) -> str | None:
        """The article's address on the web, when its file gave one (HTML, Markdown front matter, JSONL)."""
        return str(self.metadata.get("url") or "") or None

    @property
    def file(self) -> str | None:
        """The file the article was indexed from (with its place in it, e.g. a JSONL line)."""
        path = str(self.metadata.get("source_path") or "")
        where = str(self.metadata.get("source_location") or "")
        return (f"{path} ({where})" if where else path) or None

    @property
    def pages(self) -> tuple[int, ...]:
        """The pages of its document (a PDF) this passage lies on, 1-based; () when unknown or not paged."""
        first, last = int(self.metadata.get("page") or 0), int(self.metadata.get("page_end") or 0)
        return tuple(range(first, max(first, last) + 1)) if first else ()

    @property
    def best_sentence_score(self) -> float:
        return max((s.score for s in self.sentences), default=self.dense_score)


#: Metadata a filter may test for equality (or, given a list, for being one of its values).
FILTER_FIELDS = ("doc_id", "publisher", "title", "date")
#: A restriction of retrieval: field -> value, or a list of values any of which may match (see :func:`chroma_where`).
Filters = Mapping[str, str | Sequence[str]]


def _date_number(value: str, key: str) -> int:
    try:
        return int(date.fromisoformat(str(value)).strftime("%Y%m%d"))
    except ValueError:
        raise FilterError(f"Filter {key}={value!r} is not a date: use YYYY-MM-DD, e.g. 2023-09-17.") from None


def chroma_where(filters: Filters | None) -> dict | None:
    """Filters on chunk metadata as a Chroma ``where``.

    Keys ``doc_id``, ``publisher``, ``title`` and ``date`` must equal the value, or one of the values
    of a list (e.g. ``{"doc_id": ["a", "b"]}``: articles a and b only); ``date_from`` and ``date_to``
    (YYYY-MM-DD, inclusive) bound the article's date.
    """
    if not filters:
        return None
    clauses: list[dict] = []
    for key, value in filters.items():
        if key in FILTER_FIELDS and not isinstance(value, str):
            values = [str(v) for v in value]
            if not values:
                raise FilterError(f"Filter {key} has an empty list: name at least one {key}, or leave the filter out.")
            clauses.append({key: {"$in": values}} if len(values) > 1 else {key: values[0]})
        elif key in FILTER_FIELDS:
            clauses.append({key: str(value)})
        elif not isinstance(value, str):
            raise FilterError(f"Filter {key} takes one date (YYYY-MM-DD), not a list.")
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


def near_duplicate(a: np.ndarray, b: np.ndarray, text_a: str, text_b: str, threshold: float) -> bool:
    """Two passages say the same thing: nearly the same embedding and the same numbers
    (reports that disagree on a figure are kept apart)."""
    return float(a @ b) >= threshold and digit_runs(text_a) == digit_runs(text_b)


@dataclass(frozen=True)
class Weights:
    """How much the best-sentence and BM25 scores count beside the dense score (weight 1) for
    questions in one language."""

    sentence: float
    bm25: float


def _default_weights() -> dict[str, Weights]:
    return {lang: Weights(sentence=default(f"sentence_weight_{lang}"), bm25=default(f"bm25_weight_{lang}"))
            for lang in ("id", "en")}


#: The settings' defaults, chosen on our dev half and FacQA valid (`python -m eval.choose fusion`, eval/README.md).
DEFAULT_WEIGHTS: dict[str, Weights] = _default_weights()


def standardised(x: np.ndarray) -> np.ndarray:
    """``x`` as z-scores (mean 0, standard deviation 1); all zeros when every value is the same."""
    spread = float(x.std())
    return (x - x.mean()) / spread if spread > 1e-12 else np.zeros_like(x)


def fuse(dense: np.ndarray, best_sentence: np.ndarray, keyword: np.ndarray, weights: Weights) -> np.ndarray:
    """The candidates' fused scores: their three scores standardised over the candidates, weighted and summed."""
    return standardised(dense) + weights.sentence * standardised(best_sentence) + weights.bm25 * standardised(keyword)


@dataclass
class Candidates:
    """A question's candidate chunks and their three scores, before fusion."""

    ids: list[str]
    dense: np.ndarray
    best_sentence: np.ndarray
    keyword: np.ndarray
    vectors: dict[str, np.ndarray]
    sentences: dict[str, list[tuple[StoredSentence, np.ndarray]]]


class HybridRetriever:
    """Dense + best-sentence + BM25 retrieval over one chunk store, fused by standardised scores."""

    def __init__(self, store: ChunkStore, embedder: Embedder, *, candidates: int = default("candidates"),
                 weights: dict[str, Weights] | None = None,
                 duplicate_threshold: float = default("duplicate_threshold")) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.weights = dict(weights or DEFAULT_WEIGHTS)
        self.duplicate_threshold = duplicate_threshold

    def retrieve(self, question: str, k: int, language: Language = "id",
                 filters: Filters | None = None, mode: str = "hybrid") -> list[Passage]:
        """The ``k`` best passages for ``question``, best first, near-duplicates left out.

        ``mode`` "dense" or "bm25" uses one retriever alone, as it is (the eval's baselines).
        """
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        where = chroma_where(filters)
        query_vector = self.embedder.embed_queries([question])[0]
        n = max(k, self.candidates)
        vectors: dict[str, np.ndarray] = {}
        sentences: dict[str, list[tuple[StoredSentence, np.ndarray]]] = {}
        if mode == "dense":
            ranked = [(c.id, c.score) for c in self.store.query(query_vector, n, where=where)]
        elif mode == "bm25":
            ranked = self._keyword_search(question, n, where)
        else:
            weights = self.weights.get(language, self.weights["id"])
            ranked, vectors, sentences = self._fused(question, query_vector, n, where, weights)
        ranked = ranked[: 2 * k + 5]
        vectors = vectors or self.store.embeddings([cid for cid, _ in ranked])
        chunks = {c.id: c for c in self.store.get_chunks([cid for cid, _ in ranked])}
        chosen: list[tuple[str, float]] = []
        for cid, score in ranked:
            if len(chosen) == k:
                break
            if cid not in vectors or cid not in chunks:  # deleted or re-indexed since it was ranked
                continue
            if mode != "hybrid" or not any(near_duplicate(vectors[cid], vectors[c], chunks[cid].text,
                                                          chunks[c].text, self.duplicate_threshold) for c, _ in chosen):
                chosen.append((cid, score))
        if any(cid not in sentences for cid, _ in chosen):
            sentences = self.store.sentences([cid for cid, _ in chosen])
        passages = []
        for cid, score in chosen:
            scored = tuple(ScoredSentence(s.text, float(vec @ query_vector), s.index)
                           for s, vec in sentences.get(cid, []))
            passages.append(Passage.from_stored(chunks[cid], score, float(vectors[cid] @ query_vector), scored))
        return passages

    def _fused(self, question: str, query_vector: np.ndarray, n: int, where: dict | None, weights: Weights
               ) -> tuple[list[tuple[str, float]], dict[str, np.ndarray],
                          dict[str, list[tuple[StoredSentence, np.ndarray]]]]:
        """Candidates (the ``n`` best by each of the three scores), best first with their fused scores;
        and the chunk vectors and sentences read to score them."""
        c = self.candidate_scores(question, query_vector, n, where)
        if not c.ids:
            return [], {}, {}
        fused = fuse(c.dense, c.best_sentence, c.keyword, weights)
        order = sorted(range(len(c.ids)), key=lambda i: (-fused[i], c.ids[i]))
        return [(c.ids[i], float(fused[i])) for i in order], c.vectors, c.sentences

    def candidate_scores(self, question: str, query_vector: np.ndarray, n: int, where: dict | None = None
                         ) -> Candidates:
        """The candidates (the ``n`` best chunks by each of the three scores) and their three scores,
        before fusion: what the fusion weights are chosen on (``eval/choose.py``)."""
        bm25 = self.store.keyword_index()  # checked on every question: never stale, whoever wrote
        ids = list(dict.fromkeys(
            [c.id for c in self.store.query(query_vector, n, where=where)]
            + self._by_best_sentence(query_vector, n, where)
            + [cid for cid, _ in self._keyword_search(question, n, where, bm25)]))
        vectors = self.store.embeddings(ids)
        ids = [cid for cid in ids if cid in vectors]  # deleted or re-indexed meanwhile
        if not ids:
            empty = np.zeros(0)
            return Candidates([], empty, empty, empty, {}, {})
        sentences = self.store.sentences(ids)
        dense = np.array([float(vectors[cid] @ query_vector) for cid in ids])
        best_sentence = np.array([max((float(vec @ query_vector) for _, vec in sentences.get(cid, [])), default=d)
                                  for cid, d in zip(ids, dense, strict=True)])
        return Candidates(ids, dense, best_sentence, bm25.scores(question, ids), vectors, sentences)

    def _keyword_search(self, question: str, n: int, where: dict | None,
                        bm25: BM25Index | None = None) -> list[tuple[str, float]]:
        allowed = self.store.ids(where) if where else None
        return (bm25 or self.store.keyword_index()).search(question, n, allowed)

    def _by_best_sentence(self, query_vector: np.ndarray, n: int, where: dict | None) -> list[str]:
        """Ids of the ``n`` chunks whose best sentences match best, in that order."""
        order: dict[str, None] = {}
        for sentence in self.store.query_sentences(query_vector, 4 * n, where=where):
            order.setdefault(sentence.chunk_id)
        return list(order)[:n]
