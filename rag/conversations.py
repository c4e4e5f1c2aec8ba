"""Conversations that last: every question and answer saved as it happens, in one SQLite file.

The file is ``$TANYA_HOME/conversations.sqlite3`` (``Settings.conversations_path``), in WAL mode: a
question is written (committed) before it is answered and its answer when it is complete, each in
a transaction of its own, so a process killed mid-answer loses at most the unfinished answer; the
question stays, marked unfinished. Every call opens its own connection, so any thread (the page
answers each visitor on its own) may use one store.

>>> from rag import Assistant
>>> store = Assistant().conversations
>>> c = store.create()
>>> n = store.append_turn(c.id, "Siapa yang memberi Kim rompi antipeluru?")
>>> store.finish_turn(c.id, n, answer)          # the Answer of Assistant.ask
>>> [s.title for s in store.list()], store.load(c.id).turns[0].answer.citations
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rag.answer import Answer
from rag.answer_record import answer_from_record, answer_to_record
from rag.errors import TanyaError

__all__ = ["Conversation", "ConversationError", "ConversationStore", "ConversationSummary", "ConversationTurn",
           "TurnStatus"]

#: A conversation's title, from its first question, is cut to this many characters.
TITLE_CHARS = 80
#: How long (seconds) a write waits for another process's write to the same file.
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    filters TEXT,
    status TEXT NOT NULL,
    answer TEXT,
    partial TEXT NOT NULL DEFAULT '',
    asked REAL NOT NULL,
    answered REAL,
    PRIMARY KEY (conversation_id, position)
);
"""


class ConversationError(TanyaError, LookupError):
    """A conversation or turn that does not exist (deleted, or never made), or one that cannot be changed so."""


class TurnStatus(StrEnum):
    """Where a turn's answer is."""

    PENDING = "pending"  # asked, being answered (or the process died before the answer was complete)
    ANSWERED = "answered"  # the checked answer is saved
    STOPPED = "stopped"  # stopped by the user: ``partial`` holds what had been written
    FAILED = "failed"  # answering failed: ``partial`` holds the message shown


@dataclass(frozen=True)
class ConversationTurn:
    """One question of a conversation and, once answered, its :class:`Answer` (None until then)."""

    position: int  # 1, 2, ... in the order asked
    question: str
    status: TurnStatus
    answer: Answer | None = None
    #: The restriction the question was asked under (``filters`` of :meth:`Assistant.ask`).
    filters: dict[str, Any] | None = None
    partial: str = ""  # a stopped answer's text so far, or a failed one's message
    asked: float = 0.0  # seconds since the epoch
    answered: float | None = None


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as a list shows it."""

    id: str
    title: str
    created: float
    updated: float
    turns: int


@dataclass(frozen=True)
class Conversation:
    """A conversation with all its turns, in order."""

    id: str
    title: str
    created: float
    updated: float
    turns: list[ConversationTurn] = field(default_factory=list)

    def history(self) -> list[tuple[str, str]]:
        """The answered turns as (question, answer text) pairs: the ``history`` of :meth:`Assistant.ask`."""
        return [(t.question, t.answer.text) for t in self.turns if t.answer is not None]


def title_of(question: str) -> str:
    """A conversation's title from its first question: the question, cut at a word near :data:`TITLE_CHARS`."""
    question = " ".join(question.split())
    if len(question) <= TITLE_CHARS:
        return question
    return question[:TITLE_CHARS].rsplit(" ", 1)[0] + " …"


