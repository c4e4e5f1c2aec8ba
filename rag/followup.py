"""Follow-up questions ("Lalu apa yang dia terima?", "And when did he leave?") made standalone
before retrieval, from the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence

#: A conversation so far: (question, answer) pairs, or chat messages {"role", "content"}.
History = Sequence[tuple[str, str] | dict[str, str]]

_REFERS_BACK = re.compile(
    r"\b(?:dia|ia|beliau|mereka|itu|tersebut|sana|situ|lalu|kemudian|selain itu|he|she|him|her|his|hers|it|its|"
    r"they|them|their|there|then|that|those|also|else)\b|\b\w{3,}nya\b", re.IGNORECASE)


def previous_turns(history: History | None) -> list[tuple[str, str]]:
    """(question, answer) pairs of the conversation, oldest first."""
    turns: list[tuple[str, str]] = []
    for turn in history or []:
        if isinstance(turn, dict):
            content = str(turn.get("content") or "")
            if turn.get("role") == "user" and content.strip():
                turns.append((content, ""))
            elif turn.get("role") == "assistant" and turns:
                turns[-1] = (turns[-1][0], content)
        elif turn and str(turn[0]).strip():
            turns.append((str(turn[0]), str(turn[1]) if len(turn) > 1 else ""))
    return turns


def looks_like_followup(question: str) -> bool:
    """A question that points back ("dia", "it", "-nya", "lalu") or is too short to stand alone."""
    return len(question.split()) <= 4 or bool(_REFERS_BACK.search(question))


def joined_question(question: str, turns: list[tuple[str, str]]) -> str:
    """The fallback when no rewrite is possible: the last question and this one together."""
    return f"{turns[-1][0]} {question}" if turns else question


def clean_rewrite(reply: str, question: str) -> str | None:
    """The model's rewritten question, or None when it is unusable (empty, rambling, an answer)."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    text = re.sub(r"^(?:standalone question|pertanyaan)\s*:\s*", "", lines[0], flags=re.IGNORECASE).strip(" \"'“”")
    words = len(text.split())
    if words < 3 or words > max(40, 3 * len(question.split())) or "[" in text:
        return None
    return text
