"""Which language a question is in: Indonesian ("id") or English ("en")."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, TypeGuard

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")


def is_language(value: object) -> TypeGuard[Language]:
    """Whether ``value`` names one of the answer languages: "id" (Indonesian) or "en" (English)."""
    return value in LANGUAGES


# Words that settle the question outright when lingua's confidence is low on a short text.
_ID_MARKERS = frozenset([
    "apa", "siapa", "kapan", "mana", "dimana", "berapa", "bagaimana", "mengapa", "kenapa", "apakah", "yang", "dan",
    "dengan", "ke", "di", "dari", "itu", "ini", "tidak", "bukan", "sudah", "akan", "pada", "untuk", "oleh"])
_EN_MARKERS = frozenset([
    "what", "who", "when", "where", "which", "how", "why", "does", "did", "do", "is", "are", "was", "were", "the", "of",
    "and", "to", "with", "from", "has", "have", "had", "not"])


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language as L
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(L.INDONESIAN, L.ENGLISH).build()


def detect_language(text: str) -> Language:
    """The language of ``text``; ties and unreadable text count as Indonesian (the corpus language)."""
    words = [w.strip("?!.,;:\"'()").lower() for w in text.split()]
    id_hits = sum(w in _ID_MARKERS for w in words)
    en_hits = sum(w in _EN_MARKERS for w in words)
    confidences = {c.language.name: c.value for c in _detector().compute_language_confidence_values(text)}
    english = confidences.get("ENGLISH", 0.0)
    if 0.35 < english < 0.65 and id_hits != en_hits:  # lingua unsure: trust the function words
        return "en" if en_hits > id_hits else "id"
    return "en" if english > 0.5 else "id"


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_MARKERS = re.compile(r"\[\d[\d,\s]*\]")


def answer_language(text: str) -> Language:
    """The language an answer is written in, quotations left out: a quote is the
    (Indonesian) source's words, not the answer's language."""
    own = _MARKERS.sub(" ", _QUOTED.sub(" ", text))
    return detect_language(own if len(own.split()) >= 2 else text)
