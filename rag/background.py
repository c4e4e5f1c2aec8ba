"""Run an answer's event stream in a thread of its own, so that it can be stopped cleanly.

Used by the page and by ``tanya ask``. Gradio advances a generator from whichever
worker thread is free, and closes it from its event loop when a page goes away; the
engine's turn at the model must be taken and given back in one thread. A command
line sees Ctrl-C only in its main thread, and only between calls into llama.cpp. So
the engine's generator is iterated, and closed, by one dedicated thread; the caller
reads its events from a queue and can ask it to stop at any time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_ITEM, _ERROR, _END = "item", "error", "end"


class BackgroundStream(Generic[T]):
    """Iterate ``make()`` in a daemon thread. Read with :meth:`poll`; end early with :meth:`stop`, which
    sets ``stop`` (give the same event to the iterator, so that it can end in the middle of an item)."""

    def __init__(self, make: Callable[[], Iterator[T]], stop: threading.Event | None = None) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._stop = stop or threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(make,), name="tanya-answer", daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Iterator[T]]) -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    if self._stop.is_set():
                        break
                    self._queue.put((_ITEM, item))
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()  # in this thread: the engine releases its lock where it took it
        except BaseException as exc:  # handed to the reader, which raises it
            self._queue.put((_ERROR, exc))
        finally:
            self._queue.put((_END, None))

    def poll(self, timeout: float) -> Iterator[T | None]:
        """The items as they come; ``None`` each ``timeout`` seconds without one (a tick to check the
        clock or a stop request). Raises what the stream raised."""
        while not self._done:
            try:
                kind, value = self._queue.get(timeout=timeout)
            except queue.Empty:
                yield None
                continue
            if kind == _ITEM:
                yield value
            elif kind == _ERROR:
                self._done = True
                raise value
            else:
                self._done = True

    def stop(self) -> None:
        """Ask the stream to end after its current item (the thread closes the iterator itself)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