class ConversationStore:
    """The conversations saved in one SQLite file (created with its folder on first use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one call, committed at its end (rolled back on an error)."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise ConversationError(f"Cannot open the conversations file {self.path} ({exc}). Check that its "
                                    "folder is writable, or set TANYA_HOME to another folder.") from None
        with closing(connection):
            connection.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            with connection:  # one transaction: committed when the block ends
                yield connection

    # Conversations ----------------------------------------------------------------------------
    def create(self, title: str = "") -> ConversationSummary:
        """A new, empty conversation (its title, when empty, becomes its first question)."""
        now = time.time()
        summary = ConversationSummary(uuid.uuid4().hex[:16], " ".join(title.split()), now, now, 0)
        with self._connect() as db:
            db.execute("INSERT INTO conversations (id, title, created, updated) VALUES (?, ?, ?, ?)",
                       (summary.id, summary.title, now, now))
        return summary

    def list(self) -> builtins.list[ConversationSummary]:
        """Every conversation, the most recently used first."""
        with self._connect() as db:
            rows = db.execute("SELECT c.id, c.title, c.created, c.updated, COUNT(t.position) FROM conversations c "
                              "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
                              "ORDER BY c.updated DESC, c.created DESC").fetchall()
        return [ConversationSummary(*row) for row in rows]

    def exists(self, conversation_id: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is not None

    def load(self, conversation_id: str) -> Conversation:
        """The conversation with all its turns. :class:`ConversationError` when there is none with that id."""
        with self._connect() as db:
            head = db.execute("SELECT id, title, created, updated FROM conversations WHERE id = ?",
                              (conversation_id,)).fetchone()
            if head is None:
                raise _missing(conversation_id)
            rows = db.execute("SELECT position, question, filters, status, answer, partial, asked, answered "
                              "FROM turns WHERE conversation_id = ? ORDER BY position", (conversation_id,)).fetchall()
        turns = [ConversationTurn(position=position, question=question, status=TurnStatus(status),
                                  answer=answer_from_record(json.loads(answer)) if answer else None,
                                  filters=json.loads(filters) if filters else None, partial=partial, asked=asked,
                                  answered=answered)
                 for position, question, filters, status, answer, partial, asked, answered in rows]
        conversation_id, title, created, updated = head
        return Conversation(conversation_id, title, created, updated, turns)

    def rename(self, conversation_id: str, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise ConversationError("A conversation's title cannot be empty: type a title.")
        with self._connect() as db:
            if db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)).rowcount == 0:
                raise _missing(conversation_id)

    def delete(self, conversation_id: str) -> None:
        """Delete the conversation and its turns. :class:`ConversationError` when there is none with that id."""
        with self._connect() as db:
            if db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount == 0:
                raise _missing(conversation_id)

    # Turns ---------------------------------------------------------------------------------------
    def append_turn(self, conversation_id: str, question: str, answer: Answer | None = None, *,
                    filters: dict[str, Any] | None = None) -> int:
        """Save a question (before it is answered, or with its ``answer``); its position in the conversation.

        The first question names a conversation that has no title yet."""
        now = time.time()
        status = TurnStatus.ANSWERED if answer is not None else TurnStatus.PENDING
        with self._connect() as db:
            head = db.execute("SELECT title FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if head is None:
                raise _missing(conversation_id)
            position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM turns WHERE conversation_id = ?",
                                  (conversation_id,)).fetchone()[0]
            db.execute("INSERT INTO turns (conversation_id, position, question, filters, status, answer, asked, "
                       "answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (conversation_id, position, question, json.dumps(filters, ensure_ascii=False) if filters
                        else None, status.value, _record(answer), now, now if answer is not None else None))
            db.execute("UPDATE conversations SET updated = ?, title = CASE WHEN title = '' THEN ? ELSE title END "
                       "WHERE id = ?", (now, title_of(question), conversation_id))
        return int(position)

    def finish_turn(self, conversation_id: str, position: int, answer: Answer | None = None, *,
                    status: TurnStatus = TurnStatus.ANSWERED, partial: str = "") -> None:
        """Save the end of a turn: its checked ``answer``; or, with ``status`` STOPPED or FAILED, the text
        written so far or the message shown (``partial``)."""
        if (answer is None) == (status is TurnStatus.ANSWERED):
            raise ValueError("an answered turn needs its answer, and only an answered turn has one")
        now = time.time()
        with self._connect() as db:
            changed = db.execute("UPDATE turns SET status = ?, answer = ?, partial = ?, answered = ? "
                                 "WHERE conversation_id = ? AND position = ?",
                                 (status.value, _record(answer), partial, now, conversation_id, position)).rowcount
            if changed == 0:
                raise ConversationError(f"Conversation {conversation_id} has no question {position} (deleted "
                                        "meanwhile?); the answer was not saved.")
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))


def _record(answer: Answer | None) -> str | None:
    return json.dumps(answer_to_record(answer), ensure_ascii=False) if answer is not None else None


def _missing(conversation_id: str) -> ConversationError:
    return ConversationError(f"There is no conversation {conversation_id!r} (deleted?). Start a new one, or "
                             "choose one from the list.")
