"""Names and numbers in a text: what a sentence must share with its source, and what a question's
answer must hold (used by the grounding judge, abstention and retrieval's duplicate check).

Numbers are read in digits ("8.000", "1,5") and in Indonesian and English words, with their scale
("74 juta" is also 74000000); names are capitalised words. An English sentence is checked against an
Indonesian source with countries, months and weekdays in their Indonesian forms (CLDR), and with
ordinary English words (not names) left to the judge's similarity (:func:`translation_word`).
"""

from __future__ import annotations

import functools
import re
import threading

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
ACRONYM_FORMS = {"UN": ["pbb"], "US": ["as", "amerika"], "USA": ["as", "amerika"], "DPRK": ["dprk", "korea utara"]}
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
_ANY_WORD = re.compile(r"\w+", re.UNICODE)
_SKIP_NAMES = frozenset([
    "the", "a", "an", "in", "on", "at", "and", "of", "to", "it", "its", "he", "she", "they", "this", "that",
    "these", "those", "yang", "dan", "di", "ke", "dari", "pada", "ini", "itu", "dia", "ia", "mereka",
    # capitalised, but units and clock times, not names ("Rp 5.200", "10 PM", "67 °C")
    "rp", "am", "pm", "km", "kg",
    # academic titles, which a source may leave out or write otherwise ("Prof Dr Djoko ...", "Profesor dr ...")
    "prof", "profesor", "professor", "dr", "drs", "dra", "drh", "ir", "phd"])


#: Square and cubic units written with a digit ("km2", "m3"): the digit is the unit's power.
_UNIT_POWER = re.compile(r"\b((?:k|c|m)?m)[23]\b")


def numbers_in(text: str, loose: bool = False) -> set[int]:
    """The numbers a text states, in digits or words (Indonesian and English), 1 left out.

    A number with its scale ("74 juta", "1.5 million") is read as its value (74000000, 1500000).
    ``loose`` also reads words like "kedua" (the two) as numbers, and a scaled number's digits alone
    too ("74"): right for a passage. The power of a unit is not a number ("410,660 km2" states 410660).
    """
    text = _UNIT_POWER.sub(r"\1", text)
    scaled = _with_scales(text)
    found = _numbers_in(scaled) - (_WORD_ONLY_NUMBERS - _digit_numbers(scaled))
    if loose:
        found |= _numbers_in(text) - (_WORD_ONLY_NUMBERS - _digit_numbers(text))
        found |= {LOOSE_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in LOOSE_NUMBER_WORDS}
    return found


SCALES = {"ribu": 10**3, "thousand": 10**3, "juta": 10**6, "million": 10**6, "miliar": 10**9, "milyar": 10**9,
          "billion": 10**9, "triliun": 10**12, "trillion": 10**12}
#: Words for the count a scale multiplies ("satu juta", "a million"); Indonesian writes one of a scale as one word
#: with the prefix "se-" ("sejuta", "seribu").
_SCALE_COUNTS = {**{w: n for w, n in NUMBER_WORDS.items() if not w.startswith("sepekan")}, "a": 1, "an": 1}
_SCALED = re.compile(r"(\d+(?:[.,]\d+)*|\b(?:" + "|".join(_SCALE_COUNTS) + r"))\s+(" + "|".join(SCALES) + r")\b",
                     re.IGNORECASE)
_ONE_SCALE = re.compile(r"\bse(ribu|juta|miliar|milyar|triliun)\b", re.IGNORECASE)


def _with_scales(text: str) -> str:
    """``text`` with every scaled number written out in digits ("74 juta", "satu juta", "sejuta", "a million"
    -> "74000000", "1000000", ...)."""
    def value(match: re.Match[str]) -> str:
        raw, scale = match.group(1), SCALES[match.group(2).lower()]
        if raw.lower() in _SCALE_COUNTS:
            return str(_SCALE_COUNTS[raw.lower()] * scale)
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
            number = float(raw.replace(".", "").replace(",", ""))
        else:
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                return match.group(0)
        return str(round(number * scale))

    return _ONE_SCALE.sub(lambda m: str(SCALES[m.group(1).lower()]), _SCALED.sub(value, text))


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


