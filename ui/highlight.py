"""Find the cited passage inside its article's text, for highlighting.

Matching ignores differences of whitespace (chunks and the article text may break
lines differently). Quotes are looked up as they are; a passage that is not found
whole is looked up sentence by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.sentences import split_sentences

_SPACE = re.compile(r"\s+")
MIN_SENTENCE_CHARS = 20


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of whitespace as one space, and for each kept character its index in ``text``."""
    out, index = [], []
    previous_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if previous_space:
                continue
            previous_space = True
            out.append(" ")
        else:
            previous_space = False
            out.append(ch)
        index.append(i)
    return "".join(out), index


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans, and spans with only whitespace between them, as one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find_spans(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where the ``needles`` occur (first occurrence of each), merged and sorted.

    A needle that is not found whole is searched sentence by sentence (sentences
    shorter than 20 characters are not searched alone: they match too easily).
    """
    squeezed, index = _squeeze(text)
    spans = []
    for needle in needles:
        needle = _SPACE.sub(" ", needle).strip()
        if not needle:
            continue
        parts = [needle]
        if squeezed.find(needle) < 0:
            parts = [s for s in split_sentences(needle) if len(s) >= MIN_SENTENCE_CHARS]
        for part in parts:
            at = squeezed.find(part)
            if at >= 0:
                spans.append((index[at], index[at + len(part) - 1] + 1))
    return _merge(text, spans)
