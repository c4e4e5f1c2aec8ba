"""An embedder wrapper for the scale benchmark: times every passage embedding and, optionally, reuses vectors.

With ``reuse=True`` each distinct sentence is embedded for real once and its vector reused
whenever the same sentence comes again (the synthetic corpus recombines a fixed set of
passages, so at 100k chunks almost every sentence repeats). A chunk's own vector is NOT
computed: it is approximated by the normalised mean of its sentences' real vectors. The
benchmark says so next to every figure this touches, and projects the embedding time of a
real run from the per-text cost measured on the sizes embedded in full.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from eval.benchmarks import BenchmarkError
from index import Embedder
from index.sentences import split_sentences


@dataclass
class EmbeddingLedger:
    """What the passage embedding cost in one run."""

    seconds: float = 0.0  # wall time inside the real model
    texts_embedded: int = 0  # texts the model embedded
    texts_reused: int = 0  # sentences whose vector was reused
    chunks_approximated: int = 0  # chunk vectors made from their sentences' vectors
    calls: int = 0


class TimedEmbedder:
    """Quacks like :class:`index.Embedder` for indexing: ``embed_passages``, ``embed_queries``, ``dimension``."""

    def __init__(self, embedder: Embedder, reuse: bool = False) -> None:
        self.embedder = embedder
        self.reuse = reuse
        self.ledger = EmbeddingLedger()
        self._sentences: dict[str, np.ndarray] = {}

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_queries(texts)

    def _embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        started = time.perf_counter()
        if progress is None:
            vectors = self.embedder.embed_passages(texts)
        else:
            vectors = self.embedder.embed_passages(texts, progress=progress)
        self.ledger.seconds += time.perf_counter() - started
        self.ledger.texts_embedded += len(texts)
        self.ledger.calls += 1
        return vectors

    def embed_passages_pooled(self, texts: list[str], spans: Sequence[Sequence[tuple[int, int]]],
                              batch_size: int = 16, progress: Callable[[int, int], None] | None = None,
                              ) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """As :meth:`index.Embedder.embed_passages_pooled`, timed (``TANYA_SENTENCE_VECTORS=pooled``); never
        with reused vectors, which approximate chunk vectors from sentence vectors."""
        if self.reuse:
            raise BenchmarkError("Pooled sentence vectors (TANYA_SENTENCE_VECTORS=pooled) are embedded in full: "
                                 "set --reuse-above above the sizes benchmarked.")
        started = time.perf_counter()
        result = self.embedder.embed_passages_pooled(texts, spans, batch_size, progress)
        self.ledger.seconds += time.perf_counter() - started
        self.ledger.texts_embedded += len(texts)
        self.ledger.calls += 1
        return result

    def embed_passages(self, texts: list[str], *, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """As :meth:`index.Embedder.embed_passages`; ``progress`` follows the texts embedded for real."""
        if not self.reuse:
            return self._embed(texts, progress)
        # A text of several sentences is a chunk: its vector is made from its sentences' vectors. Every
        # distinct sentence not seen before is embedded for real, once.
        pieces = {t: split_sentences(t) for t in texts}
        wanted = {s for t in texts for s in (pieces[t] if len(pieces[t]) > 1 else [t])}
        missing = sorted(s for s in wanted if s not in self._sentences)
        if missing:
            for s, v in zip(missing, self._embed(missing, progress), strict=True):
                self._sentences[s] = v
        new = set(missing)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for n, text in enumerate(texts):
            if text in self._sentences:
                out[n] = self._sentences[text]
                self.ledger.texts_reused += text not in new
                continue
            mean = np.mean([self._sentences[s] for s in pieces[text]], axis=0)
            out[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            self.ledger.chunks_approximated += 1
        return out