def names_in(sentence: str, *, first: bool = False) -> set[str]:
    """Capitalised words after the first (names), and with ``first`` the first one too (a question may begin
    with a name): acronyms as written, other names lower-cased."""
    words = [re.sub(r"['’]s$", "", w) for w in _WORD.findall(sentence.replace("’", "'"))]
    names = set()
    for w in words if first else words[1:]:
        if not w[:1].isupper() or w.lower() in _SKIP_NAMES:
            continue
        names.add(w if w in ACRONYM_FORMS else w.lower().strip("'"))
    return names


def name_present(name: str, passage_lower: str, *, translated: bool = False) -> bool:
    """Whether ``name`` (from :func:`names_in`) is in the lower-cased passage, where a word starts.

    Countries, months and weekdays also count in their Indonesian forms (from the Unicode CLDR
    tables: "Mexico" is "Meksiko", "October" is "Oktober" or "/10" in a date). With ``translated``
    (an English sentence over an Indonesian passage), an English word that is not itself a name, such
    as "Agency", "Botanical" or "Hurricane", is the translation of the passage's words rather than a
    name: it is left to the judge's cross-lingual similarity (:func:`translation_word`).
    """
    if _any_written(ACRONYM_FORMS.get(name) or cldr_forms().get(name, [name]), passage_lower):
        return True
    return translated and name not in cldr_forms() and name not in ACRONYM_FORMS and translation_word(name)


#: An English word at least this frequent (Zipf scale: 3 is once per million words) ...
TRANSLATION_MIN_ZIPF = 3.0
#: ... and this much more frequent in English than in Indonesian text is an English word, not a name.
TRANSLATION_MARGIN = 0.5


@functools.cache
def translation_word(word: str) -> bool:
    """Whether ``word`` is an ordinary English word (frequent in English, rare in Indonesian; from
    the ``wordfreq`` tables) rather than a name that both languages write the same: true of "agency",
    "october" or "ecuador" (Ekuador), false of "Hidayat", "Zelensky", "Venezuela" or "China"."""
    from wordfreq import zipf_frequency

    english = zipf_frequency(word, "en")
    return english >= TRANSLATION_MIN_ZIPF and english - zipf_frequency(word, "id") >= TRANSLATION_MARGIN


def load_tables() -> None:
    """Load the word tables the judge reads (wordfreq's English and Indonesian frequencies, CLDR's names) now,
    rather than on the first English answer (about 0.6 s)."""
    translation_word("the")
    cldr_forms()


@functools.cache
def cldr_forms() -> dict[str, list[str]]:
    """English names of countries, months and weekdays (lower-cased, one word) -> the forms that count
    in an Indonesian passage, from babel's copy of the Unicode CLDR."""
    from babel import Locale

    english, indonesian = Locale("en"), Locale("id")
    forms: dict[str, list[str]] = {}

    def add(name: str, *others: str) -> None:
        if " " not in name:
            forms.setdefault(name.lower(), [name.lower()]).extend(o.lower() for o in others if o)

    for code, name in english.territories.items():
        if code.isalpha():  # countries, not regions such as "001"
            add(name, indonesian.territories.get(code, ""))
    for number, name in english.months["format"]["wide"].items():
        add(name, indonesian.months["format"]["wide"][number], f"/{number}")
    for number, name in english.days["format"]["wide"].items():
        add(name, indonesian.days["format"]["wide"][number])
    return forms


def abbreviated(sentence: str, passage_lower: str) -> set[str]:
    """The names of ``sentence`` that ``passage_lower`` writes as an Indonesian syllable abbreviation
    of two names in a row: "Korea Utara" as "Korut", "Jawa Barat" as "Jabar" (the start of each word,
    at least two letters of each, run together into one word of the passage)."""
    words = re.findall(r"\w+", sentence)
    passage_words = {w for w in re.findall(r"\w+", passage_lower) if 4 <= len(w) <= 8}
    found: set[str] = set()
    for first, second in zip(words, words[1:], strict=False):
        if not (first[:1].isupper() and second[:1].isupper()):
            continue
        a, b = first.lower(), second.lower()
        if any(w[:i] == a[:i] and w[i:] and b.startswith(w[i:]) and len(w) - i >= 2
               for w in passage_words for i in range(2, min(len(a), len(w) - 1) + 1)):
            found |= {a, b}
    return found


