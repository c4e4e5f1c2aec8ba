"""What one browser tab remembers: its conversation, the sources behind each answer, its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PanelSource:
    """A passage an answer rests on, as the source panel shows it."""

    doc_id: str
    title: str
    text: str
    publisher: str | None = None
    date: str | None = None
    quotes: tuple[str, ...] = ()
    label: str = ""  # "[1]" for a citation, "" for a passage that was only found nearby
    url: str | None = None  # the article's address on the web, when its file gave one
    file: str | None = None  # the file it was indexed from
    pages: tuple[int, ...] = ()  # a PDF's pages the passage is on

    @classmethod
    def of(cls, item: Any, label: str = "") -> PanelSource:
        """From a `rag.Citation` or a `rag.Passage`."""
        return cls(doc_id=item.doc_id, title=item.title or item.doc_id, text=item.text, publisher=item.publisher,
                   date=item.date, quotes=tuple(getattr(item, "quotes", ()) or ()), label=label,
                   url=getattr(item, "url", None), file=getattr(item, "file", None),
                   pages=tuple(getattr(item, "pages", ()) or ()))


@dataclass
class Turn:
    """One question and its answer. ``answer`` stays None until a checked answer arrives."""

    id: int
    question: str
    answer: str | None = None
    sources: dict[str, PanelSource] = field(default_factory=dict)  # link key ("1", "p1") -> source


class Session:
    """Per-tab state, kept by Gradio in a ``gr.State`` (copied once per tab, then shared by its events)."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self._next_id = 1
        #: The saved conversation this tab writes to (`rag.ConversationStore`); None until its first question.
        self.conversation_id: str | None = None
        self.stop_requested = False
        self.answering = False  # one answer at a time per tab
        self.settings: dict[str, Any] = {}  # overrides for Assistant.with_settings, e.g. {"top_k": 6}
        #: What the page last said of an action ("add", "remove"), in any interface language.
        self.said: dict[str, Callable[[str], str]] = {}
        self.library_query = ""  # the library tab's search: its table shows the rows that match

    def start(self, question: str, turn_id: int | None = None) -> Turn:
        """A new turn; ``turn_id`` is its position in the saved conversation (its links name it)."""
        turn = Turn(id=turn_id if turn_id is not None else self._next_id, question=question)
        self._next_id = turn.id + 1
        self.turns.append(turn)
        self.stop_requested = False
        return turn

    def history(self) -> list[tuple[str, str]]:
        """The conversation so far, as (question, checked answer) pairs; unfinished answers are left out."""
        return [(t.question, t.answer) for t in self.turns if t.answer is not None]

    def source(self, turn_id: int, key: str) -> PanelSource | None:
        for turn in self.turns:
            if turn.id == turn_id:
                return turn.sources.get(key)
        return None

    def clear(self, conversation_id: str | None = None) -> None:
        """Forget the turns shown; the tab now writes to ``conversation_id`` (None: a new one, made at the
        first question)."""
        self.turns.clear()
        self._next_id = 1
        self.stop_requested = False
        self.conversation_id = conversation_id
