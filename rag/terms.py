"""Names and numbers in a text: what a sentence must share with its source, and what a question's
answer must hold (used by the grounding judge, abstention and retrieval's duplicate check).

Numbers are read in digits ("8.000", "1,5") and in Indonesian and English words; names are
capitalised words, with English names of countries and organisations mapped to their Indonesian
forms so that an English sentence can be checked against an Indonesian source.
"""

from __future__ import annotations

import re

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
    "korea": ["korea", "korut", "korsel"], "korean": ["korea", "korut", "korsel"],
    "united": ["amerika", "as"], "states": ["amerika", "as"],
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
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
_SKIP_NAMES = frozenset([
    "the", "a", "an", "in", "on", "at", "and", "of", "to", "kim's", "it", "its", "he", "she", "they", "this", "that",
    "these", "those", "yang", "dan", "di", "ke", "dari", "pada", "ini", "itu", "dia", "ia", "mereka"])


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
    for raw in NUMBER.findall(text):
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


def name_present(name: str, passage_lower: str) -> bool:
    forms = ACRONYM_FORMS.get(name) or NAME_FORMS.get(name, [name])
    if not forms:
        return True
    return any(at_word_start(f, passage_lower) or (len(f) > 5 and at_word_start(f[:5], passage_lower)) for f in forms)


def at_word_start(form: str, text: str) -> bool:
    """``form`` in ``text`` where a word starts, suffixes allowed ("Rusianya"); a short form (up to
    4 letters) must be the whole word: "Yo" is not in "Yoon", "Pak" not in "pakar", "AS" not in
    "pasukan". Forms like "/9" (September in 12/9) match anywhere."""
    if not form[:1].isalnum():
        return form in text
    end = r"(?:nya)?(?!\w)" if len(form) <= 4 else ""
    return re.search(r"(?<!\w)" + re.escape(form) + end, text) is not None


def digit_runs(text: str) -> set[str]:
    """Every run of digits in ``text``, as written ("8.000" gives "8" and "000")."""
    return set(re.findall(r"\d+", text))


#: Question words, left out of a question's key terms.
QUESTION_WORDS = frozenset([
    "apa", "siapa", "kapan", "mana", "dimana", "berapa", "bagaimana", "mengapa", "kenapa", "apakah", "what", "who",
    "when", "where", "which", "how", "why", "does", "did", "do", "is", "are", "was", "were", "according", "menurut"])
_ANY_WORD = re.compile(r"\w+", re.UNICODE)


def key_terms(text: str) -> set[str]:
    """Numbers and capitalised words (names) of a text, lower-cased, question words left out."""
    words = _ANY_WORD.findall(text)
    terms = {w.lower() for w in words[1:] if w[:1].isupper() and len(w) > 1}
    terms |= {n.replace(".", "").replace(",", "") for n in NUMBER.findall(text)}
    return terms - QUESTION_WORDS
