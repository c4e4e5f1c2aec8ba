"""One log line per question, for operations: when it was asked, its language, how long retrieval, the first
word and the whole answer took, and whether (and why) it was an abstention.

Written with Python's logging (logger ``tanya.answers``, level INFO), so the process decides where it goes:
`tanya ui` and `tanya serve` print INFO lines with their time. A line looks like::

    answered asked_at=2026-11-30T09:12:03 language=id retrieval_s=0.214 first_token_s=6.120 total_s=9.873
    abstained=no reason=- tokens=38

(one line). ``first_token_s`` is from the question's arrival to the first text shown (waiting for the model
included; ``-`` when nothing was shown before the answer); a question stopped before its answer logs
``stopped``, one that failed ``failed`` with the error's class.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime

from rag.answering import Event, Final, Token
from rag.language import Language

log = logging.getLogger("tanya.answers")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def logged(events: Iterator[Event], language: Language) -> Iterator[Event]:
    """``events`` as they are, with the question's log line written at its end (closing this closes ``events``)."""
    asked_at = datetime.now().isoformat(timespec="seconds")
    started = time.perf_counter()
    first: float | None = None
    outcome = "stopped"
    try:
        for event in events:
            if first is None and isinstance(event, Token):
                first = time.perf_counter() - started
            if isinstance(event, Final):
                answer = event.answer
                reason = answer.abstention.value if answer.abstention else "-"
                log.info("answered asked_at=%s language=%s retrieval_s=%.3f first_token_s=%s total_s=%.3f "
                         "abstained=%s reason=%s tokens=%d", asked_at, answer.language, answer.retrieval_s,
                         _seconds(first), time.perf_counter() - started, "yes" if answer.abstained else "no",
                         reason, answer.stats.completion_tokens)
                outcome = ""
            yield event
    except Exception as exc:
        outcome = f"failed error={type(exc).__name__}"
        raise
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # here, in this thread: the pipeline gives its turn at the model back where it took it
        if outcome:
            log.info("%s asked_at=%s language=%s first_token_s=%s total_s=%.3f", outcome, asked_at, language,
                     _seconds(first), time.perf_counter() - started)
