"""The vectors of a batch of chunks and of their sentences, made one of two ways (``TANYA_SENTENCE_VECTORS``).

- ``separate``: every chunk and every sentence goes through the model on its own (a sentence
  equal to its chunk once).
- ``pooled``: one model pass a chunk ("late chunking"). The chunk's vector is the same as
  ``separate`` gives; each sentence's vector is pooled from that pass's last-layer token
  states over the sentence's characters in the chunk (:meth:`index.Embedder.embed_passages_pooled`),
  so it reads the sentence in the context of its chunk. A sentence not found in its chunk's
  text, or past the model's length, is embedded on its own, as ``separate`` does; a sentence
  that is its whole chunk gets the chunk's vector, as with ``separate``. About half the tokens.

The index records which way its sentence vectors were made (:class:`index.ChunkStore`), and
refuses to be written or read the other way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from index.chunking import Chunk
from index.errors import ModelError

SentenceVectors = Literal["separate", "pooled"]
SENTENCE_VECTORS: tuple[SentenceVectors, ...] = ("separate", "pooled")
#: How an index whose record says nothing made its sentence vectors (every index before the setting).
DEFAULT_SENTENCE_VECTORS: SentenceVectors = "separate"

Progress = Callable[[int, int], None]


@runtime_checkable
class PassageEmbedder(Protocol):
    """What indexing needs of an embedder: :class:`index.Embedder`, or a stand-in (the scale benchmark's).
    ``progress`` is passed only when a progress bar is shown."""

    def embed_passages(self, texts: list[str], *, progress: Progress | None = None) -> np.ndarray:
        ...


@runtime_checkable
class PoolingEmbedder(Protocol):
    """An embedder that can pool sentence vectors from a passage's token states (:class:`index.Embedder`)."""

    def embed_passages_pooled(self, texts: list[str], spans: Sequence[Sequence[tuple[int, int]]],
                              batch_size: int = 16, progress: Progress | None = None,
                              ) -> tuple[np.ndarray, list[np.ndarray]] | None:
        ...


def sentence_spans(text: str, sentences: Sequence[str]) -> list[tuple[int, int] | None]:
    """Each sentence's (start, end) character span in ``text``, looked for in order after the one before:
    verbatim, or else with its words apart by any whitespace (the sentence splitter joins a short piece
    to its sentence with one space); None when not found."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    for sentence in sentences:
        start = text.find(sentence, at)
        if start >= 0:
            span: tuple[int, int] | None = (start, start + len(sentence))
        else:
            words = sentence.split()
            found = re.compile(r"\s+".join(map(re.escape, words))).search(text, at) if words else None
            span = (found.start(), found.end()) if found else None
        if span is not None:
            at = span[1]
        spans.append(span)
    return spans


def _embed(embedder: PassageEmbedder, texts: list[str], progress: Progress | None) -> np.ndarray:
    # only with a bar: an embedder may take no progress argument otherwise
    return embedder.embed_passages(texts, progress=progress) if progress else embedder.embed_passages(texts)


def embed_chunks(embedder: PassageEmbedder, chunks: Sequence[Chunk], how: SentenceVectors = DEFAULT_SENTENCE_VECTORS, *,
                 progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The vectors of ``chunks`` (one row each) and of their sentences (one row each, in order), made ``how``
    (``pooled`` needs a :class:`PoolingEmbedder`; ``progress`` follows the texts through the model)."""
    if how == "pooled":
        return _pooled(embedder, chunks, progress)
    texts = [c.text for c in chunks] + [s for c in chunks for s in c.sentences]
    vectors = _embed(embedder, texts, progress)
    return vectors[:len(chunks)], vectors[len(chunks):]


def _pooled(embedder: PassageEmbedder, chunks: Sequence[Chunk],
            progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    found = [sentence_spans(c.text, c.sentences) for c in chunks]
    result = None
    if isinstance(embedder, PoolingEmbedder):
        result = embedder.embed_passages_pooled([c.text for c in chunks],
                                                [[s or (0, 0) for s in spans] for spans in found], progress=progress)
    if result is None:
        raise ModelError("This embedding model gives no token states, so sentence vectors cannot be pooled from "
                         "their chunk: set TANYA_SENTENCE_VECTORS=separate and run `tanya index --rebuild`.")
    vectors, sentences = result
    sentences = [rows.copy() for rows in sentences]
    alone: list[tuple[int, int, str]] = []  # (chunk, sentence, text): embedded on their own
    for n, (chunk, spans) in enumerate(zip(chunks, found, strict=True)):
        for i, (sentence, span) in enumerate(zip(chunk.sentences, spans, strict=True)):
            if sentence == chunk.text:
                sentences[n][i] = vectors[n]
            elif span is None or not sentences[n][i].any():
                alone.append((n, i, sentence))
    if alone:
        for (n, i, _), vector in zip(alone, embedder.embed_passages([t for _, _, t in alone]), strict=True):
            sentences[n][i] = vector
    return vectors, np.concatenate(sentences) if sentences else np.zeros((0, vectors.shape[1]), np.float32)


__all__ = ["DEFAULT_SENTENCE_VECTORS", "SENTENCE_VECTORS", "PassageEmbedder", "PoolingEmbedder", "SentenceVectors",
           "embed_chunks", "sentence_spans"]
