"""Does this passage support this sentence? A local judge that works across Indonesian and English.

Used twice: by the answer step to verify every cited sentence before the user sees
it, and by the eval (eval/judge.py) to score citations.

No NLI model runs offline here, so the judge combines:
- embedding similarity (multilingual-e5-small) between the sentence and the
  passage's best sentence or pair of sentences;
- the sentence's numbers must all appear in the passage (number words read as digits);
- the sentence's names must appear in the passage (English names of countries and
  organisations mapped to their Indonesian forms).

Its agreement with hand labels (eval/data/support_pairs.jsonl) is measured by
`tanya eval --judge`, with the thresholds chosen on one half of the pairs and
scored on the other (two-fold); the defaults below come from that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index import Embedder
from rag.language import detect_language

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sepekan": 7, "sepekannya": 7,
}
# Words that imply a number in a passage, but are too loose to demand one of a sentence.
LOOSE_NUMBER_WORDS = {"kedua": 2, "keduanya": 2, "both": 2, "twice": 2, "sebuah": 1, "seorang": 1, "satu": 1,
                      "one": 1, "a": 1, "an": 1, "single": 1, "sejam": 1, "sehari": 1}
#: "one", "a", "sebuah" are everywhere: 1 is checked only when a sentence writes it in digits ("1 hour").
_WORD_ONLY_NUMBERS = frozenset({1})
# Acronyms (matched case-sensitively) -> Indonesian forms.
ACRONYM_FORMS = {"UN": ["pbb"], "US": ["as", "amerika"], "USA": ["as", "amerika"], "DPRK": ["dprk", "korea utara"],
                 "AP": ["associated press", "ap"]}
# English name -> Indonesian forms that count as the same name.
NAME_FORMS = {
    "utara": ["utara", "korut"], "selatan": ["selatan", "korsel"], "union": ["uni"], "economic": ["ekonomi"],
    "eastern": ["timur"], "fleet": ["armada"], "foreign": ["luar negeri"], "prime": ["perdana"],
    "natural": ["alam"], "resources": ["sumber daya"], "people's": ["rakyat"], "army": ["tentara"],
    "democratic": ["demokratik"], "republic": ["republik"], "news": ["berita"], "agency": ["kantor"],
    "university": ["universitas"], "studies": ["studi"], "federation": ["federasi"], "navy": ["angkatan laut"],
    "russia": ["rusia"], "russian": ["rusia"], "north": ["utara", "korut"], "south": ["selatan", "korsel"],
    "korea": ["korea", "korut", "korsel"], "korean": ["korea", "korut", "korsel"], "united": ["amerika", "as"], "states": ["amerika", "as"],
    "america": ["amerika"], "american": ["amerika"], "nations": ["pbb", "bangsa"],
    "ukraine": ["ukraina"], "ukrainian": ["ukraina"], "moscow": ["moskow"], "soviet": ["soviet"], "japan": ["jepang"],
    "japanese": ["jepang"], "china": ["china"], "chinese": ["china"], "pacific": ["pasifik"], "far": ["jauh"],
    "east": ["timur"], "security": ["keamanan"], "council": ["dewan"], "west": ["barat"], "western": ["barat"],
    "kremlin": ["kremlin"], "defense": ["pertahanan"], "defence": ["pertahanan"], "minister": ["menteri"],
    "president": ["presiden"], "governor": ["gubernur"], "sunday": ["minggu"], "monday": ["senin"],
    "tuesday": ["selasa"], "wednesday": ["rabu"], "thursday": ["kamis"], "friday": ["jumat"], "saturday": ["sabtu"],
    "september": ["september", "/9"], "july": ["juli"], "workers": ["pekerja"], "party": ["partai"],
    "primorye": ["primorye", "primorsky"], "primorsky": ["primorsky", "primorye"], "the": [], "a": [],
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?”\"])\s+")
_SKIP_NAMES = frozenset("the a an in on at and of to kim's it its he she they this that these those yang dan di ke "
                        "dari pada ini itu dia ia mereka".split())


def numbers_in(text: str, loose: bool = False) -> set[int]:
    """The numbers a text states, in digits or words (Indonesian and English), 1 left out.

    ``loose`` also reads words like "kedua" (the two) as numbers: right for a passage.
    """
    found = _numbers_in(text) - (_WORD_ONLY_NUMBERS - _digit_numbers(text))
    if loose:
        found |= {LOOSE_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in LOOSE_NUMBER_WORDS}
    return found


def _digit_numbers(text: str) -> set[int]:
    values = set()
    for raw in _NUMBER.findall(text):
        digits = raw.replace(".", "").replace(",", "") if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw) else raw
        try:
            values.add(int(float(digits.replace(",", "."))))
        except ValueError:
            continue
    return values


def _numbers_in(text: str) -> set[int]:
    values = _digit_numbers(text)
    for word in _WORD.findall(text.lower()):
        if word in NUMBER_WORDS:
            values.add(NUMBER_WORDS[word])
    return values


def names_in(sentence: str) -> set[str]:
    """Capitalised words after the first (names): acronyms as written, other names lower-cased."""
    words = [re.sub(r"['’]s$", "", w) for w in _WORD.findall(sentence.replace("’", "'"))]
    names = set()
    for w in words[1:]:
        if not w[:1].isupper() or w.lower() in _SKIP_NAMES:
            continue
        names.add(w if w in ACRONYM_FORMS else w.lower().strip("'"))
    return names


def _name_present(name: str, passage_lower: str) -> bool:
    forms = ACRONYM_FORMS.get(name) or NAME_FORMS.get(name, [name])
    if not forms:
        return True
    return any(_at_word_start(f, passage_lower) or (len(f) > 5 and _at_word_start(f[:5], passage_lower)) for f in forms)


def _at_word_start(form: str, text: str) -> bool:
    """``form`` in ``text`` where a word starts, suffixes allowed ("Rusianya"); a short form (up to
    4 letters) must be the whole word: "Yo" is not in "Yoon", "Pak" not in "pakar", "AS" not in
    "pasukan". Forms like "/9" (September in 12/9) match anywhere."""
    if not form[:1].isalnum():
        return form in text
    end = r"(?:nya)?(?!\w)" if len(form) <= 4 else ""
    return re.search(r"(?<!\w)" + re.escape(form) + end, text) is not None


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


class Judge(Protocol):
    def judge(self, sentence: str, passage: str) -> Verdict: ...


class SupportJudge:
    """The local judge. The least similarity that counts as support is ``threshold`` when the
    sentence is in the passage's language (Indonesian) and ``cross_threshold`` when it is English:
    cross-lingual embeddings sit closer together."""

    def __init__(self, embedder: Embedder, threshold: float = 0.86, cross_threshold: float = 0.8175) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.cross_threshold = cross_threshold
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, texts: list[str], query: bool) -> np.ndarray:
        key = "q:" if query else "p:"
        todo = [t for t in texts if key + t not in self._cache]
        if len(self._cache) > 20_000:  # a long-running server: keep memory bounded
            self._cache.clear()
            todo = list(texts)
        if todo:
            made = self.embedder.embed_queries(todo) if query else self.embedder.embed_passages(todo)
            for t, v in zip(todo, made):
                self._cache[key + t] = v
        return np.stack([self._cache[key + t] for t in texts])

    def similarity(self, sentence: str, passage: str) -> float:
        parts = [s for s in _SENTENCE.split(passage) if s.strip()] or [passage]
        windows = parts + [" ".join(parts[i:i + 2]) for i in range(len(parts) - 1)]
        sims = self._vectors(windows, query=False) @ self._vectors([sentence], query=True)[0]
        return float(sims.max())

    def closest(self, sentence: str, candidates: Sequence[str]) -> str:
        """The candidate (a source sentence) most similar to ``sentence``; "" when there is none."""
        if not candidates:
            return ""
        sims = self._vectors(list(candidates), query=False) @ self._vectors([sentence], query=True)[0]
        return candidates[int(np.argmax(sims))]

    def judge(self, sentence: str, passage: str) -> Verdict:
        quoted = quoted_from(sentence, passage)
        if quoted:  # "According to the sources: “<the passage's own words>”" is supported by it
            return Verdict(True, 1.0, (), ())
        lower = passage.lower()
        missing_numbers = tuple(sorted(numbers_in(sentence) - numbers_in(passage, loose=True)))
        missing_names = tuple(sorted(n for n in names_in(sentence) if not _name_present(n, lower)))
        similarity = self.similarity(sentence, passage)
        cross = detect_language(sentence) != detect_language(passage)
        threshold = self.cross_threshold if cross else self.threshold
        supported = similarity >= threshold and not missing_numbers and not missing_names
        return Verdict(supported, similarity, missing_numbers, missing_names, cross)


