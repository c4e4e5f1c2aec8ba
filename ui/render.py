"""HTML for the page: chat messages (answers, abstentions, errors), sources and the article view.

Chat messages are single-line HTML blocks, so the chat's Markdown renderer passes
them through untouched. Links to sources look like ``#tb-cite-<turn>-<key>``;
ui/static/tanya.js turns a click on one into a request for the source panel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date as Date
from html import escape
from typing import Any

from rag.export import answer_json, answer_markdown, export_filename
from ui.highlight import find_spans
from ui.session import PanelSource, Turn
from ui.texts import t

CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
SNIPPET_CHARS = 220
CLOSEST_PASSAGES = 3

_MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def _one_line(html: str) -> str:
    return html.replace("\r", "").replace("\n", "")


def _text(text: str, strip: bool = True) -> str:
    """Escaped text with its line breaks, for inside a one-line HTML block."""
    return "<br>".join(escape(line) for line in (text.strip() if strip else text).split("\n"))


def format_date(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    try:
        d = Date.fromisoformat(iso)
    except ValueError:
        return iso
    month = _MONTHS.get(lang, _MONTHS["id"])[d.month - 1]
    return f"{d.day} {month} {d.year}" if lang == "id" else f"{month} {d.day}, {d.year}"


def meta_line(publisher: str | None, date: str | None, lang: str, *extra: str) -> str:
    return " · ".join(escape(x) for x in (publisher, format_date(date, lang), *extra) if x)


def pages_text(pages: tuple[int, ...], lang: str) -> str:
    """"p. 3" or "p. 3–4" (Indonesian "hlm."); "" without pages."""
    if not pages:
        return ""
    first, last = min(pages), max(pages)
    return f"{t(lang, 'page')} {first}" + (f"–{last}" if last != first else "")


def original_link(source: PanelSource, lang: str) -> str:
    """A link to the article on the web, opened in a new tab, when its address is known; else ""."""
    if not source.url or not re.match(r"https?://", source.url, re.IGNORECASE):
        return ""
    return (f'<a class="tb-original" href="{escape(source.url)}" target="_blank" rel="noopener noreferrer">'
            f'{escape(t(lang, "open_original"))} ↗</a>')


def cite_href(turn_id: int, key: str) -> str:
    return f"#tb-cite-{turn_id}-{key}"


def parse_cite_request(value: str | None) -> tuple[int, str] | None:
    """``"<turn>:<key>[:<nonce>]"`` (what the page sends when a source link is clicked) -> (turn, key)."""
    parts = (value or "").split(":")
    if len(parts) < 2 or not parts[0].isdigit() or not re.fullmatch(r"p?\d{1,3}", parts[1]):
        return None
    return int(parts[0]), parts[1]


def _link(turn: Turn, key: str, label: str, css: str = "tb-cite") -> str:
    source = turn.sources.get(key)
    if source is None:
        return escape(label)
    return f'<a class="{css}" href="{cite_href(turn.id, key)}" title="{escape(source.title)}">{escape(label)}</a>'


def linked_text(text: str, turn: Turn) -> str:
    """Answer text with every ``[n]`` (and ``[n, m]``) a link to its source."""
    def numbers(match: re.Match) -> str:
        return "".join(_link(turn, n.strip(), f"[{n.strip()}]", "tb-cite tb-num") for n in match.group(1).split(","))

    text, out, last = text.strip(), [], 0
    for match in CITATION.finditer(text):
        out.append(_text(text[last:match.start()], strip=False))
        out.append(numbers(match))
        last = match.end()
    out.append(_text(text[last:], strip=False))
    return "".join(out)


# Chat messages -------------------------------------------------------------------------
def question_html(question: str) -> str:
    return _one_line(f'<div class="tb-question">{_text(question)}</div>')


def reading_html(lang: str, seconds: int, ahead: int = 0, checking: bool = False) -> str:
    """The answer's place while nothing is shown yet: reading the sources, waiting for the model while
    ``ahead`` other questions are answered first, or (``checking``) checking what the model writes."""
    clock = f" {seconds} s" if seconds else ""
    status = t(lang, "queued").format(n=ahead) if ahead else t(lang, "checking" if checking else "reading")
    return _one_line(
        f'<div class="tb-answer tb-pending{" tb-checking" if checking else ""}">'
        f'<span class="tb-spinner" aria-hidden="true"></span>'
        f'<span class="tb-status">{escape(status)}{clock}</span>'
        f'<div class="tb-note">{escape(t(lang, "reading_hint"))}</div></div>')


def streaming_html(lang: str, text: str) -> str:
    return _one_line(
        f'<div class="tb-answer tb-streaming">'
        f'<div class="tb-text">{_text(text)}<span class="tb-cursor">▍</span></div>'
        f'<div class="tb-note">{escape(t(lang, "writing"))}</div></div>')


def stopped_html(lang: str, text: str) -> str:
    body = f'<div class="tb-text">{_text(text)}</div>' if text.strip() else ""
    return _one_line(f'<div class="tb-answer tb-stopped">{body}'
                     f'<div class="tb-badge">{escape(t(lang, "stopped"))}</div></div>')


def error_html(message: str, detail: str = "", detail_label: str = "") -> str:
    """An error box; ``detail`` (in English, from the engine) folded under ``detail_label``."""
    return _one_line(f'<div class="tb-answer tb-error" role="alert">'
                     f'<div class="tb-text"><strong>⚠</strong> {_text(message)}</div>'
                     f'{details_html(detail, detail_label)}</div>')


def details_html(detail: str, label: str) -> str:
    """``detail`` folded away under ``label`` (nothing for no detail)."""
    if not detail:
        return ""
    return f'<details class="tb-details"><summary>{escape(label)}</summary>{_text(detail)}</details>'


def register_sources(turn: Turn, answer: Any) -> None:
    """Give the turn its link targets: ``"n"`` for citation [n], ``"p1"``... for the closest passages
    of an abstention."""
    turn.sources = {str(c.number): PanelSource.of(c, label=f"[{c.number}]") for c in answer.citations}
    if answer.abstained:
        quoted = {q for c in answer.citations for q in c.quotes}
        seen: set[str] = set()
        for passage in answer.passages:
            best = max(getattr(passage, "sentences", ()) or (), key=lambda s: s.score, default=None)
            if passage.id in seen or len(seen) >= CLOSEST_PASSAGES or (best is not None and best.text in quoted):
                continue  # each passage once: not again when the abstention quotes it as [1]
            seen.add(passage.id)
            source = PanelSource.of(passage)
            if best is not None:  # highlighted: the sentence closest to the question, not the whole chunk
                source = replace(source, quotes=(best.text,))
            turn.sources[f"p{len(seen)}"] = source


def _snippet(source: PanelSource) -> str:
    text = " ".join(source.quotes) if source.quotes else source.text
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def _source_items(turn: Turn, keys: Iterable[str], lang: str) -> str:
    items = []
    for key in keys:
        s = turn.sources[key]
        number = _link(turn, key, s.label, "tb-cite tb-num") + " " if s.label else ""
        original = original_link(s, lang)
        items.append(f'<li>{number}{_link(turn, key, s.title, "tb-cite tb-source-title")}'
                     f' <span class="tb-meta">{meta_line(s.publisher, s.date, lang, pages_text(s.pages, lang))}</span>'
                     + (f' <span class="tb-meta">{original}</span>' if original else "")
                     + f'<div class="tb-snippet">“{escape(_snippet(s))}”</div></li>')
    return "".join(items)


def plain_text(answer: Any, lang: str) -> str:
    """The answer and its sources as plain text, for the clipboard."""
    lines = [answer.text.strip()]
    if answer.citations:
        lines += ["", t(lang, "sources") + ":"]
        for c in answer.citations:
            origin = ", ".join(x for x in (c.publisher, format_date(c.date, lang)) if x)
            lines.append(f"[{c.number}] {c.title}" + (f" ({origin})" if origin else "") + f" [{c.doc_id}]")
            lines.append(f"    “{_snippet(PanelSource.of(c))}”")
            where = c.url or (f"{t(lang, 'file')}: {c.file}" if c.file else "")
            if where:
                lines.append(f"    {where}" + (f", {pages_text(c.pages, lang)}" if c.pages else ""))
    return "\n".join(lines)


def answer_html(answer: Any, turn: Turn, lang: str) -> str:
    """A checked answer (or abstention) with clickable citations, its sources and a copy link."""
    citations = [k for k in turn.sources if not k.startswith("p")]
    closest = [k for k in turn.sources if k.startswith("p")]
    parts = []
    unconfirmed = answer.unconfirmed  # an answer was looked for, none could be confirmed
    if answer.abstained:
        label = t(lang, "unconfirmed_label" if unconfirmed else "abstain_label")
        parts.append(f'<div class="tb-badge"><span class="tb-pill">{escape(label)}</span></div>')
    parts.append(f'<div class="tb-text">{linked_text(answer.text, turn)}</div>')
    if citations:
        parts.append(f'<div class="tb-sources"><div class="tb-sources-title">{escape(t(lang, "sources"))}</div>'
                     f'<ul>{_source_items(turn, citations, lang)}</ul></div>')
    if closest:
        title = t(lang, "closest_unconfirmed" if unconfirmed else "closest")
        parts.append(f'<div class="tb-sources tb-closest"><div class="tb-sources-title">{escape(title)}'
                     f'</div><ul>{_source_items(turn, closest, lang)}</ul></div>')
    copy = _hidden_link("tb-copy", f"#tb-copy-{turn.id}", t(lang, "copy"), plain_text(answer, lang))
    parts.append(f'<div class="tb-actions">{copy} · {escape(t(lang, "download"))}: {_downloads(answer, turn, lang)}'
                 f'</div>')
    kind = "tb-abstain" if answer.abstained else "tb-answered"
    return _one_line(f'<div class="tb-answer {kind}" id="tb-turn-{turn.id}">{"".join(parts)}</div>')


def _hidden_link(css: str, href: str, label: str, payload: str, name: str = "") -> str:
    """A link whose text to copy or download (and file name) travel hidden beside it (ui/static/tanya.js)."""
    text = escape(payload).replace("\n", "&#10;")
    named = f'<span class="tb-filename">{escape(name)}</span>' if name else ""
    return (f'<span class="tb-hidden-link"><a class="{css}" href="{href}">{escape(label)}</a>'
            f'<span class="tb-copytext">{text}</span>{named}</span>')


def _downloads(answer: Any, turn: Turn, lang: str) -> str:
    """Links that download this answer, with its question and sources, as Markdown and as JSON."""
    name = export_filename(turn.question, "")
    return (_hidden_link("tb-download", f"#tb-download-md-{turn.id}", "Markdown",
                         answer_markdown(turn.question, answer, lang), name + ".md") + " · "
            + _hidden_link("tb-download", f"#tb-download-json-{turn.id}", "JSON", answer_json(turn.question, answer),
                           name + ".json"))


def unfinished_html(lang: str) -> str:
    """A saved question whose answer was never finished (the server stopped while writing it)."""
    return _one_line(f'<div class="tb-answer tb-unfinished"><div class="tb-badge">{escape(t(lang, "unfinished"))}'
                     f'</div></div>')


def chips_html(filters: dict[str, Any] | None, titles: dict[str, str], lang: str) -> str:
    """The restriction of the next question as chips ("every article" when there is none)."""
    chips: list[str] = []
    for doc_id in (filters or {}).get("doc_id", []):
        chips.append(f'<span class="tb-chip tb-chip-article" title="{escape(doc_id)}">'
                     f'{escape(titles.get(doc_id, doc_id))}</span>')
    for publisher in (filters or {}).get("publisher", []):
        chips.append(f'<span class="tb-chip tb-chip-publisher">{escape(publisher)}</span>')
    for key, word in (("date_from", "chip_from"), ("date_to", "chip_to")):
        if (filters or {}).get(key):
            chips.append(f'<span class="tb-chip tb-chip-date">{escape(t(lang, word))} '
                         f'{escape(format_date(filters[key], lang))}</span>')  # type: ignore[index]
    if not chips:
        chips.append(f'<span class="tb-chip tb-chip-all">{escape(t(lang, "chips_all"))}</span>')
    return (f'<div class="tb-chips" role="status" aria-label="{escape(t(lang, "chips_label"))}">'
            f'<span class="tb-chips-label">{escape(t(lang, "chips_label"))}:</span> {"".join(chips)}</div>')


# The source panel and the library preview --------------------------------------------------
def hint_html(message: str) -> str:
    return f'<div class="tb-panel-hint">{escape(message)}</div>'


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for i, (start, end) in enumerate(spans):
        out.append(escape(text[last:start]))
        first = ' id="tb-first-mark"' if i == 0 else ""
        out.append(f'<mark class="tb-mark"{first}>{escape(text[start:end])}</mark>')
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def article_html(source: PanelSource, article: str | None, lang: str) -> str:
    """An article with the source's passage highlighted (``article`` None: the article is gone)."""
    kicker = f'<div class="tb-kicker">{escape(source.label)}</div>' if source.label else ""
    original = original_link(source, lang)
    file_name = (source.file or "").replace("\\", "/").rsplit("/", 1)[-1]  # (the server's folders stay private)
    where = original or (f'<span class="tb-file">{escape(t(lang, "file"))}: <code>{escape(file_name)}</code></span>'
                         if file_name else "")
    meta = meta_line(source.publisher, source.date, lang, pages_text(source.pages, lang), source.doc_id)
    head = (f'<div class="tb-article-head">{kicker}<h3>{escape(source.title)}</h3><div class="tb-meta">{meta}</div>'
            + (f'<div class="tb-meta tb-origin">{where}</div>' if where else "") + '</div>')
    passage = f'<blockquote class="tb-passage">{_text(" ".join(source.quotes) or source.text)}</blockquote>'
    if article is None:
        gone = escape(t(lang, "article_gone"))
        return f'<div class="tb-article">{head}<div class="tb-note">{gone}</div>{passage}</div>'
    spans = find_spans(article, source.quotes or (source.text,)) if (source.quotes or source.text) else []
    if spans:
        note = f'<div class="tb-note">{escape(t(lang, "cited_passage"))}</div>'
    elif source.text:
        note = f'<div class="tb-note">{escape(t(lang, "passage_not_found"))}</div>{passage}'
    else:
        note = ""
    return (f'<div class="tb-article">{head}{note}'
            f'<div class="tb-article-text">{_marked(article, spans)}</div></div>')
