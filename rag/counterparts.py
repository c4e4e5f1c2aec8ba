"""Does every content word of an English sentence have a counterpart in the Indonesian passage it cites?

The grounding judge (rag/grounding.py) checks an English sentence's names and numbers against an
Indonesian passage, but its ordinary words ("tank", "president", "vest") are translations, and the
sentence's embedding similarity alone lets a wrong one through: "Kim was given a tank by the president
of Russia" is 0.82 similar to "Kim dihadiahi rompi antipeluru dari gubernur", and so "supported".

Here every content word of the sentence must have a counterpart among the passage's words: each word is
read in context by the same embedding model (multilingual-e5-small; the mean of its last-layer token
states over the word, as BERTScore and SimAlign align words across languages with a multilingual model),
and its best cosine similarity to a word of the passage is its counterpart score. The sentence's score is
its weakest word's; the judge wants it at or above ``support_counterpart_threshold``.

Content words are the words left once these are set aside: function words (the most frequent English
words, ``FUNCTION_WORD_ZIPF``), names (the judge's name check covers them), the question's own names,
and words the passage writes itself ("Putin", "drone", "Oktober" for "October").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.terms import FUNCTION_WORD_ZIPF, name_present, translation_word

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

#: (text, query) -> one vector per word of ``text`` (``word_spans``), or None when the model gives none.
SpanVectors = Callable[[str, bool], "np.ndarray | None"]


@dataclass(frozen=True)
class Counterpart:
    word: str  # the sentence's word, lower-cased
    passage_word: str  # the passage's word most like it, as written
    score: float  # their cosine similarity


def word_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of the words of ``text`` (letters, with inner apostrophes and hyphens)."""
    return [m.span() for m in WORD.finditer(text)]


def _bare(word: str) -> str:
    return re.sub(r"['’]s$", "", word.lower())


def content_word(word: str, passage_lower: str, given: frozenset[str] = frozenset()) -> bool:
    """Whether ``word`` of an English sentence needs a counterpart in the lower-cased Indonesian passage."""
    from wordfreq import zipf_frequency

    bare = _bare(word)
    if zipf_frequency(bare, "en") >= FUNCTION_WORD_ZIPF or bare in given:
        return False
    if word[:1].isupper() and not translation_word(bare):  # a name: the judge's name check covers it
        return False
    return not name_present(bare, passage_lower)


def counterparts(sentence: str, passage: str, vectors: SpanVectors,
                 given: frozenset[str] = frozenset()) -> list[Counterpart] | None:
    """Each content word of ``sentence`` with its best counterpart in ``passage`` (empty when it has none
    to check); None when the embedding model gives no word vectors."""
    lower = passage.lower()
    spans = word_spans(sentence)
    wanted = [i for i, (a, b) in enumerate(spans) if content_word(sentence[a:b], lower, given)]
    passage_spans = word_spans(passage)
    if not wanted or not passage_spans:
        return []
    sentence_rows, passage_rows = vectors(sentence, True), vectors(passage, False)
    if sentence_rows is None or passage_rows is None:
        return None
    found = []
    for i in wanted:
        row = sentence_rows[i]
        if not row.any():  # past the model's length: nothing to judge it by
            continue
        sims = passage_rows @ row
        best = int(np.argmax(sims))
        a, b = spans[i]
        found.append(Counterpart(_bare(sentence[a:b]), passage[slice(*passage_spans[best])], float(sims[best])))
    return found


def weakest(found: list[Counterpart] | None) -> Counterpart | None:
    """The content word whose counterpart is least alike (None when there is none)."""
    return min(found, key=lambda c: c.score) if found else None