def at_word_start(form: str, text: str) -> bool:
    """``form`` in ``text`` where a word starts, suffixes allowed ("Rusianya"); a short form (up to
    4 letters) must be the whole word: "Yo" is not in "Yoon", "Pak" not in "pakar", "AS" not in
    "pasukan". Forms like "/9" (September in 12/9) match anywhere."""
    if not form[:1].isalnum():
        return form in text
    end = r"(?:nya)?(?!\w)" if len(form) <= 4 else ""
    return re.search(r"(?<!\w)" + re.escape(form) + end, text) is not None


#: A word this frequent in English or Indonesian text (Zipf scale: 6 is once in a thousand words: "the", "have",
#: "adalah", "yang") says nothing on its own: it is not part of what an answer adds to its question.
FUNCTION_WORD_ZIPF = 6.0


def added_words(answer: str, question: str) -> list[str]:
    """The words of ``answer`` (lower-cased, in order) that its ``question`` does not have and that are not
    function words: what a bare answer ("Oleg Kozhemyako.", "SAYA DIRETAS") adds to the question."""
    from wordfreq import zipf_frequency

    asked = set(_plain_words(question))
    added: list[str] = []
    for w in _plain_words(answer):
        if len(w) < 2 or w.isdigit() or w in asked or w in added:  # an initial ("Albert C Susanto") adds nothing
            continue
        if w in NUMBER_WORDS or w in LOOSE_NUMBER_WORDS:  # a number: the judge's number check reads it
            continue
        if max(zipf_frequency(w, "en"), zipf_frequency(w, "id")) >= FUNCTION_WORD_ZIPF:
            continue
        added.append(w)
    return added


#: How a question answered by yes or no begins ("Did Kim ...?", "Apakah Kim ...?").
_CLOSED_OPENINGS = frozenset([
    "is", "are", "was", "were", "am", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would",
    "shall", "should", "may", "might", "must", "apakah", "adakah", "benarkah", "bisakah", "sudahkah", "pernahkah"])
#: After "Apakah", a word that makes it ask "what" ("Apakah nama ...?", "Apakah yang dimaksud ...?"), not yes or no.
_WHAT_NOUNS = frozenset([
    "nama", "kepanjangan", "singkatan", "judul", "jenis", "istilah", "julukan", "sebutan", "arti", "yang", "gelar",
    "tema", "warna", "jabatan"])
#: A question that offers a choice ("... increase or fall?", "... naik atau turun?").
_CHOICE = re.compile(r"\b(?:or|atau)\b", re.IGNORECASE)
#: Words that open a sentence with a capital letter without being names (besides :data:`_SKIP_NAMES`).
_OPENERS = _SKIP_NAMES | frozenset([
    "his", "her", "their", "there", "by", "for", "from", "with", "as", "but", "yes", "no", "according", "beliau",
    "dalam", "untuk", "oleh", "para", "sang", "tetapi", "namun", "ya", "tidak", "bukan", "menurut", "sebanyak",
    "sekitar"])


def closed_question(question: str) -> bool:
    """Whether ``question`` is answered by yes or no, or by one of the choices it offers: its answer may be
    its own words ("Kim visited Russia."). Indonesian "Apakah ..." asks "what" when a word such as "nama" follows
    ("Apakah nama bandara di Medan?", :data:`_WHAT_NOUNS`), and yes or no otherwise."""
    if _CHOICE.search(question):
        return True
    words = _plain_words(question)
    if words[:1] == ["apakah"]:
        return words[1:2] == [] or words[1] not in _WHAT_NOUNS
    return bool(words) and words[0] in _CLOSED_OPENINGS


