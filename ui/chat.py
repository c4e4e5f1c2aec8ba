"""The chat tab's handlers: ask (streamed), stop, new conversation, open a cited source."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag import ArticleError, Assistant, Checking, Final, TanyaError, Token, Waiting
from rag.background import BackgroundStream
from rag.language import is_language
from ui import render
from ui.session import Session
from ui.texts import t

log = logging.getLogger("tanya.ui")

#: How often (seconds) the page checks for a stop request and updates the "reading" clock.
POLL_S = 0.25


def readable(exc: BaseException, lang: str) -> str:
    """What the page says about a failure: our own errors as they are, anything else generically
    (the server log keeps the details)."""
    if isinstance(exc, TanyaError):
        log.warning("%s", exc)
        return str(exc)
    log.error("unexpected error", exc_info=exc)
    return t(lang, "error_generic")


def _assistant_message(html: str) -> dict[str, str]:
    return {"role": "assistant", "content": html}


def _buttons(answering: bool) -> tuple[Any, Any]:
    """Ask and Stop: one of them at a time."""
    return gr.update(visible=not answering), gr.update(visible=answering)


def ask(bot: Assistant, question: str, chat: list | None, answer_language: str, ui_lang: str,
        session: Session) -> Iterator[tuple]:
    """Stream one answer into the chat: a "reading the sources" clock, the words as they come, then the
    checked answer with clickable citations. Yields (chat, question box, ask button, stop button, notice)."""
    chat = list(chat or [])
    question = " ".join((question or "").split())
    if not question:
        yield (chat, "", *_buttons(False), t(ui_lang, "empty_question"))
        return
    if session.answering:  # e.g. Enter pressed again while an answer is being written
        yield (gr.update(), question, gr.update(), gr.update(), t(ui_lang, "busy"))
        return
    session.answering = True
    try:
        yield from _answer(bot, question, chat, answer_language, ui_lang, session)
    finally:
        session.answering = False


def _answer(bot: Assistant, question: str, chat: list, answer_language: str, ui_lang: str,
            session: Session) -> Iterator[tuple]:
    history = session.history()
    turn = session.start(question)
    chat += [{"role": "user", "content": render.question_html(question)},
             _assistant_message(render.reading_html(ui_lang, 0))]
    yield (chat, "", *_buttons(True), "")

    language = answer_language if is_language(answer_language) else None
    stream: BackgroundStream | None = None
    text, started, shown, ahead, checking = "", time.monotonic(), 0, 0, False
    try:
        engine = bot.with_settings(**session.settings)
        stopping = threading.Event()  # Stop ends the answer at once, even while the model reads the prompt
        stream = BackgroundStream(lambda: engine.events(question, history, language=language, stop=stopping),
                                  stop=stopping)
        for event in stream.poll(POLL_S):
            if session.stop_requested:
                stream.stop()
                chat[-1] = _assistant_message(render.stopped_html(ui_lang, text))
                yield (chat, "", *_buttons(False), "")
                return
            if event is None or isinstance(event, Waiting | Checking):  # keep the clock (and place in line) moving
                seconds = int(time.monotonic() - started)
                waiting = event.ahead if isinstance(event, Waiting) else ahead
                changed = isinstance(event, Checking) and not checking
                checking = checking or isinstance(event, Checking)
                if not text and ((seconds, waiting) != (shown, ahead) or changed):
                    shown, ahead = seconds, waiting
                    chat[-1] = _assistant_message(render.reading_html(ui_lang, seconds, ahead, checking))
                    yield (chat, "", *_buttons(True), "")
            elif isinstance(event, Token):  # a checked sentence (or the abstention): never taken back
                text += event.text
                chat[-1] = _assistant_message(render.streaming_html(ui_lang, text))
                yield (chat, "", *_buttons(True), "")
            elif isinstance(event, Final):
                render.register_sources(turn, event.answer)
                turn.answer = event.answer.text
                chat[-1] = _assistant_message(render.answer_html(event.answer, turn, ui_lang))
                yield (chat, "", *_buttons(False), "")
    except Exception as exc:  # shown in the chat; never a stack trace in the page
        chat[-1] = _assistant_message(render.error_html(readable(exc, ui_lang)))
        yield (chat, "", *_buttons(False), "")
    finally:
        if stream is not None:
            stream.stop()  # the page went away, or we are done: let the engine's thread finish


def stop(session: Session) -> None:
    """Ask the running answer of this tab to stop (it ends within a fraction of a second)."""
    session.stop_requested = True


def new_conversation(ui_lang: str, session: Session) -> tuple[list, str, str]:
    session.clear()
    return [], render.hint_html(t(ui_lang, "source_hint")), ""


def open_source(bot: Assistant, request: str, ui_lang: str, session: Session) -> Any:
    """The article behind a clicked ``[n]``, with the cited passage highlighted."""
    parsed = render.parse_cite_request(request)
    if parsed is None:
        return gr.update()
    source = session.source(*parsed)
    if source is None:
        return render.hint_html(t(ui_lang, "unknown_source"))
    try:
        article = bot.article_text(source.doc_id)
    except ArticleError:
        article = None  # removed from the library since: show the passage alone
    except Exception as exc:
        return render.error_html(readable(exc, ui_lang))
    return render.article_html(source, article, ui_lang)
