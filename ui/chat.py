"""The chat tab's handlers: ask (streamed), stop, new conversation, open a cited source."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag import ArticleError, Assistant, Checking, Final, TanyaError, Token, TurnStatus, Waiting
from rag.background import BackgroundStream
from rag.language import is_language
from ui import render
from ui.session import Session
from ui.texts import TEXTS, t

log = logging.getLogger("tanya.ui")

#: How often (seconds) the page checks for a stop request and updates the "reading" clock.
POLL_S = 0.25


def readable(exc: BaseException, lang: str) -> str:
    """What the page says about a failure: our own errors by their message, which says what to do (in English;
    on a page in another language after a headline in that language, :func:`error_headline`); anything else
    generically (the server log keeps the details)."""
    if isinstance(exc, TanyaError):
        log.warning("%s", exc)
        return str(exc) if lang == "en" else f"{error_headline(exc, lang)} {t(lang, 'details')}: {exc}"
    log.error("unexpected error", exc_info=exc)
    return t(lang, "error_generic")


def error_headline(exc: TanyaError, lang: str) -> str:
    """What kind of failure ``exc`` is, in ``lang``: the text of its class or of the nearest one above it."""
    return t(lang, next(f"error_{k.__name__}" for k in type(exc).__mro__ if f"error_{k.__name__}" in TEXTS[lang]))


def _assistant_message(html: str) -> dict[str, str]:
    return {"role": "assistant", "content": html}


def _buttons(answering: bool) -> tuple[Any, Any]:
    """Ask and Stop: one of them at a time."""
    return gr.update(visible=not answering), gr.update(visible=answering)


def filters_of(articles: list[str] | None, publishers: list[str] | None, date_from: str | None,
               date_to: str | None) -> dict[str, Any] | None:
    """The source chooser's values as `rag` filters (None: every article)."""
    filters: dict[str, Any] = {}
    if articles:
        filters["doc_id"] = list(articles)
    if publishers:
        filters["publisher"] = list(publishers)
    for key, value in (("date_from", date_from), ("date_to", date_to)):
        if value and value.strip():
            filters[key] = value.strip()
    return filters or None


def ask(bot: Assistant, question: str, chat: list | None, answer_language: str, ui_lang: str,
        session: Session, articles: list[str] | None = None, publishers: list[str] | None = None,
        date_from: str | None = None, date_to: str | None = None) -> Iterator[tuple]:
    """Stream one answer into the chat: a "reading the sources" clock, the words as they come, then the
    checked answer with clickable citations; the question restricted to the chosen sources. The question
    is saved before it is answered, the answer once it is complete. Yields (chat, question box, ask
    button, stop button, notice)."""
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
        yield from _answer(bot, question, chat, answer_language, ui_lang, session,
                           filters_of(articles, publishers, date_from, date_to))
    finally:
        session.answering = False


class _Saver:
    """Saves one turn of the tab's conversation as it happens; a failure to save is told, not raised."""

    def __init__(self, bot: Assistant, session: Session, ui_lang: str) -> None:
        self.store, self.session, self.ui_lang = bot.conversations, session, ui_lang
        self.position: int | None = None
        self.problem = ""

    def _try(self, write: Any) -> Any:
        try:
            return write()
        except Exception as exc:  # the answer is still shown; the notice says it was not saved
            self.problem = t(self.ui_lang, "save_failed", error=readable(exc, self.ui_lang))
            return None

    def question(self, question: str, filters: dict[str, Any] | None) -> int | None:
        def write() -> int:
            sid = self.session.conversation_id
            if sid is None or not self.store.exists(sid):
                self.session.conversation_id = sid = self.store.create().id
            return self.store.append_turn(sid, question, filters=filters)

        self.position = self._try(write)
        return self.position

    def finish(self, answer: Any = None, status: TurnStatus = TurnStatus.ANSWERED, partial: str = "") -> None:
        sid = self.session.conversation_id
        if self.position is not None and sid is not None:
            position = self.position
            self.position = None  # saved once
            self._try(lambda: self.store.finish_turn(sid, position, answer, status=status, partial=partial))


def _answer(bot: Assistant, question: str, chat: list, answer_language: str, ui_lang: str,
            session: Session, filters: dict[str, Any] | None = None) -> Iterator[tuple]:
    history = session.history()
    saver = _Saver(bot, session, ui_lang)
    turn = session.start(question, saver.question(question, filters))
    chat += [{"role": "user", "content": render.question_html(question)},
             _assistant_message(render.reading_html(ui_lang, 0))]
    yield (chat, "", *_buttons(True), saver.problem)

    language = answer_language if is_language(answer_language) else None
    stream: BackgroundStream | None = None
    text, started, shown, ahead, checking = "", time.monotonic(), 0, 0, False
    try:
        engine = bot.with_settings(**session.settings)
        stopping = threading.Event()  # Stop ends the answer at once, even while the model reads the prompt
        stream = BackgroundStream(lambda: engine.events(question, history, language=language, filters=filters,
                                                        stop=stopping), stop=stopping)
        for event in stream.poll(POLL_S):
            if session.stop_requested:
                stream.stop()
                saver.finish(status=TurnStatus.STOPPED, partial=text)
                chat[-1] = _assistant_message(render.stopped_html(ui_lang, text))
                yield (chat, "", *_buttons(False), saver.problem)
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
                saver.finish(event.answer)
                render.register_sources(turn, event.answer)
                turn.answer = event.answer.text
                chat[-1] = _assistant_message(render.answer_html(event.answer, turn, ui_lang))
                yield (chat, "", *_buttons(False), saver.problem)
    except Exception as exc:  # shown in the chat; never a stack trace in the page
        message = readable(exc, ui_lang)
        saver.finish(status=TurnStatus.FAILED, partial=message)
        chat[-1] = _assistant_message(render.error_html(message))
        yield (chat, "", *_buttons(False), saver.problem)
    finally:
        if stream is not None:
            stream.stop()  # the page went away, or we are done: let the engine's thread finish


def stop(session: Session) -> None:
    """Ask the running answer of this tab to stop (it ends within a fraction of a second)."""
    session.stop_requested = True


def new_conversation(ui_lang: str, session: Session) -> tuple[list, str, str]:
    """An empty chat; the next question starts a new saved conversation."""
    session.clear()
    return [], render.hint_html(t(ui_lang, "source_hint")), ""


def restore(conversation: Any, ui_lang: str, session: Session) -> list[dict[str, str]]:
    """The chat messages of a saved `rag.Conversation`, its turns made this tab's (their links work again)."""
    session.clear(conversation.id)
    chat: list[dict[str, str]] = []
    for saved in conversation.turns:
        turn = session.start(saved.question, saved.position)
        chat.append({"role": "user", "content": render.question_html(saved.question)})
        if saved.answer is not None:
            render.register_sources(turn, saved.answer)
            turn.answer = saved.answer.text
            html = render.answer_html(saved.answer, turn, ui_lang)
        elif saved.status is TurnStatus.STOPPED:
            html = render.stopped_html(ui_lang, saved.partial)
        elif saved.status is TurnStatus.FAILED:
            html = render.error_html(saved.partial)
        else:
            html = render.unfinished_html(ui_lang)
        chat.append(_assistant_message(html))
    return chat


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
