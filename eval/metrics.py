"""Per-question scores and their aggregates. Every function here is pure: data in, numbers out."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from statistics import median

from rag.citations import answer_sentences, cited_numbers, strip_citations


# Retrieval -------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[“”\"'‘’]", "", text)
    return " ".join(text.split())


def contains_evidence(chunk_text: str, evidence: Iterable[str]) -> bool:
    """A chunk counts when it holds a piece of gold evidence (or lies wholly inside a long one)."""
    chunk = _norm(chunk_text)
    for ev in evidence:
        e = _norm(ev)
        if e and (e in chunk or (len(chunk) > 40 and chunk in e)):
            return True
    return False


def first_relevant_rank(chunk_texts: list[str], evidence: list[str]) -> int | None:
    """1-based rank of the first chunk holding gold evidence, or None."""
    for rank, text in enumerate(chunk_texts, start=1):
        if contains_evidence(text, evidence):
            return rank
    return None


def recall_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


# Answers ------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def normalise_answer(text: str) -> str:
    """Lower case, no citations, no punctuation; thousands separators dropped (8.000 -> 8000)."""
    text = strip_citations(text)
    text = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", text)
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFKC", text).lower()))


def facts_present(answer: str, gold_facts: list[list[str]]) -> float:
    """Share of gold facts of which at least one surface form is in the answer."""
    if not gold_facts:
        return 0.0
    norm = f" {normalise_answer(answer)} "
    hits = sum(any(f" {normalise_answer(form)} " in norm or normalise_answer(form) in norm for form in fact)
               for fact in gold_facts)
    return hits / len(gold_facts)


def answer_scores(answer: str, abstained: bool, gold_facts: list[list[str]], gold_answer: str | None) -> dict:
    """``facts`` and ``f1`` of an answer to an answerable question. An abstention scores 0 on both,
    even when the sentence it quotes as the closest holds the gold facts: it told the reader the
    sources do not say."""
    if abstained:
        return {"facts": 0.0, "f1": 0.0 if gold_answer else None}
    return {"facts": facts_present(answer, gold_facts), "f1": token_f1(answer, gold_answer) if gold_answer else None}


def score_abstention_as_wrong(row: dict) -> None:
    """A stored answer row scored before abstentions counted 0 (see :func:`answer_scores`), scored now."""
    if row["answerable"] and row["abstained"]:
        row.update(facts=0.0, f1=0.0 if row.get("f1") is not None else None)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1."""
    p, g = normalise_answer(prediction).split(), normalise_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    return float(normalise_answer(prediction) == normalise_answer(gold))


# Citations (ALCE: Gao et al., 2023) ------------------------------------------------------
Supports = Callable[[str, str], bool]  # (sentence, passage text) -> supported?


def citation_scores(answer_text: str, cited_passages: dict[int, str], supports: Supports) -> dict:
    """Citation recall and precision as ALCE defines them, and dangling ``[n]``.

    - recall: share of sentences whose cited passages, together, support the sentence;
    - precision: share of citations that support their sentence alone, or without
      which the rest no longer does (ALCE's "irrelevant" citations count against it);
    - dangling: ``[n]`` markers with no passage.
    """
    sentences = [s for s in answer_sentences(answer_text) if strip_citations(s)]
    supported_sentences = 0
    precise = total = dangling = 0
    verdicts = []
    for sentence in sentences:
        numbers = list(dict.fromkeys(cited_numbers(sentence)))
        dangling += sum(n not in cited_passages for n in numbers)
        valid = [n for n in numbers if n in cited_passages]
        plain = strip_citations(sentence)
        joint = supports(plain, " ".join(cited_passages[n] for n in valid)) if valid else False
        supported_sentences += joint
        for n in valid:
            total += 1
            alone = supports(plain, cited_passages[n])
            rest = [m for m in valid if m != n]
            needed = joint and not (rest and supports(plain, " ".join(cited_passages[m] for m in rest)))
            precise += alone or needed
        verdicts.append({"sentence": plain, "citations": numbers, "supported": bool(joint)})
    return {
        "sentences": len(sentences),
        "recall": supported_sentences / len(sentences) if sentences else 0.0,
        "precision": precise / total if total else 0.0,
        "citations": total + dangling,
        "dangling": dangling,
        "verdicts": verdicts,
    }


# Aggregates --------------------------------------------------------------------------------
# Each leaves out the values that are None, and is None when none is left.
def mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float | None], q: float) -> float | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    index = min(len(present) - 1, max(0, int(round(q * (len(present) - 1)))))
    return present[index]


def med(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def milliseconds(seconds: float | None) -> float | None:
    """``seconds`` in milliseconds; None (no timings) stays None."""
    return None if seconds is None else 1000 * seconds
