"""Which language a question is in: Indonesian ("id") or English ("en")."""

from __future__ import annotations

import re
import unicodedata
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


_BRACKETED = re.compile(r"\([^)]*\)")


def without_names(text: str) -> str:
    """``text`` without what is the same in both languages: bracketed asides ("(Pidato Kebudayaan)", "( CGSC )")
    and capitalised words other than a sentence's first (names and titles: "Kapan novel We Need to Talk About
    Kevin dirilis?" keeps "Kapan novel to dirilis?")."""
    words = _BRACKETED.sub(" ", text).split()
    return " ".join(w for n, w in enumerate(words)
                    if n == 0 or not w[:1].isupper() or words[n - 1].endswith((".", "?", "!", ":")))


#: Words left without the names that make them the text to read (fewer: the whole text is read).
MIN_OWN_WORDS = 3


def detect_language(text: str) -> Language:
    """The language of ``text``, read without its names (:func:`without_names`) when at least
    :data:`MIN_OWN_WORDS` words are left: an Indonesian question about "South African Airways" is Indonesian.
    Ties and unreadable text count as Indonesian (the corpus language)."""
    own = without_names(text)
    if len(own.split()) >= MIN_OWN_WORDS:
        text = own
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


# Questions in other languages ------------------------------------------------------------------------------
#: Latin-script languages that lingua tells apart from Indonesian, Malay (close enough: answered) and English.
OTHER_LATIN = ("FRENCH", "SPANISH", "GERMAN", "PORTUGUESE", "ITALIAN", "DUTCH", "TAGALOG", "VIETNAMESE", "TURKISH")
#: A Latin-script question is in another language when lingua gives Indonesian, Malay and English together
#: less than this. Measured (docs/lab-notes.md, "Issue 19"; python -m eval.bench_languages): 0 of 1,776 eval
#: questions and 20 keyword queries flagged (the lowest of them: 0.279), 36 of 36 in other languages flagged.
OTHER_LANGUAGE_BELOW = 0.2
#: Function words that make a question Indonesian or English outright, without asking lingua. Words that
#: are function words of other languages too ("do", "is", "di", "was") are left out.
_SURE_MARKERS = (_ID_MARKERS | _EN_MARKERS | {"darimana", "kemana", "bagaimanakah"}) - {"do", "is", "di", "was"}
#: Scripts, by the first word of their letters' Unicode names, and what to call a question written in them.
_SCRIPTS = {"CJK": "Chinese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean",
            "ARABIC": "Arabic", "CYRILLIC": "Cyrillic-script", "THAI": "Thai", "DEVANAGARI": "Hindi",
            "HEBREW": "Hebrew", "GREEK": "Greek", "TAMIL": "Tamil", "BENGALI": "Bengali", "GEORGIAN": "Georgian",
            "ARMENIAN": "Armenian", "KHMER": "Khmer", "LAO": "Lao", "MYANMAR": "Burmese", "ETHIOPIC": "Amharic"}


@lru_cache(maxsize=1)
def _wide_detector():
    """lingua over Indonesian, Malay, English and :data:`OTHER_LATIN` (built only for a question that no
    function word settles: most never need it)."""
    from lingua import Language as L
    from lingua import LanguageDetectorBuilder

    languages = [L.INDONESIAN, L.MALAY, L.ENGLISH] + [getattr(L, name) for name in OTHER_LATIN]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def other_language(text: str) -> str | None:
    """The language (or script) of ``text`` when it is clearly neither Indonesian nor English, else None.

    None when an Indonesian or English function word settles it (``apa``, ``the``...: "Who is Владимир
    Путин?" is English). Else, mostly letters of another script (Chinese, Japanese, Arabic, Cyrillic...):
    that script's language. Latin letters: None when fewer than two
    lowercase words are not names (a keyword query such as "Putin Kim Vostochny"); else lingua decides,
    and it must be sure (:data:`OTHER_LANGUAGE_BELOW`). A name in another script inside an Indonesian
    question ("Siapa 习近平?") leaves it Indonesian.
    """
    text = unicodedata.normalize("NFKC", text)
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    raw = text.split()
    words = [w.strip("?!.,;:\"'()¿¡“”«»").lower() for w in raw]
    if any(w in _SURE_MARKERS or (w.endswith(("kah", "lah")) and w[:-3] in _SURE_MARKERS) for w in words):
        return None
    scripts: dict[str, int] = {}
    for c in letters:
        script = unicodedata.name(c, "UNKNOWN").split()[0]
        scripts[script] = scripts.get(script, 0) + 1
    if scripts.get("LATIN", 0) * 2 < len(letters):
        if scripts.get("HIRAGANA") or scripts.get("KATAKANA"):
            return "Japanese"
        main = max((s for s in scripts if s != "LATIN"), key=lambda s: scripts[s])
        return _SCRIPTS.get(main, f"{main.title()}-script")
    ordinary = [w for w, r in zip(words, raw, strict=True) if w.isalpha() and r.lstrip("¿¡\"'(“«")[:1].islower()]
    if len(words) < 3 or len(ordinary) < 2:
        return None
    confidences = {c.language.name: c.value for c in _wide_detector().compute_language_confidence_values(text)}
    ours = sum(confidences.get(name, 0.0) for name in ("INDONESIAN", "MALAY", "ENGLISH"))
    if ours >= OTHER_LANGUAGE_BELOW:
        return None
    return max(confidences, key=lambda name: confidences[name]).title()
