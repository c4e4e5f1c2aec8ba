"""Fakes of the models for tests that run a real Assistant and index without loading any model: an embedder that
is a bag of words, and chat models that quote the sources, fail, or write slowly."""

from __future__ import annotations

import re
import shutil
import threading
import time
import zlib
from pathlib import Path

import numpy as np

from index.sentences import split_sentences
from rag.llm import Generation
from rag.prompting import NOT_FOUND

#: A question the bundled articles answer, by a sentence the bag of words finds.
QUESTION = "Siapa yang memberi Kim rompi antipeluru dan enam drone?"


class BagOfWords:
    """An embedder fake: each word hashed to one of 512 dimensions and counted, the vector normalised. Texts that
    share words are close, as with a real model."""

    dimension = 512

    def _embed(self, texts):
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)

    def embed_queries(self, texts):
        return self._embed(texts)

    def embed_passages(self, texts, batch_size=16, progress=None):
        return self._embed(texts)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w{4,}", text.lower()))


class Quoting:
    """A chat model fake: replies with the source sentence that shares most words (of four letters or more) with
    the question, cited with its source's number; the not-found reply when none shares one."""

    name = "quoting"

    def __init__(self) -> None:
        self.stops: list[threading.Event | None] = []

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        self.stops.append(stop)
        return Generation.of(re.findall(r"\S+\s*", self.reply(messages[-1]["content"])))

    @staticmethod
    def reply(prompt: str) -> str:
        sources, _, rest = prompt.partition("\n\nQuestion: ")
        question = _words(rest.split("\n")[0]) if rest else _words(prompt)
        best, number, overlap = "", 0, 0
        for line in sources.splitlines():
            match = re.match(r"\[(\d+)\] (?:\([^)]*\) )?(.*)", line)
            for sentence in split_sentences(match[2]) if match else []:
                shared = len(question & _words(sentence))
                if shared > overlap:
                    best, number, overlap = sentence, int(match[1]), shared
        return f"{best.rstrip('.')} [{number}]." if overlap else NOT_FOUND


class Failing(Quoting):
    """A chat model whose server fails after ``after`` pieces of the reply."""

    def __init__(self, after: int = 0) -> None:
        super().__init__()
        self.after = after

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        from rag.errors import LLMError

        pieces = re.findall(r"\S+\s*", self.reply(messages[-1]["content"]))

        def failing():
            yield from pieces[:self.after]
            raise LLMError("The language model server at http://gpu:8000/v1 failed: boom. See the server's log.")

        return Generation(failing(), Generation.of([]).stats)


class Slow(Quoting):
    """A chat model that writes one piece every 0.1 s, and records when it is told to stop."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped_at: float | None = None

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        def pieces():
            for _ in range(600):
                if stop is not None and stop.is_set():
                    self.stopped_at = time.monotonic()
                    return
                yield "kata "
                time.sleep(0.1)

        return Generation(pieces(), Generation.of([]).stats)


def fake_assistant(folder: Path, chat_model=None, **overrides):
    """An Assistant over a copy of the bundled articles, indexed with :class:`BagOfWords`, answering with
    ``chat_model`` (default :class:`Quoting`). The evidence threshold is off: bag-of-words similarities are lower
    than a real model's."""
    from conftest import SEEDS

    from rag import Assistant, load_settings

    articles = folder / "articles"
    articles.mkdir(parents=True)
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, articles / f.name)
    settings = load_settings(home=folder / "home", articles_dir=articles, min_evidence_score=0.0, **overrides)
    bot = Assistant(settings, embedder=BagOfWords(), chat_model=chat_model or Quoting())
    bot.index(progress=False)
    return bot
