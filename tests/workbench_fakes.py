"""Stand-ins for the models, so that the whole engine (and the page over it) runs with no model file
(for the workbench tests; tests/fakes.py has the others).

- :class:`WordEmbedder`: vectors of the words of a text (hashed), so that texts sharing words are
  similar and a text is identical to itself: retrieval and the grounding judge behave sensibly.
- :class:`QuotingModel`: a chat model that answers with the sentence of source [1] that shares the
  most words with the question, cited [1]: a verbatim claim that verification keeps.

:func:`fake_assistant` builds an :class:`rag.Assistant` on some articles with both.
"""

from __future__ import annotations

import re
import time
import zlib
from pathlib import Path

import numpy as np

from index.sentences import split_sentences
from rag.llm import Generation, GenerationStats

WORD = re.compile(r"\w+", re.UNICODE)
DIMENSION = 512


class WordEmbedder:
    """Unit vectors of hashed word counts."""

    name = "fake-words"
    dimension = DIMENSION

    def _embed(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                rows[i, zlib.crc32(word.encode("utf-8")) % DIMENSION] += 1.0
            norm = np.linalg.norm(rows[i])
            rows[i] = rows[i] / norm if norm else rows[i]
        return rows

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress=None) -> np.ndarray:
        return self._embed(list(texts))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts))


SOURCE = re.compile(r"^\[(\d+)\] (?:\([^)]*\) )?(.*)$", re.MULTILINE)


class QuotingModel:
    """Replies with source [1]'s sentence that shares most words with the question, cited [1]; the
    not-found reply when there is no source."""

    name = "fake-quoting"

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.delay = 0.0  # seconds before each piece: a slow model, for stopping one mid-answer
        self.then = ""  # written after the quote: e.g. a claim no source makes, or the not-found reply

    def stream(self, messages, *, max_tokens, temperature, stop=None, opening=None, forbid_opening=None):
        prompt = messages[-1]["content"]
        self.prompts.append(prompt)
        sources = {int(n): text for n, text in SOURCE.findall(prompt)}
        question = prompt.rsplit("Question:", 1)[-1]
        words = set(WORD.findall(question.lower()))
        if 1 not in sources:
            return Generation.of(["NOT_IN_SOURCES"])
        sentences = split_sentences(sources[1]) or [sources[1]]
        best = max(sentences, key=lambda s: len(words & set(WORD.findall(s.lower()))))
        reply = best.rstrip() + " [1]" + self.then
        pieces = re.findall(r"\S+\s*", reply)
        if not self.delay:
            return Generation.of(pieces)
        return Generation(self._slowly(pieces, stop), GenerationStats(completion_tokens=len(pieces)))

    def _slowly(self, pieces, stop):
        for piece in pieces:
            if stop is not None and stop.wait(self.delay):
                return
            if stop is None:
                time.sleep(self.delay)
            yield piece


def fake_assistant(home: Path, articles: Path, **settings):
    """An Assistant on ``articles`` (indexed now) with :class:`WordEmbedder` and :class:`QuotingModel`, its
    thresholds open enough for word vectors."""
    from rag import Assistant, load_settings

    options = dict(home=home, articles_dir=articles, min_evidence_score=0.05, min_answerability=0.0,
                   fallback_min_score=0.05, support_threshold=0.5, support_threshold_cross=0.5, threads=1)
    bot = Assistant(load_settings(**{**options, **settings}), embedder=WordEmbedder(), chat_model=QuotingModel())
    bot.prepare(model=False)
    return bot
