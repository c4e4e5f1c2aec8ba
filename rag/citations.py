"""Read, check and renumber the ``[n]`` markers of an answer."""

from __future__ import annotations

import re

from index.sentences import split_sentences

CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
#: The prompt's own "[n]", copied by the model instead of a number: cites nothing, so it is removed.
PLACEHOLDER = re.compile(r"\[[nN]\]")
#: A citation followed by the start of a sentence ends one, full stop or not ("... [1] Ia ...").
_CITATION_THEN_SENTENCE = re.compile(r"(?<=\])\s+(?=[\"“(A-Z0-9])")


def cited_numbers(text: str) -> list[int]:
    """Every number cited in ``text``, in order, repeats kept ("[1][2, 3]" -> [1, 2, 3])."""
    return [int(n) for group in CITATION.findall(text) for n in group.split(",")]


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.,!?;:])", r"\1", PLACEHOLDER.sub("", CITATION.sub("", text))).strip()


def answer_sentences(text: str) -> list[str]:
    """Answer text in sentences, split as the sources are (``index.sentences.split_sentences``); a
    citation right after a full stop stays with its sentence."""
    text = re.sub(r"([.!?])\s*((?:\[\d[\d,\s]*\]\s*)+)", lambda m: m.group(2).strip() + m.group(1) + " ", text)
    return split_sentences(_CITATION_THEN_SENTENCE.sub("\n", text))


def with_citations(sentence: str, numbers: list[int]) -> str:
    """``sentence`` with its markers replaced by ``numbers`` (placed before the final punctuation)."""
    body = strip_citations(sentence)
    if not numbers:
        return body
    marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
    if body and body[-1] in ".!?":
        return f"{body[:-1]} {marks}{body[-1]}"
    return f"{body} {marks}"


def renumber(sentences: list[tuple[str, list[int]]]) -> tuple[str, list[int]]:
    """Join sentences, numbering their sources 1..N by first appearance.

    Takes (sentence, source indexes) pairs and returns the text and, for each new
    number n, the source index it stands for (``order[n - 1]``).
    """
    order: list[int] = []
    out = []
    for sentence, sources in sentences:
        numbers = []
        for source in sources:
            if source not in order:
                order.append(source)
            numbers.append(order.index(source) + 1)
        out.append(with_citations(sentence, numbers))
    return " ".join(s for s in out if s), order
