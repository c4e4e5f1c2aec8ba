"""Stand-ins for the models, so that a real Assistant, its index and the page over it run with no model file.

- :class:`WordEmbedder`: each word hashed to one of 512 dimensions and counted, the vector normalised: texts
  that share words are close and a text is identical to itself, so retrieval and the grounding judge behave
  as with a real model.
- :class:`QuotingModel`: a chat model that replies with the source sentence sharing most words with the
  question, cited with its source's number: a verbatim claim that verification keeps. Its options make it
  slow (``delay``), add text after the quote (``then``), fail part-way (``fail_after``), or write without end
  (``endless``).
- :class:`NoChatModel`: a chat model that fails the test that calls it.

:func:`fake_assistant` builds an :class:`rag.Assistant` with them on some articles (by default a copy of the
bundled ones).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from index.sentences import split_sentences
from rag.llm import Generation, GenerationStats
from rag.prompting import NOT_FOUND

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"

#: A question the bundled articles answer, by a sentence the fake models find.
QUESTION = "Siapa yang memberi Kim rompi antipeluru dan enam drone?"

WORD = re.compile(r"\w+", re.UNICODE)
SOURCE = re.compile(r"\[(\d+)\] (?:\([^)]*\) )?(.*)")
PIECE = re.compile(r"\S+\s*")


class WordEmbedder:
    """Unit vectors of hashed word counts (512 dimensions)."""

    name = "fake-words"
    dimension = 512

    def _embed(self, texts) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                rows[i, zlib.crc32(word.encode("utf-8")) % self.dimension] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)

    def embed_passages(self, texts, batch_size: int = 16, progress=None) -> np.ndarray:
        return self._embed(list(texts))

    def embed_queries(self, texts) -> np.ndarray:
        return self._embed(list(texts))

    def embed_spans(self, text, spans, *, query: bool):
        """None: like a model on a server, this fake gives no word vectors (the counterpart check is skipped)."""
        return None


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if len(w) >= 4}


def quote(prompt: str) -> str:
    """The source sentence sharing most words (of four letters or more) with the prompt's question, cited with
    its source's number; the not-found reply when no sentence shares one."""
    sources, _, rest = prompt.partition("\n\nQuestion: ")
    question = _words(rest.split("\n")[0]) if rest else _words(prompt)
    best, number, overlap = "", 0, 0
    for line in sources.splitlines():
        match = SOURCE.match(line)
        for sentence in split_sentences(match[2]) if match else []:
            shared = len(question & _words(sentence))
            if shared > overlap:
                best, number, overlap = sentence, int(match[1]), shared
    return f"{best.rstrip().rstrip('.')} [{number}]." if overlap else NOT_FOUND


class QuotingModel:
    """A chat model fake that replies with :func:`quote` of its last message.

    ``delay``: seconds before each piece of the reply (a slow model; it stops as soon as it is told to).
    ``then``: written after the quote, e.g. a claim no source makes, or the not-found reply.
    ``fail_after``: the server fails (:class:`rag.LLMError`) after this many pieces.
    ``endless``: writes "kata " instead of the quote, 600 times (one every ``delay``, 0.1 s if none): a model
    that has not finished when the test stops it. :attr:`stopped_at` records when it was told to stop.

    The attributes may be changed between questions."""

    name = "fake-quoting"

    def __init__(self, *, delay: float = 0.0, then: str = "", fail_after: int | None = None,
                 endless: bool = False) -> None:
        self.delay, self.then, self.fail_after, self.endless = delay, then, fail_after, endless
        self.prompts: list[str] = []
        self.stopped_at: float | None = None

    @staticmethod
    def count_tokens(text: str) -> int:
        """Words stand for tokens."""
        return len(text.split())

    def stream(self, messages, *, max_tokens, temperature, stop: threading.Event | None = None, **asked):
        prompt = messages[-1]["content"]
        self.prompts.append(prompt)
        if prompt.startswith("Question: "):  # the whole library is in the system prompt (rag.library_prompt)
            prompt = messages[0]["content"].partition("\n\nSources:\n")[2] + "\n\n" + prompt
        if self.endless:
            pieces = ["kata "] * 600
        else:
            reply = quote(prompt)
            pieces = PIECE.findall(reply + self.then if reply != NOT_FOUND else reply)
        delay = self.delay or (0.1 if self.endless else 0.0)
        if not delay and self.fail_after is None:
            return Generation.of(pieces)
        return Generation(self._written(pieces, delay, stop), GenerationStats(completion_tokens=len(pieces)))

    def _written(self, pieces: list[str], delay: float, stop: threading.Event | None) -> Iterator[str]:
        for n, piece in enumerate(pieces):
            if n == self.fail_after:
                raise _server_failure()
            if delay and stop is not None and stop.wait(delay):
                self.stopped_at = time.monotonic()
                return
            if delay and stop is None:
                time.sleep(delay)
            yield piece
        if self.fail_after is not None and self.fail_after >= len(pieces):
            raise _server_failure()


def _server_failure() -> Exception:
    from rag.errors import LLMError

    return LLMError("The language model server at http://gpu:8000/v1 failed: boom. See the server's log.")


class NoChatModel:
    """A chat model that must not be asked: calling it fails the test."""

    name = "must-not-be-called"

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, messages, **kwargs):
        self.calls += 1
        raise AssertionError(f"the chat model was called: {messages[-1]['content'][:200]!r}")


def copy_of_seeds(folder: Path) -> Path:
    """``folder`` (made now) with a copy of the bundled articles."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    return folder


def fake_assistant(home: Path, articles: Path | None = None, *, chat_model=None, bundled: bool = False,
                   **settings):
    """An Assistant on ``articles`` (default: a copy of the bundled articles in ``home/articles``), indexed now,
    with :class:`WordEmbedder` and ``chat_model`` (default :class:`QuotingModel`), its thresholds open enough for
    word vectors. ``bundled``: the articles folder left unset, as `tanya ui` starts without
    ``TANYA_ARTICLES_DIR``: the program's own articles are indexed (read only) and uploads go to
    ``home/library``."""
    from rag import Assistant, load_settings

    options = dict(home=home, min_evidence_score=0.05, min_answerability=0.0,
                   fallback_min_score=0.05, support_threshold=0.5, support_threshold_cross=0.5, threads=1)
    if not bundled:
        options["articles_dir"] = articles if articles is not None else copy_of_seeds(home / "articles")
    bot = Assistant(load_settings(**{**options, **settings}), embedder=WordEmbedder(),
                    chat_model=chat_model if chat_model is not None else QuotingModel())
    bot.prepare(model=False)
    return bot


def builtin_model_of_parts(tmp_path: Path, monkeypatch, name: str, parts: list[bytes]):
    """A built-in model ``name`` (rag.model_files.BUILTIN_LLMS) made of the files ``parts``, each behind a module in
    sys.modules as its package would be; the spec (its checksum is the parts' together)."""
    import hashlib
    import sys
    import types

    from rag import model_files

    names, whole = [], b""
    for i, data in enumerate(parts):
        path = tmp_path / f"part{i}.bin"
        path.write_bytes(data)
        module = types.ModuleType(f"fake_model_part{i}")
        module.get_part_path = lambda p=path: str(p)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        names.append(module.__name__)
        whole += data
    spec = model_files.BuiltinGGUF(name, "fast.gguf", tuple(names), hashlib.sha256(whole).hexdigest(), None, "t")
    monkeypatch.setitem(model_files.BUILTIN_LLMS, name, spec)
    return spec

