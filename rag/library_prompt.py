"""The whole library as the prompt's sources, for a library small enough (setting ``library_in_prompt``).

A handful of articles (the five bundled ones come to about 4,400 of the model's tokens) fits in the model's
context. Then every article, chunk by chunk, goes into the fixed start of the answer prompt, whose state the
model keeps (and saves, :mod:`rag.prompt_states`): a question reads only its own few words instead of ~400
tokens of evidence. Retrieval still runs: its scores are the evidence signals abstention weighs, and its
passages are the closest ones an abstention shows. What it costs in answer quality is measured in
eval/README.md ("The library in the prompt").

:class:`WholeLibrary` owns the sources of the library as it is now: it rebuilds them when the store's
generation changes (any process's write), so nobody else has to remember.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from index import ChunkStore, StoredChunk
from index.sentences import split_sentences
from rag.evidence import PromptSource
from rag.injection import is_instruction
from rag.prompting import format_source


def library_sources(store: ChunkStore) -> list[PromptSource]:
    """Every chunk of ``store`` as one source, numbered in the order of their articles' ids and their place in
    the article, with its sentences (one that a chunk overlap repeats only in the first chunk that holds it;
    sentences that give orders to the assistant left out, as evidence selection leaves them out). A chunk, not
    a whole article: a source is as long as the evidence of a retrieved question, so verification weighs an
    answer sentence against a passage, not against every name and number of an article."""
    by_doc: dict[str, list[StoredChunk]] = {}
    for chunk in store.all_chunks():
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    sources: list[PromptSource] = []
    for doc_id in sorted(by_doc):
        seen: set[str] = set()
        for chunk in sorted(by_doc[doc_id], key=lambda c: int(c.metadata.get("position", 0))):
            sentences = [s for s in split_sentences(chunk.text) if s not in seen and not is_instruction(s)]
            seen.update(sentences)
            if not sentences:
                continue
            meta = chunk.metadata
            sources.append(PromptSource(number=len(sources) + 1, doc_id=doc_id, title=str(meta.get("title", "")),
                                        sentences=tuple(sentences), score=0.0,
                                        publisher=meta.get("publisher") or None, date=meta.get("date") or None,
                                        passage_ids=(chunk.id,), url=meta.get("url") or None,
                                        file=meta.get("source_path") or None))
    return sources


class WholeLibrary:
    """The library's sources for the prompt while the library fits in ``max_tokens`` of the model's tokens
    (None when it does not, or when ``max_tokens`` is 0), rebuilt when the store changes."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._sources: list[PromptSource] | None = None

    def sources(self, store: ChunkStore, count_tokens: Callable[[str], int] | None) -> list[PromptSource] | None:
        """The sources, or None: off, no way to count the model's tokens (a server), an empty library, or one
        longer than ``max_tokens``."""
        if self.max_tokens <= 0 or count_tokens is None:
            return None
        generation = store.generation()
        with self._lock:
            if generation != self._generation:
                sources = library_sources(store) if store.count() else []
                text = "\n".join(format_source(s) for s in sources)
                fits = bool(sources) and count_tokens(text) <= self.max_tokens
                self._sources, self._generation = (sources if fits else None), generation
            return self._sources