def name_phrases(sentence: str) -> list[str]:
    """The runs of capitalised words of ``sentence`` (names, whole: "Tasikmalaya City Government"), lower-cased;
    a word that opens the sentence without being a name ("The", "Menurut") and units ("Rp") left out, an acronym
    ("AS", "WHO") kept."""
    phrases: list[str] = []
    run: list[str] = []
    end = 0
    for n, match in enumerate(_WORD.finditer(sentence)):
        word = re.sub(r"['’]s$", "", match.group())  # "Moscow's" is "Moscow"
        acronym = len(word) > 1 and word.isupper()
        capital = word[:1].isupper() and (acronym or word.lower() not in (_OPENERS if n == 0 else _SKIP_NAMES))
        if run and (not capital or sentence[end:match.start()].strip()):
            phrases.append(" ".join(run).lower())
            run = []
        if capital:
            run.append(word)
        end = match.end()
    if run:
        phrases.append(" ".join(run).lower())
    return phrases


def restates(answer: str, question: str) -> bool:
    """Whether ``answer`` says nothing that its ``question`` does not: no number the question lacks, no name
    (:func:`name_phrases`) the question does not write, and no other word, function words aside, whose stem
    (English or Indonesian) is not one of the question's ("Washington voiced caution as Kim arrived in Russia." to
    "What caution had Washington voiced as Kim arrived in Russia?", "Kim." to "Siapa yang memberi Kim rompi?").
    Such an answer gives nothing the question asked for. Never true of a closed question
    (:func:`closed_question`), whose answer may repeat it."""
    if closed_question(question) or numbers_in(answer, loose=True) - numbers_in(question, loose=True):
        return False
    # a name is never a function word ("AS", "WHO", "Indonesia"), and a new name may be made of the question's
    # words ("Tasikmalaya City Government" to "... the Tasikmalaya Regency Government ... the city of Tasikmalaya?")
    asked_text = " " + " ".join(_WORD.findall(question)).lower() + " "
    if any(f" {phrase} " not in asked_text for phrase in name_phrases(answer)):
        return False
    asked = {stem for word in _plain_words(question) for stem in _stems(word)}
    return all(_stems(word) & asked for word in added_words(answer, question))


_STEMMING = threading.Lock()  # a PyStemmer stemmer is not safe to share between threads


@functools.cache
def _stemmers() -> tuple:
    import Stemmer

    return Stemmer.Stemmer("english"), Stemmer.Stemmer("indonesian")


@functools.cache
def _stems(word: str) -> frozenset[str]:
    """``word`` (lower-cased) and its English and Indonesian Snowball stems ("wished", "wish"; "mengatakan",
    "kata")."""
    with _STEMMING:
        return frozenset([word, *(stemmer.stemWord(word) for stemmer in _stemmers())])


def _plain_words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, a possessive "'s" taken off ("Montenegro's" is "montenegro")."""
    return [word.lower() for word in _ANY_WORD.findall(re.sub(r"['’]s\b", "", text))]


def written_in(word: str, passage_lower: str) -> bool:
    """Whether the lower-cased ``word`` is in the lower-cased passage as written (where a word starts, its first
    five letters enough for a longer word, as :func:`name_present` reads names), or in an Indonesian form
    (countries, months, weekdays)."""
    return _any_written(ACRONYM_FORMS.get(word.upper(), []) + cldr_forms().get(word, [word]), passage_lower)


def _any_written(forms: list[str], passage_lower: str) -> bool:
    """Whether one of ``forms`` starts a word of the passage (the first five letters of a longer one enough)."""
    return any(at_word_start(f, passage_lower) or (len(f) > 5 and at_word_start(f[:5], passage_lower))
               for f in forms)


def digit_runs(text: str) -> set[str]:
    """Every run of digits in ``text``, as written ("8.000" gives "8" and "000")."""
    return set(re.findall(r"\d+", text))


#: Question words, left out of a question's key terms.
QUESTION_WORDS = frozenset([
    "apa", "siapa", "kapan", "mana", "dimana", "berapa", "bagaimana", "mengapa", "kenapa", "apakah", "what", "who",
    "when", "where", "which", "how", "why", "does", "did", "do", "is", "are", "was", "were", "according", "menurut"])


def key_terms(text: str) -> set[str]:
    """Numbers and capitalised words (names) of a text, lower-cased, question words left out."""
    words = _ANY_WORD.findall(text)
    terms = {w.lower() for w in words[1:] if w[:1].isupper() and len(w) > 1}
    terms |= {n.replace(".", "").replace(",", "") for n in NUMBER.findall(text)}
    return terms - QUESTION_WORDS
