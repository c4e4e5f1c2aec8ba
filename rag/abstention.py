"""When the sources do not answer: every decision to abstain, each an :class:`Abstention` with its reason.

The model is not trusted to refuse, nor to answer only when it can:
- before the model (:func:`before_model`): is there evidence at all, close enough to the question?
- at the model's first token (:func:`not_answerable`): is the calibrated probability that the sources
  answer (from the evidence's similarity, the question's names and numbers it lacks, and the model's
  own probability of the not-found reply: :class:`Signals`) high enough? If it is, the model may not
  open with the not-found reply: it writes its best answer, which verification then checks.
- after it (:func:`model_found_nothing`, :func:`unsupported`, :func:`wrong_kind`): did the model
  refuse, did any sentence of its answer survive verification (else the best sentence is quoted when
  :func:`quotable`), and does the checked answer give the kind of thing asked for (a number for
  "berapa", a date for "kapan", a name for "siapa")? An answer about something else is not an answer.
An abstention says what the sources do cover, quoting the closest sentence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from rag.evidence import PromptSource
from rag.language import Language, other_language
from rag.prompting import NOT_FOUND
from rag.retrieval import Passage
from rag.terms import NUMBER, key_terms, numbers_in


class Reason(StrEnum):
    """Why an answer is an abstention."""

    NOTHING_INDEXED = "nothing_indexed"
    NOTHING_CHOSEN = "nothing_chosen"  # no indexed article matches the question's restriction (its filters)
    NO_EVIDENCE = "no_evidence"  # no sentence of the passages can be evidence
    WEAK_EVIDENCE = "weak_evidence"  # the best sentence is not close enough to the question
    MODEL_FOUND_NOTHING = "model_found_nothing"
    UNSUPPORTED = "unsupported"  # no sentence of the model's answer is supported by the sources
    WRONG_KIND = "wrong_kind"  # the answer does not give what the question asks for
    NOT_ANSWERABLE = "not_answerable"  # the calibrated answerability of the evidence is too low
    UNSUPPORTED_LANGUAGE = "unsupported_language"  # the question is in neither Indonesian nor English
    UNSURE = "unsure"  # the model was too unsure of its answer's first sentence (rag.confidence)


@dataclass(frozen=True)
class Abstention:
    """A decision to answer 'the sources do not say': why, in words for the notes, and whether to quote
    the closest sentence (not when it is too far from the question to be worth reading)."""

    reason: Reason
    detail: str
    cover: bool = True
    #: The answer's whole text, when it is not "the sources do not say" (a question in another language).
    message: str | None = None


@dataclass(frozen=True)
class Signals:
    """What tells whether the sources answer a question, each known before the model writes a word."""

    evidence_score: float  # the best evidence sentence's similarity to the question
    missing_terms: int  # the question's names and numbers that no passage mentions
    #: The model's own probability of opening its reply with the not-found reply (None: it cannot tell,
    #: e.g. a model on a server).
    not_found_probability: float | None = None
    #: Whether the not-found reply was the model's likeliest opening (what it would write unhindered).
    not_found_likeliest: bool | None = None


@dataclass(frozen=True)
class Answerability:
    """The probability that the sources answer a question, from its :class:`Signals`: a logistic model
    fitted on dev data only (``python -m eval.choose answerability RUN``)."""

    intercept: float
    evidence: float  # per unit of evidence score
    missing: float  # per missing term (at most MISSING_CAP counted)
    not_found: float  # per unit of log-odds of the not-found opening

    MISSING_CAP = 3

    @staticmethod
    def features(signals: Signals) -> tuple[float, float, float]:
        p = signals.not_found_probability
        log_odds = 0.0 if p is None else math.log(max(p, 1e-6) / max(1.0 - p, 1e-6))
        return signals.evidence_score, float(min(signals.missing_terms, Answerability.MISSING_CAP)), log_odds

    def probability(self, signals: Signals) -> float:
        evidence, missing, log_odds = self.features(signals)
        z = self.intercept + self.evidence * evidence + self.missing * missing + self.not_found * log_odds
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


#: Fitted on the dev suite's sets that hold both kinds of question (our dev half and IDK-MRC valid), never on
#: held-out data: ``python -m eval.choose answerability`` on a dev run (eval/README.md, "Answerability").
ANSWERABILITY = Answerability(intercept=-0.8802, evidence=0.3203, missing=-0.7573,
                              not_found=-0.2399)
#: The same for the prompt that holds the whole library (setting ``library_in_prompt``; the model's not-found
#: probability means something else there), fitted on our dev half asked that way (the only dev set whose
#: library is small enough): ``python -m eval.choose answerability RUN`` (eval/README.md, "The library in the
#: prompt").
LIBRARY_ANSWERABILITY = Answerability(intercept=-0.3666, evidence=0.0950, missing=-0.8328, not_found=-0.2061)


def not_answerable(signals: Signals, min_probability: float,
                   model: Answerability = ANSWERABILITY) -> Abstention | None:
    """An abstention when the calibrated probability that the sources answer is below ``min_probability``.

    The model was fitted with the language model's own signal; a model that cannot give it (one on a
    server) is not second-guessed here: its own refusal decides, as it writes it."""
    if signals.not_found_probability is None:
        return None
    probability = model.probability(signals)
    if probability >= min_probability:
        return None
    return Abstention(Reason.NOT_ANSWERABLE, f"answerability {probability:.3f} < {min_probability:.3f}")


#: An abstention's first sentence when nothing in the sources came close to the question (decided from the
#: evidence alone, before the model was asked).
ABSTAIN_MESSAGES = {
    "id": "Sumber yang tersedia tidak menyebutkan jawabannya.",
    "en": "The sources do not say.",
}
#: An abstention's first sentence when an answer was looked for and none could be confirmed: the model refused,
#: or its answerability, its confidence or the check of its answer fell short. The sources may still hold the
#: answer (the closest sentence is quoted beside it), so the reader is not told that they do not.
UNCONFIRMED_MESSAGES = {
    "id": "Jawabannya tidak dapat dipastikan dari sumber yang tersedia.",
    "en": "No answer could be confirmed from the sources.",
}
UNCONFIRMED = frozenset({Reason.MODEL_FOUND_NOTHING, Reason.UNSUPPORTED, Reason.WRONG_KIND, Reason.NOT_ANSWERABLE,
                         Reason.UNSURE})
#: Added to an abstention: the closest the sources come.
COVER_MESSAGES = {
    "id": "Yang paling dekat, menurut {origin}: “{quote}” [1]",
    "en": "The closest they come, in {origin} (in Indonesian): “{quote}” [1]",
}
#: Said of an abstention under a restriction: no article matched it; the others may answer; they do not either.
RESTRICTION_MESSAGES = {
    "id": {"nothing": "Tidak ada artikel di pustaka yang cocok dengan sumber yang dipilih.",
           "elsewhere": "Pertanyaan ini dibatasi pada sumber yang dipilih; artikel lain di pustaka mungkin "
                        "menjawabnya: tanyakan lagi tanpa batasan itu.",
           "nowhere": "Artikel lain di pustaka juga tidak menjawabnya."},
    "en": {"nothing": "No article in the library matches the chosen sources.",
           "elsewhere": "The question was restricted to the chosen sources; other articles in the library may "
                        "answer it: ask again without the restriction.",
           "nowhere": "The other articles in the library do not answer it either."},
}
_REFUSALS = re.compile(
    NOT_FOUND + r"|NOT[_ ]IN[_ ]SOURCES?|tidak (?:di|me)?n?(?:s|y)ebut(?:kan)?"
    r"|tidak ada informasi|tidak terdapat informasi"
    r"|tidak dijelaskan|tidak memuat|(?:do|does) not (?:mention|say|contain|provide|specify|state)"
    r"|no information|not (?:mentioned|specified|stated|provided)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
# What a question asks for, by its question words (first match wins).
_KINDS = [
    ("date", re.compile(r"\b(?:kapan|tanggal berapa|hari apa|bulan apa|tahun berapa|sejak tahun|when|what date|"
                        r"which date|what day|which day|what year|which year|what month|which month)\b", re.I)),
    ("number", re.compile(r"\b(?:berapa|how many|how much|how far|how long|how old)\b", re.I)),
    ("name", re.compile(r"\b(?:siapa|who|whom|whose|apa nama|what is the name|which company|perusahaan apa|"
                        r"perusahaan mana)\b", re.I)),
]
_MAGNITUDES = re.compile(r"\b(?:puluhan|ratusan|ribuan|jutaan|miliaran|belasan|juta|ribu|miliar|ratus|dozens?|"
                         r"tens|hundreds?|thousands?|millions?|billions?|several|beberapa)\b",
                         re.I)
# A question for the day itself ("tanggal berapa", "on what date"): a month or a weekday is not the answer.
_DAY_ASKED = re.compile(r"\b(?:tanggal (?:berapa|apa)|what date|which date|what day of the month)\b", re.I)
_DATE_WORDS = re.compile(
    r"\b(?:senin|selasa|rabu|kamis|jumat|sabtu|minggu|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|january|february|"
    r"march|may|june|july|august|october|december|tahun|year|kemarin|yesterday|pekan|week)\b", re.I)


def is_refusal(raw_answer: str) -> bool:
    """Whether the model said the sources do not hold the answer."""
    return bool(_REFUSALS.search(raw_answer))


def asks_for(question: str) -> str | None:
    """"date", "number" or "name" when the question asks for one, else None."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


