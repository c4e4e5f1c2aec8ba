"""Does this passage support this sentence? A local judge that works across Indonesian and English.

Used twice: by the answer step to verify every cited sentence before the user sees
it, and by the eval (eval/judge.py) to score citations.

No NLI model runs offline here, so the judge combines:
- embedding similarity (multilingual-e5-small) between the sentence and the
  passage's best sentence or pair of sentences;
- the sentence's numbers must all appear in the passage (number words read as digits);
- the sentence's names must appear in the passage (countries, months and weekdays also in their
  Indonesian forms; in an English sentence over an Indonesian passage, ordinary English words that
  are not names are left to the similarity; the question's own names, when the sources name them,
  are its premise and need not be in each passage);
- in an English sentence over an Indonesian passage, every content word must have a counterpart among
  the passage's words, read in context by the same model (rag/counterparts.py): "tank" in "Kim was given
  a tank" has none in "Kim dihadiahi rompi antipeluru".

Its agreement with hand labels (eval/data/support_pairs.jsonl) is measured by
`tanya eval --judge`, with the thresholds chosen on one half of the pairs and
scored on the other (two-fold); the defaults below come from that.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index import Embedder
from index.sentences import split_sentences
from rag.counterparts import counterparts, weakest, word_spans
from rag.language import detect_language
from rag.settings import default
from rag.terms import abbreviated, name_present, names_in, numbers_in

_QUOTE = re.compile(r"“([^”]+)”")
#: A quotation this long (in words), found word for word in the passage, is that passage's claim.
MIN_QUOTE_WORDS = 5


def quoted_from(sentence: str, passage: str) -> bool:
    """Whether ``sentence`` is framing around a verbatim quotation of ``passage``
    (every “...” in it of at least MIN_QUOTE_WORDS words appears there, and there is one)."""
    quotes = _QUOTE.findall(sentence)
    if not quotes:
        return False
    flat = " ".join(passage.replace("“", "'").replace("”", "'").replace('"', "'").replace("‘", "'")
                    .replace("’", "'").split()).lower()
    return all(len(q.split()) >= MIN_QUOTE_WORDS
               and " ".join(q.replace("‘", "'").replace("’", "'").split()).lower().rstrip(".") in flat for q in quotes)


@dataclass(frozen=True)
class Verdict:
    supported: bool
    similarity: float
    missing_numbers: tuple[int, ...]
    missing_names: tuple[str, ...]
    cross_lingual: bool = False
    #: The weakest counterpart score of the sentence's content words (1.0 when none was scored: the sentence
    #: is Indonesian, has no content word to check, or fails the other checks, which come first).
    counterpart: float = 1.0
    #: The content words whose counterpart scores below the judge's ``counterpart_threshold``.
    missing_counterparts: tuple[str, ...] = ()


class Judge(Protocol):
    def judge(self, sentence: str, passage: str, given: frozenset[str] = frozenset()) -> Verdict: ...


class GroundingJudge:
    """The local judge. The least similarity that counts as support is ``threshold`` when the
    sentence is in the passage's language (Indonesian) and ``cross_threshold`` when it is English:
    cross-lingual embeddings sit closer together. An English sentence's content words also need a
    counterpart in the passage scoring at least ``counterpart_threshold`` (0 turns that check off)."""

    def __init__(self, embedder: Embedder, threshold: float = default("support_threshold"),
                 cross_threshold: float = default("support_threshold_cross"),
                 counterpart_threshold: float = default("support_counterpart_threshold")) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.cross_threshold = cross_threshold
        self.counterpart_threshold = counterpart_threshold
        #: Word vectors of the texts judged lately, as for ``_cache`` (a passage is read once for all sentences).
        self._word_cache: dict[str, np.ndarray | None] = {}
        #: Vectors of the texts judged lately (answers are verified against the same sources several times).
        self._cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()  # the page's sessions verify their answers in threads of their own
        self.cache_limit = 20_000

    def _vectors(self, texts: list[str], query: bool) -> np.ndarray:
        key = "q:" if query else "p:"
        with self._cache_lock:
            if len(self._cache) > self.cache_limit:  # a long-running server: keep memory bounded
                self._cache.clear()
            known = {t: self._cache[key + t] for t in texts if key + t in self._cache}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            made = self.embedder.embed_queries(todo) if query else self.embedder.embed_passages(todo)
            fresh = dict(zip(todo, made, strict=True))
            known.update(fresh)
            with self._cache_lock:
                self._cache.update({key + t: v for t, v in fresh.items()})
        return np.stack([known[t] for t in texts])

    def _word_vectors(self, text: str, query: bool) -> np.ndarray | None:
        key = ("q:" if query else "p:") + text
        with self._cache_lock:
            if len(self._word_cache) > self.cache_limit // 10:
                self._word_cache.clear()
            if key in self._word_cache:
                return self._word_cache[key]
        rows = self.embedder.embed_spans(text, word_spans(text), query=query)
        with self._cache_lock:
            self._word_cache[key] = rows
        return rows

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """The embedding model's vectors of ``texts`` read as queries (cached like every vector the judge reads)."""
        return self._vectors(texts, query=True)

    def similarity(self, sentence: str, passage: str) -> float:
        parts = split_sentences(passage) or [passage]
        windows = parts + [" ".join(parts[i:i + 2]) for i in range(len(parts) - 1)]
        sims = self._vectors(windows, query=False) @ self._vectors([sentence], query=True)[0]
        return float(sims.max())

    def closest(self, sentence: str, candidates: Sequence[str]) -> str:
        """The candidate (a source sentence) most similar to ``sentence``; "" when there is none."""
        if not candidates:
            return ""
        sims = self._vectors(list(candidates), query=False) @ self._vectors([sentence], query=True)[0]
        return candidates[int(np.argmax(sims))]

    def judge(self, sentence: str, passage: str, given: frozenset[str] = frozenset()) -> Verdict:
        """Whether ``passage`` supports ``sentence``. Names in ``given`` (the question's, found in the
        sources) are the question's premise: they need not be in this passage."""
        quoted = quoted_from(sentence, passage)
        if quoted:  # "According to the sources: “<the passage's own words>”" is supported by it
            return Verdict(True, 1.0, (), ())
        lower = passage.lower()
        cross = detect_language(sentence) != detect_language(passage)
        missing_numbers = tuple(sorted(numbers_in(sentence) - numbers_in(passage, loose=True)))
        missing_names = tuple(sorted(n for n in names_in(sentence) - given - abbreviated(sentence, lower)
                                     if not name_present(n, lower, translated=cross)))
        similarity = self.similarity(sentence, passage)
        threshold = self.cross_threshold if cross else self.threshold
        counterpart, missing_counterparts = 1.0, tuple[str, ...]()
        if (cross and self.counterpart_threshold > 0 and similarity >= threshold and not missing_numbers
                and not missing_names):  # only what would be supported otherwise: the check's cost is small
            found = counterparts(sentence, passage, self._word_vectors, given)
            least = weakest(found)
            counterpart = least.score if least else 1.0
            missing_counterparts = tuple(c.word for c in found or [] if c.score < self.counterpart_threshold)
        supported = (similarity >= threshold and not missing_numbers and not missing_names
                     and not missing_counterparts)
        return Verdict(supported, similarity, missing_numbers, missing_names, cross, counterpart, missing_counterparts)


