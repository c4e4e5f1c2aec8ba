"""The queue at the language model: one answer written at a time, first come first served.

The CPU is the bottleneck, so questions take turns; each waiting question knows how many
are ahead of it (the page shows it), and a question given up while it waits leaves its
place at once instead of costing the others a turn.

    turn = turns.take()
    try:
        while (ahead := turns.ahead(turn)) > 0:
            ...  # tell the user
            turns.wait(turn, timeout=0.5)
        ...  # use the model
    finally:
        turns.leave(turn)

or, for a call that just blocks: ``with turns.turn(): ...``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ModelQueue:
    """Numbered tickets, served in order; thread-safe. A ticket left before its turn is skipped."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._next = 0  # the ticket the next question takes
        self._serving = 0  # the ticket whose turn it is
        self._left: set[int] = set()  # tickets given up before their turn

    def take(self) -> int:
        with self._changed:
            ticket = self._next
            self._next += 1
            return ticket

    def ahead(self, ticket: int) -> int:
        """How many questions will use the model before ``ticket`` (0: its turn)."""
        with self._changed:
            return max(0, ticket - self._serving - sum(1 for t in self._left if self._serving <= t < ticket))

    def wait(self, ticket: int, timeout: float | None = None) -> bool:
        """Block until it is ``ticket``'s turn, or ``timeout`` seconds; whether it is its turn."""
        with self._changed:
            return self._changed.wait_for(lambda: self._serving == ticket, timeout)

    def leave(self, ticket: int) -> None:
        """End ``ticket``'s turn, or give up its place if its turn has not come."""
        with self._changed:
            if ticket == self._serving:
                self._serving += 1
            elif ticket > self._serving:
                self._left.add(ticket)
            self._skip_left()
            self._changed.notify_all()

    def _skip_left(self) -> None:
        while self._serving in self._left:
            self._left.remove(self._serving)
            self._serving += 1

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for a turn (blocking), and end it after the block."""
        ticket = self.take()
        try:
            self.wait(ticket)
            yield
        finally:
            self.leave(ticket)