# "Berapa jam ...", "how far ...": the answer's number must come with this kind of unit.
_UNITS = {
    "distance": (r"\b(?:berapa jarak|berapa jauh|seberapa jauh|how far|what distance)\b",
                 r"\b(?:km|kilometer|kilometres?|kilometers?|mil|miles?|meter|metres?)\b"),
    "duration": (r"\b(?:berapa lama|how long|durasi|duration)\b",
                 r"\b(?:hari|pekan|sepekan|minggu|bulan|tahun|jam|menit|days?|weeks?|months?|years?|hours?|minutes?)\b"),
    "price": (r"\b(?:berapa(?:\s+(?:besar|kira-kira|sekitar))?\s+(?:harga|biaya|tarif|ongkos)|price|cost)\b",
              r"(?:\b(?:rp|rupiah|dolar|dollars?|usd|won|rubel|rubles?|roubles?|euro)\b|\$)"),
    "hours": (r"\b(?:berapa jam|how many hours)\b", r"\b(?:jam|hours?)\b"),
}


def _unit_given(question: str, text: str) -> bool:
    """Whether the answer's number is of the kind asked: hours for "berapa jam", km for "how far", a currency
    for "berapa harga"."""
    lower = text.lower()
    return not any(re.search(ask, question, re.I) and not re.search(unit, lower) for ask, unit in _UNITS.values())


