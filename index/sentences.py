"""Split text into sentences (Indonesian and English news prose)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (and a closing quote), before a capital, an opening quote or a digit;
# paragraph breaks always end one. "8.000" and "17/9/2023" have no space, so they are not cut.
_BOUNDARY = re.compile(r"(?<=[.!?])([\"”’)]?)\s+(?=[\"“‘(A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(r"(?:\b(?:Dr|Prof|No|Jl|St|Mr|Mrs|Ms|Sdr|Bpk|dll|dkk|a\.n|u\.p)|\b[A-Z])\.$")
#: Pieces shorter than this many words are joined to the sentence before them.
MIN_WORDS = 3


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, each stripped; very short pieces joined to their neighbour."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + len(match.group(1) or "")
        piece = text[start:end].strip()
        if "\n" not in match.group(0) and _ABBREVIATIONS.search(piece):
            continue  # "Dr. Putin", "A. Kozlov": not a sentence end
        if piece:
            pieces.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    sentences: list[str] = []
    for piece in pieces:
        if sentences and len(piece.split()) < MIN_WORDS and "\n" not in piece:
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences
