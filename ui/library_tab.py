"""The library tab's handlers: list the indexed articles, preview one, add files, remove one."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Assistant, TanyaError
from rag.library import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, FileOutcome, RemovedArticle
from ui import render
from ui.chat import error_headline, readable
from ui.session import PanelSource, Session
from ui.texts import TEXTS, t

#: The table's columns: what a person reads (no ids: a row is found again by its values, :func:`row_article`).
COLUMNS = ("col_title", "col_publisher", "col_date", "col_chunks")


def upload_label(lang: str) -> str:
    return t(lang, "upload_label", types=", ".join(sorted(SUPPORTED_SUFFIXES)), mb=f"{MAX_FILE_BYTES / 1e6:.0f}")


def view(bot: Assistant, lang: str, session: Session | None = None) -> tuple[str, Any, Any]:
    """(summary, table, choices of the "remove" list) for the library as it is now, the table filtered by the
    tab's search (:func:`search`)."""
    query = session.library_query if session is not None else ""
    try:
        articles = bot.articles()
    except Exception as exc:
        message = error_message(exc, lang)
        return message, {"headers": [t(lang, c) for c in COLUMNS], "data": []}, gr.update(choices=[])
    headers = [t(lang, c) for c in COLUMNS]
    hits = [a for a in articles if matches([*_row(a, lang), a.doc_id], query)]
    shown = [_row(a, lang) for a in hits]
    summary = (t(lang, "library_summary", articles=len(articles), chunks=sum(a.chunks for a in articles))
               if articles else t(lang, "library_empty"))
    if query.strip() and articles:
        summary += " " + t(lang, "library_found", shown=len(shown), query=query.strip())
    choices = [(_choice_label(a, articles), a.doc_id) for a in hits]
    return summary, {"headers": headers, "data": shown}, gr.update(choices=choices, value=None)


def _row(article: Any, lang: str) -> list[Any]:
    return [article.title, article.publisher or "", render.format_date(article.date, lang), article.chunks]


def row_article(articles: list[Any], row: list[Any], lang: str) -> Any | None:
    """The article a row of the table shows (the first, should two show alike), or None."""
    wanted = [str(cell) for cell in row]
    return next((a for a in articles if [str(cell) for cell in _row(a, lang)] == wanted), None)


def matches(row: list[Any], query: str) -> bool:
    """Whether a row of the table holds every word of ``query`` (in any column, any case)."""
    text = " ".join(str(cell) for cell in row).casefold()
    return all(word in text for word in query.casefold().split())


def _choice_label(article: Any, articles: list[Any]) -> str:
    """The article's title in the "remove" list; its id only where another article has the same title."""
    twins = sum(1 for a in articles if a.title == article.title)
    return f"{article.title} ({article.doc_id})" if twins > 1 else article.title


def search(bot: Assistant, query: str | None, lang: str, session: Session) -> tuple[str, Any, Any]:
    """The library table filtered to the rows holding every word of ``query`` (remembered by the tab)."""
    session.library_query = query or ""
    return view(bot, lang, session)


def preview(bot: Assistant, lang: str, evt: gr.SelectData) -> tuple[str | dict[str, Any], dict[str, Any]]:
    """The selected row's article in the preview, and chosen in the "remove" list."""
    row = evt.row_value or []
    if not row:
        return gr.update(), gr.update()
    try:
        info = row_article(bot.articles(), row, lang)
        if info is None:
            return render.hint_html(t(lang, "unknown_source")), gr.update(value=None)
        doc_id = info.doc_id
        text = bot.article_text(doc_id)
    except Exception as exc:
        return error_message(exc, lang), gr.update()
    source = PanelSource(doc_id=doc_id, title=info.title, text="", publisher=info.publisher, date=info.date)
    return render.article_html(source, text, lang), gr.update(value=doc_id)