def gives(text: str, kind: str | None, question: str = "") -> bool:
    """Whether ``text`` holds the kind of thing asked for (in the unit asked for, given ``question``)."""
    if kind is None:
        return True
    if kind == "number":
        has_number = bool(NUMBER.search(text) or numbers_in(text, loose=True) or _MAGNITUDES.search(text))
        return has_number and (not question or _unit_given(question, text))
    if kind == "date":
        if question and _DAY_ASKED.search(question):
            return bool(NUMBER.search(text))
        return bool(NUMBER.search(text) or _DATE_WORDS.search(text))
    words = _WORD.findall(text)
    return any(w[:1].isupper() for w in words[1:]) or bool(words and words[0][:1].isupper() and len(words) <= 4)


def _present(term: str, text_lower: str) -> bool:
    # Prefix match copes with Indonesian suffixes (Kim-nya) and near spellings (Jong-un / Jong Un).
    return term in text_lower or (len(term) > 5 and term[:5] in text_lower)


def missing_terms(question: str, passages: list[Passage], language: Language) -> list[str]:
    """The question's names and numbers that no passage mentions (numbers only for English
    questions: English names of places and countries are spelled differently in Indonesian)."""
    text = " ".join(p.text for p in passages).lower().replace(".", "").replace(",", "")
    terms = key_terms(question)
    if language == "en":
        terms = {t for t in terms if t.isdigit()}
    return sorted(t for t in terms if not _present(t, text))


