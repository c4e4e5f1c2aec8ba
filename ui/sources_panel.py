"""The source chooser above the question: restrict the next questions to chosen articles, publishers or
dates, shown as chips. The restriction is `rag`'s ``filters`` (``Assistant.ask``); this module only
offers the choices and shows them."""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag import Assistant
from ui import render
from ui.chat import filters_of, readable


def choices(bot: Assistant, lang: str) -> tuple[Any, Any]:
    """The articles (title · publisher · date) and the publishers of the library, to choose from."""
    try:
        articles = bot.articles()
    except Exception as exc:
        readable(exc, lang)
        return gr.update(), gr.update()
    listed = [(" · ".join(x for x in (a.title, a.publisher, render.format_date(a.date, lang)) if x), a.doc_id)
              for a in articles]
    publishers = sorted({a.publisher for a in articles if a.publisher}, key=str.lower)
    return gr.update(choices=listed), gr.update(choices=publishers)


def chips(bot: Assistant, articles: list[str] | None, publishers: list[str] | None, date_from: str | None,
          date_to: str | None, lang: str) -> str:
    """The chips of the restriction the next question will have."""
    filters = filters_of(articles, publishers, date_from, date_to)
    titles: dict[str, str] = {}
    if filters and filters.get("doc_id"):
        try:
            titles = {a.doc_id: a.title for a in bot.articles()}
        except Exception as exc:
            readable(exc, lang)
    return render.chips_html(filters, titles, lang)


def clear(lang: str) -> list[Any]:
    """Every source again: the choices emptied, the chips say so."""
    return [[], [], "", "", render.chips_html(None, {}, lang)]