def add(bot: Assistant, files: list[str] | None, lang: str, session: Session | None = None,
        progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008 (Gradio finds this default, passes its tracker)
    """Check, copy and index uploaded files. Yields (result, summary, table, remove list, upload box). The result
    is remembered in ``session``, to be said again in another interface language (:func:`results`)."""
    if not files:
        return (t(lang, "no_files"), gr.update(), gr.update(), gr.update(), gr.update())
    paths = [Path(f) for f in files]

    def report(done: int, total: int, name: str) -> None:
        progress((done, total), desc=t(lang, "adding", name=name) if name else None, unit="files")

    try:
        outcomes = bot.add_files(paths, names=[p.name for p in paths], progress=report)
        said: Callable[[str], str] = partial(outcomes_markdown, outcomes)
    except Exception as exc:
        said = partial(error_message, exc)
    return (_remember(session, "add", said)(lang), *view(bot, lang, session), gr.update(value=None))


def _remember(session: Session | None, what: str, said: Callable[[str], str]) -> Callable[[str], str]:
    if session is not None:
        session.said[what] = said
    return said


def results(session: Session, lang: str) -> tuple[str, str]:
    """The last results of adding and removing, said again in ``lang`` (after a switch of language)."""
    added, removed = session.said.get("add"), session.said.get("remove")
    return (added(lang) if added else "", removed(lang) if removed else "")


#: The value of each kind of outcome that is a detail in English (a reader's reason, the system's error).
_DETAIL = {"refused": "reason", "refused_none_indexed": "reason", "refused_unreadable": "error",
           "refused_unsaved": "error", "many": "skips"}


def outcome_line(outcome: FileOutcome, lang: str) -> str:
    """What adding one file did, as a Markdown list item in ``lang`` (from the outcome's key and values)."""
    mark = "✓" if outcome.ok else "✗"
    values = dict(outcome.values)
    detail = str(values.get(_DETAIL.get(outcome.key, ""), "") or "")
    if outcome.key == "many" and not values.get("skipped"):
        detail = ""
    if f"up_{outcome.key}" not in TEXTS[lang] or (detail and lang == "en"):
        return f"- {mark} {outcome.message}"  # as the engine says it: in English, with its details
    renamed = t(lang, f"up_renamed_{values['renamed']}", saved_as=values["saved_as"]) if values.get("renamed") else ""
    counts = ", ".join(t(lang, f"up_count_{k}", n=values[k]) for k in ("added", "updated", "unchanged")
                       if values.get(k))
    text = t(lang, f"up_{outcome.key}", **{**values, "renamed": renamed, "counts": counts})
    if outcome.key == "many" and values.get("skipped"):
        text += " " + t(lang, "up_skipped", skipped=values["skipped"])
    # the engine's details (English) folded away, so that the page speaks one language at a time
    return f"- {mark} {text}" + (" " + render.details_html(detail, t(lang, "details")) if detail else "")


def outcomes_markdown(outcomes: list[FileOutcome], lang: str) -> str:
    """Every file's outcome, a line each."""
    return "\n".join(outcome_line(o, lang) for o in outcomes)


def error_message(exc: BaseException, lang: str) -> str:
    """A failure of the library as the page shows it: in English the engine's own message; in another
    language the kind of failure in that language, the engine's message folded under it."""
    if lang == "en" or not isinstance(exc, TanyaError):
        return render.error_html(readable(exc, lang))
    readable(exc, lang)  # logged as every failure shown
    return render.error_html(error_headline(exc, lang), str(exc), t(lang, "details"))


def remove(bot: Assistant, doc_id: str | None, lang: str, session: Session | None = None) -> tuple:
    """Remove the chosen article. Returns (result, summary, table, remove list, preview); the result is
    remembered in ``session`` as :func:`add`'s."""
    if doc_id == "":  # the confirmation was declined in the page
        return (gr.update(),) * 5
    if not doc_id:
        return (t(lang, "nothing_selected"), gr.update(), gr.update(), gr.update(), gr.update())
    try:
        said: Callable[[str], str] = partial(removed_markdown, bot.remove_article(doc_id))
    except Exception as exc:
        said = partial(error_message, exc)
    return (_remember(session, "remove", said)(lang), *view(bot, lang, session),
            render.hint_html(t(lang, "preview_hint")))


def removed_markdown(removed: RemovedArticle, lang: str) -> str:
    message = t(lang, "removed", title=removed.title, chunks=removed.chunks)
    if removed.moved_to:
        message += " " + t(lang, "removed_file", path=removed.moved_to)
    elif removed.kept_in:
        message += " " + t(lang, "removed_kept", path=removed.kept_in)
    return message


def confirm_js(lang_of: dict[str, str]) -> str:
    """Page-side confirmation before removing: a declined one sends "" (ignored by :func:`remove`)."""
    return ("(doc, lang, ...rest) => { if (!doc) return [doc, lang, ...rest]; "
            f"const q = lang === 'en' ? {lang_of['en']!r} : {lang_of['id']!r}; "
            "return [window.confirm(q) ? doc : '', lang, ...rest]; }")