def before_model(question: str, passages: list[Passage], sources: list[PromptSource], language: Language,
                 min_score: float, *, restricted: bool = False) -> Abstention | None:
    """Why the evidence cannot answer ``question``, without asking the model; None when it might (then
    :func:`not_answerable` decides, with the model's own signal). ``restricted``: the question was
    restricted to some sources (filters), so no passage means none of those."""
    if not passages and restricted:
        return Abstention(Reason.NOTHING_CHOSEN, "no indexed article matches the chosen sources", cover=False)
    if not passages:
        return Abstention(Reason.NOTHING_INDEXED, "nothing is indexed")
    if not sources:
        return Abstention(Reason.NO_EVIDENCE, "no sentence of the passages found can be evidence (only questions, "
                                              "or orders to the assistant)")
    best = max(s.score for s in sources)
    if best < min_score:
        return Abstention(Reason.WEAK_EVIDENCE, f"best sentence similarity {best:.3f} < {min_score:.3f}", cover=False)
    return None


#: The reply to a question in another language, in both answer languages (the asker may read either).
OTHER_LANGUAGE_MESSAGE = ("Pertanyaan ini tampaknya dalam bahasa {language}. Silakan bertanya dalam bahasa "
                          "Indonesia atau bahasa Inggris. / This question seems to be in {language}: please ask in "
                          "Indonesian or English.")


def question_language(question: str) -> Abstention | None:
    """An abstention, decided before retrieval and the model, when ``question`` is clearly in a language
    the assistant does not answer (:func:`rag.language.other_language`): a clear request to ask in
    Indonesian or English instead of a confident answer to a question it misread."""
    language = other_language(question)
    if language is None:
        return None
    return Abstention(Reason.UNSUPPORTED_LANGUAGE, f"the question is in {language}, not Indonesian or English",
                      cover=False, message=OTHER_LANGUAGE_MESSAGE.format(language=language))


def model_found_nothing() -> Abstention:
    """The model's reply was empty or a refusal (:func:`is_refusal`)."""
    return Abstention(Reason.MODEL_FOUND_NOTHING, "the model found no answer in the sources")


def unsupported() -> Abstention:
    """No sentence of the model's answer survived verification, and the best sentence is not :func:`quotable`."""
    return Abstention(Reason.UNSUPPORTED, "no sentence of the model's answer is supported by the sources")


def quotable(best: PromptSource, question: str, min_score: float) -> bool:
    """Whether the best evidence sentence, quoted, can stand as the answer when the model's does not."""
    return best.score >= min_score and gives(best.best, asks_for(question), question)


def wrong_kind(text: str, question: str) -> Abstention | None:
    """An abstention when the checked answer ``text`` does not give what ``question`` asks for."""
    kind = asks_for(question)
    if gives(text, kind, question):
        return None
    return Abstention(Reason.WRONG_KIND, f"the answer gives no {kind}, which the question asks for")


def as_quotation(sentence: str) -> str:
    """A source sentence ready to go inside “...”: outer quotes off, inner double quotes made single."""
    inner = sentence.strip().strip("“”\"' ").rstrip(".")
    return inner.replace("“", "‘").replace("”", "’").replace('"', "'")


def restriction_message(language: Language, reason: Reason, elsewhere: bool) -> str:
    """What an abstention under a restriction adds: whether the restriction is why nothing was found
    (``elsewhere``: the sources left out have evidence close enough to try, better than the chosen ones')."""
    texts = RESTRICTION_MESSAGES[language]
    said = [texts["nothing"]] if reason is Reason.NOTHING_CHOSEN else []
    return " ".join(said + [texts["elsewhere" if elsewhere else "nowhere"]])


def cover_message(language: Language, source: PromptSource | None, reason: Reason) -> tuple[str, bool]:
    """The text of an abstention for ``reason``, and whether it cites ``source`` as [1] (the closest sentence,
    quoted)."""
    message = (UNCONFIRMED_MESSAGES if reason in UNCONFIRMED else ABSTAIN_MESSAGES)[language]
    if source is None or not source.best:
        return message, False
    origin = ", ".join(x for x in (source.publisher, source.date) if x) or f"“{source.title}”"
    quote = as_quotation(source.best)
    return f"{message} " + COVER_MESSAGES[language].format(origin=origin, quote=quote), True
