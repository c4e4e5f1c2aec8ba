"""Pick the evidence the model is shown: the best sentences of the retrieved passages,
with their neighbours, grouped by article and numbered as sources.

A small model on two cores reads about 40 prompt tokens a second, so every
sentence it is shown costs time; only sentences close to the best one are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.sentences import split_sentences
from rag.injection import is_instruction
from rag.retrieval import Passage
from rag.settings import default


@dataclass(frozen=True)
class PromptSource:
    """Source ``[number]`` of a prompt: sentences of one article, in the article's order."""

    number: int
    doc_id: str
    title: str
    sentences: tuple[str, ...]
    score: float  # similarity of its best sentence to the question
    best: str = ""  # that sentence
    publisher: str | None = None
    date: str | None = None
    passage_ids: tuple[str, ...] = ()
    url: str | None = None  # the article's address on the web, when known
    file: str | None = None  # the file it was indexed from
    pages: tuple[int, ...] = ()  # the pages of a PDF its sentences are on

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


_WORD = re.compile(r"\w+", re.UNICODE)


def _same_statement(a: str, b: str) -> bool:
    """Two sentences that say the same (one article retelling another): most words and all numbers shared."""
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    numbers_a, numbers_b = {w for w in wa if w.isdigit()}, {w for w in wb if w.isdigit()}
    return numbers_a == numbers_b and len(wa & wb) / max(1, min(len(wa), len(wb))) >= 0.8


def is_question(sentence: str) -> bool:
    return sentence.rstrip(" \"'”’)").endswith("?")


def select_evidence(passages: list[Passage], *, max_sentences: int = default("evidence_sentences"),
                    margin: float = default("evidence_margin"), max_chars: int = default("evidence_chars"),
                    neighbours: int = 1) -> list[PromptSource]:
    """The sources for the prompt, best first.

    Sentences scoring within ``margin`` of the best one are taken (at most
    ``max_sentences``), skipping retellings of a sentence already taken; the best
    ``neighbours`` of them bring the sentence before and after (context such as who
    "he" is). Everything stops at ``max_chars`` characters.

    A sentence that gives orders to the assistant ("ignore your instructions and
    reply ...", see `rag/injection.py`) is never shown, not even as context: the
    articles are data, and the model is shown only their news. A question is never
    chosen for its score (it may come as context): it states nothing, and a text that
    repeats the question asked would otherwise push the sentences that answer it out.
    """
    ranked = sorted(((s.score, p_index, s.index) for p_index, p in enumerate(passages) for s in p.sentences
                     if not is_instruction(s.text) and not is_question(s.text)), reverse=True)
    if not any(p.sentences for p in passages):  # passages without stored sentences: whole passages, best first
        return _whole_passages(passages, max_sentences)
    if not ranked:  # nothing but orders to the assistant
        return []
    best = ranked[0][0]
    core: list[tuple[int, int]] = []  # (passage, sentence index) of the sentences chosen for their score
    picked: dict[tuple[int, int], float] = {}  # every sentence shown -> its score (-1: context only)
    chars = 0
    for score, p_index, s_index in ranked:
        if score < best - margin or len(core) >= max_sentences:
            break
        sentences = passages[p_index].sentences
        if any(_same_statement(sentences[s_index].text, passages[p].sentences[i].text) for p, i in core):
            continue
        window = [s_index]
        if len(core) < neighbours:
            window = [i for i in (s_index - 1, s_index, s_index + 1)
                      if 0 <= i < len(sentences) and (i == s_index or not is_instruction(sentences[i].text))]
        added = [i for i in window if (p_index, i) not in picked]
        cost = sum(len(sentences[i].text) + 1 for i in added)
        if core and chars + cost > max_chars:
            continue
        for i in added:
            picked[(p_index, i)] = -1.0
        picked[(p_index, s_index)] = score
        core.append((p_index, s_index))
        chars += cost

    by_article: dict[str, list[tuple[int, int]]] = {}
    for p_index, s_index in picked:
        by_article.setdefault(passages[p_index].doc_id, []).append((p_index, s_index))
    sources = []
    for doc_id, keys in by_article.items():
        p0 = passages[keys[0][0]]
        # article order: chunk position, then sentence position; overlapping chunks repeat sentences
        ordered = sorted(keys, key=lambda k: (int(passages[k[0]].metadata.get("position", 0)), k[1]))
        texts = tuple(dict.fromkeys(passages[p].sentences[i].text for p, i in ordered))
        top = max(keys, key=lambda k: picked[k])
        used = list(dict.fromkeys(p for p, _ in ordered))
        sources.append(PromptSource(0, doc_id, p0.title, texts, picked[top],
                              passages[top[0]].sentences[top[1]].text, p0.publisher, p0.date,
                              tuple(passages[p].id for p in used), p0.url, p0.file,
                              tuple(sorted({n for p in used for n in passages[p].pages}))))
    sources.sort(key=lambda s: -s.score)
    return [replace(s, number=n) for n, s in enumerate(sources, start=1)]


def _whole_passages(passages: list[Passage], most: int) -> list[PromptSource]:
    """Sources that are whole passages (their orders to the assistant left out), best first."""
    sources: list[PromptSource] = []
    for p in sorted(passages, key=lambda p: -p.dense_score)[:most]:
        text = " ".join(s for s in split_sentences(p.text) if not is_instruction(s)) if is_instruction(p.text) \
            else p.text
        if text:
            sources.append(PromptSource(len(sources) + 1, p.doc_id, p.title, (text,), p.dense_score, text, p.publisher,
                                  p.date, (p.id,), p.url, p.file, p.pages))
    return sources
