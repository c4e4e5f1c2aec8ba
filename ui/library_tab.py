"""The library tab's handlers: list the indexed articles, preview one, add files, remove one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag import Assistant
from rag.library import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from ui import render
from ui.chat import readable
from ui.session import PanelSource
from ui.texts import t

COLUMNS = ("col_title", "col_publisher", "col_date", "col_chunks", "col_id")


def upload_label(lang: str) -> str:
    return t(lang, "upload_label", types=", ".join(sorted(SUPPORTED_SUFFIXES)), mb=f"{MAX_FILE_BYTES / 1e6:.0f}")


def view(bot: Assistant, lang: str) -> tuple[str, Any, Any]:
    """(summary, table, choices of the "remove" list) for the library as it is now."""
    try:
        articles = bot.articles()
    except Exception as exc:
        message = render.error_html(readable(exc, lang))
        return message, {"headers": [t(lang, c) for c in COLUMNS], "data": []}, gr.update(choices=[])
    headers = [t(lang, c) for c in COLUMNS]
    rows = [[a.title, a.publisher or "", render.format_date(a.date, lang), a.chunks, a.doc_id] for a in articles]
    summary = (t(lang, "library_summary", articles=len(articles), chunks=sum(a.chunks for a in articles))
               if articles else t(lang, "library_empty"))
    choices = [(f"{a.title} ({a.doc_id})", a.doc_id) for a in articles]
    return summary, {"headers": headers, "data": rows}, gr.update(choices=choices, value=None)


def preview(bot: Assistant, lang: str, evt: gr.SelectData) -> tuple[str | dict[str, Any], dict[str, Any]]:
    """The selected row's article in the preview, and chosen in the "remove" list."""
    row = evt.row_value or []
    doc_id = str(row[-1]) if row else ""
    if not doc_id:
        return gr.update(), gr.update()
    try:
        info = next((a for a in bot.articles() if a.doc_id == doc_id), None)
        if info is None:
            return render.hint_html(t(lang, "unknown_source")), gr.update(value=None)
        text = bot.article_text(doc_id)
    except Exception as exc:
        return render.error_html(readable(exc, lang)), gr.update()
    source = PanelSource(doc_id=doc_id, title=info.title, text="", publisher=info.publisher, date=info.date)
    return render.article_html(source, text, lang), gr.update(value=doc_id)


def add(bot: Assistant, files: list[str] | None, lang: str,
        progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008 (Gradio finds this default, passes its tracker)
    """Check, copy and index uploaded files. Yields (result, summary, table, remove list, upload box)."""
    if not files:
        return (t(lang, "no_files"), gr.update(), gr.update(), gr.update(), gr.update())
    paths = [Path(f) for f in files]

    def report(done: int, total: int, name: str) -> None:
        progress((done, total), desc=t(lang, "adding", name=name) if name else None, unit="files")

    try:
        outcomes = bot.add_files(paths, names=[p.name for p in paths], progress=report)
        lines = [f"- {'✓' if o.ok else '✗'} {o.message}" for o in outcomes]
        message = "\n".join(lines)
    except Exception as exc:
        message = render.error_html(readable(exc, lang))
    return (message, *view(bot, lang), gr.update(value=None))


def remove(bot: Assistant, doc_id: str | None, lang: str) -> tuple:
    """Remove the chosen article. Returns (result, summary, table, remove list, preview)."""
    if doc_id == "":  # the confirmation was declined in the page
        return (gr.update(),) * 5
    if not doc_id:
        return (t(lang, "nothing_selected"), gr.update(), gr.update(), gr.update(), gr.update())
    try:
        removed = bot.remove_article(doc_id)
        message = t(lang, "removed", title=removed.title, chunks=removed.chunks)
        if removed.moved_to:
            message += " " + t(lang, "removed_file", path=removed.moved_to)
        elif removed.kept_in:
            message += " " + t(lang, "removed_kept", path=removed.kept_in)
    except Exception as exc:
        message = render.error_html(readable(exc, lang))
    return (message, *view(bot, lang), render.hint_html(t(lang, "preview_hint")))


def confirm_js(lang_of: dict[str, str]) -> str:
    """Page-side confirmation before removing: a declined one sends "" (ignored by :func:`remove`)."""
    return ("(doc, lang) => { if (!doc) return [doc, lang]; "
            f"const q = lang === 'en' ? {lang_of['en']!r} : {lang_of['id']!r}; "
            "return [window.confirm(q) ? doc : '', lang]; }")
