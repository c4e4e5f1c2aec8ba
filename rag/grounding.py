"""Keep the model honest: check each answer sentence against the sources, and decide abstention.

The language model is not trusted to cite or to refuse. Here code decides:
- before generation, whether the evidence can answer at all (similarity, the
  question's names and numbers present in it);
- after generation, which source supports each sentence (citations that do not
  support their sentence are replaced by the one that does, or removed;
  sentences that no source supports are dropped), and whether anything is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index import Embedder
from rag.citations import cited_numbers, split_sentences, strip_citations
from rag.language import Language
from rag.prompting import NOT_FOUND
from rag.retrieval import Passage

#: Below this support score a source is not taken to support a sentence.
MIN_SUPPORT = 0.74

ABSTAIN_MESSAGES = {
    "id": "Sumber yang tersedia tidak menyebutkan jawaban atas pertanyaan ini.",
    "en": "The sources do not say.",
}
_REFUSALS = re.compile(
    NOT_FOUND + r"|tidak (?:di)?sebutkan|tidak ada informasi|tidak terdapat informasi|tidak dijelaskan"
    r"|(?:do|does) not (?:mention|say|contain|provide|specify)|no information|not (?:mentioned|specified|stated)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+", re.UNICODE)
_QUESTION_WORDS = frozenset(
    "apa siapa kapan mana dimana berapa bagaimana mengapa kenapa apakah what who when where which how why "
    "does did do is are was were".split())


def _key_terms(text: str) -> set[str]:
    """Numbers and capitalised words (names) of a text, lower-cased, question words left out."""
    words = _WORD.findall(text)
    terms = {w.lower() for w in words[1:] if w[:1].isupper() and len(w) > 1}
    terms |= {n.replace(".", "").replace(",", "") for n in _NUMBER.findall(text)}
    return terms - _QUESTION_WORDS


def _present(term: str, text_lower: str) -> bool:
    # Prefix match copes with Indonesian suffixes (Kim-nya) and near spellings (Jong-un / Jong Un).
    return term in text_lower or (len(term) > 5 and term[:5] in text_lower)


def missing_terms(question: str, passages: list[Passage], language: Language) -> list[str]:
    """The question's names and numbers that no passage mentions (names only for Indonesian questions:
    English names of places and countries are spelled differently in Indonesian text)."""
    text = " ".join(p.text for p in passages).lower().replace(".", "").replace(",", "")
    terms = _key_terms(question)
    if language == "en":
        terms = {t for t in terms if t.isdigit()}
    return sorted(t for t in terms if not _present(t, text))


def abstain_before_generation(question: str, passages: list[Passage], language: Language,
                              min_dense_score: float) -> str | None:
    """Why the evidence cannot answer ``question`` (None when it might)."""
    if not passages:
        return "no passages indexed"
    best = max(p.dense_score for p in passages)
    if best < min_dense_score:
        return f"best passage similarity {best:.2f} < {min_dense_score:.2f}"
    missing = missing_terms(question, passages, language)
    if missing:
        return f"the sources never mention {', '.join(missing)}"
    return None


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # without markers
    sources: list[int]  # 0-based passage indexes that support it


def support_matrix(sentences: list[str], passages: list[Passage], passage_vectors: np.ndarray,
                   embedder: Embedder) -> np.ndarray:
    """support[i, j]: how well passage j supports sentence i, about 0..1.

    Embedding similarity (works across languages), raised by shared names and
    numbers, lowered when the sentence has a number the passage does not.
    """
    if not sentences or not passages:
        return np.zeros((len(sentences), len(passages)))
    vectors = embedder.embed_queries(sentences)
    dense = vectors @ passage_vectors.T
    support = dense.copy()
    lowered = [p.text.lower().replace(".", "").replace(",", "") for p in passages]
    for i, sentence in enumerate(sentences):
        terms = _key_terms(sentence)
        numbers = {t for t in terms if t.isdigit()}
        for j, text in enumerate(lowered):
            if terms:
                support[i, j] += 0.05 * sum(_present(t, text) for t in terms) / len(terms)
            if any(n not in text for n in numbers):
                support[i, j] -= 0.08
    return support


def check_sentences(raw_answer: str, passages: list[Passage], passage_vectors: np.ndarray,
                    embedder: Embedder) -> tuple[list[CheckedSentence], list[str]]:
    """Each supported sentence with the sources that support it; and notes on what was changed."""
    notes: list[str] = []
    sentences = [s for s in split_sentences(raw_answer) if strip_citations(s)]
    plain = [strip_citations(s) for s in sentences]
    support = support_matrix(plain, passages, passage_vectors, embedder)
    checked: list[CheckedSentence] = []
    for i, sentence in enumerate(sentences):
        claimed = [n - 1 for n in cited_numbers(sentence)]
        invalid = [n + 1 for n in claimed if not 0 <= n < len(passages)]
        if invalid:
            notes.append(f"removed citation(s) to missing source(s) {invalid}")
        kept = [n for n in dict.fromkeys(claimed) if 0 <= n < len(passages) and support[i, n] >= MIN_SUPPORT]
        if not kept:
            best = int(np.argmax(support[i]))
            if support[i, best] >= MIN_SUPPORT:
                kept = [best]
                if claimed:
                    notes.append(f"re-cited sentence {i + 1} to source {best + 1}")
            else:
                notes.append(f"dropped unsupported sentence: {plain[i][:80]}")
                continue
        checked.append(CheckedSentence(plain[i], kept))
    return checked, notes


def is_refusal(raw_answer: str) -> bool:
    return bool(_REFUSALS.search(raw_answer))
