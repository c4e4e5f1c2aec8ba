"""A conversation, or one answer, as Markdown and as JSON: to keep, share or check later.

Each answer comes with every citation: the article's title, publisher and date, the cited
sentences as they are in the article, the article's URL (when its file gave one) or the file it
was indexed from, and for a PDF the pages. JSON has a ``format`` and ``version`` so that a reader
can tell what it holds; Markdown is for people (its labels in English or Indonesian).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rag.answer import Answer, Citation
from rag.conversations import Conversation, ConversationTurn, TurnStatus

__all__ = ["EXPORT_FORMAT", "EXPORT_VERSION", "answer_json", "answer_markdown", "conversation_json",
           "conversation_markdown", "export_filename"]

EXPORT_FORMAT = "tanya-berita"
EXPORT_VERSION = 1

LABELS = {
    "en": {"sources": "Sources", "restricted": "Restricted to", "articles": "articles", "publishers": "publishers",
           "from": "from", "to": "to", "not_found": "Not found in the sources",
           "unconfirmed": "Not confirmed by the sources", "page": "p.", "pages": "pp.",
           "file": "File", "unfinished": "(unfinished: no checked answer was saved)",
           "stopped": "(stopped before the answer was complete; not checked)", "failed": "(failed)",
           "exported": "Exported from Tanya Berita", "question": "Question"},
    "id": {"sources": "Sumber", "restricted": "Dibatasi pada", "articles": "artikel", "publishers": "penerbit",
           "from": "dari", "to": "sampai", "not_found": "Tidak ditemukan di sumber",
           "unconfirmed": "Tidak dapat dipastikan dari sumber", "page": "hlm.",
           "pages": "hlm.", "file": "Berkas", "unfinished": "(belum selesai: tidak ada jawaban teruji yang tersimpan)",
           "stopped": "(dihentikan sebelum jawaban selesai; belum diperiksa)", "failed": "(gagal)",
           "exported": "Diekspor dari Tanya Berita", "question": "Pertanyaan"},
}


def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def _iso(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds else None


# JSON -------------------------------------------------------------------------------------------
def citation_data(c: Citation) -> dict[str, Any]:
    """One citation as export data."""
    return {"number": c.number, "title": c.title, "publisher": c.publisher, "date": c.date,
            "sentences": list(c.quotes) or [c.text], "url": c.url, "file": c.file, "pages": list(c.pages),
            "doc_id": c.doc_id}


def answer_data(answer: Answer) -> dict[str, Any]:
    """An answer as export data: its text, whether and why it is an abstention, its citations."""
    return {"text": answer.text, "language": answer.language, "abstained": answer.abstained,
            "abstention": answer.abstention.value if answer.abstention else None,
            "citations": [citation_data(c) for c in answer.citations]}


def _turn_data(turn: ConversationTurn) -> dict[str, Any]:
    return {"position": turn.position, "question": turn.question, "status": turn.status.value,
            "asked": _iso(turn.asked), "filters": turn.filters,
            "answer": answer_data(turn.answer) if turn.answer else None, "partial": turn.partial or None}


def _envelope(kind: str) -> dict[str, Any]:
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "kind": kind,
            "exported": datetime.now(UTC).isoformat(timespec="seconds")}


def conversation_json(conversation: Conversation) -> str:
    """The conversation as a JSON document: every question, answer and citation."""
    data = {**_envelope("conversation"), "id": conversation.id, "title": conversation.title,
            "created": _iso(conversation.created), "turns": [_turn_data(t) for t in conversation.turns]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def answer_json(question: str, answer: Answer, filters: dict[str, Any] | None = None) -> str:
    """One answer, with its question, as a JSON document."""
    data = {**_envelope("answer"), "question": question, "filters": filters if filters is not None else answer.filters,
            "answer": answer_data(answer)}
    return json.dumps(data, ensure_ascii=False, indent=2)


# Markdown -----------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """Text safe inside Markdown: characters that would start markup escaped."""
    out = text
    for ch in "\\`*_<>":
        out = out.replace(ch, "\\" + ch)
    return out


def pages_label(pages: tuple[int, ...] | list[int], lang: str) -> str:
    """"p. 3" or "pp. 3–4" ("hlm." in Indonesian); "" without pages."""
    if not pages:
        return ""
    labels = _labels(lang)
    first, last = min(pages), max(pages)
    return f"{labels['page']} {first}" if first == last else f"{labels['pages']} {first}–{last}"


def _origin(c: Citation, lang: str) -> str:
    if c.url:
        return f"<{c.url}>"
    if c.file:
        return f"{_labels(lang)['file']}: `{c.file.replace('`', '')}`"
    return f"`{c.doc_id}`"


def _citation_markdown(c: Citation, lang: str) -> list[str]:
    head = " — ".join(x for x in (f"**{_md(c.title)}**", ", ".join(_md(x) for x in (c.publisher, c.date) if x),
                                  pages_label(c.pages, lang)) if x)
    lines = [f"{c.number}. {head}"]
    lines += [f"   > {_md(sentence)}" for sentence in (c.quotes or (c.text,))]
    lines.append(f"   {_origin(c, lang)}")
    return lines


def _filters_markdown(filters: dict[str, Any] | None, lang: str) -> list[str]:
    if not filters:
        return []
    labels, parts = _labels(lang), []
    for key, name in (("doc_id", "articles"), ("publisher", "publishers"), ("title", "articles")):
        value = filters.get(key)
        if value:
            values = [value] if isinstance(value, str) else list(value)
            parts.append(f"{labels[name]} " + ", ".join(f"`{v}`" if key == "doc_id" else _md(v) for v in values))
    if filters.get("date_from"):
        parts.append(f"{labels['from']} {filters['date_from']}")
    if filters.get("date_to"):
        parts.append(f"{labels['to']} {filters['date_to']}")
    return [f"*{labels['restricted']}: {'; '.join(parts)}*", ""] if parts else []


def _answer_markdown(answer: Answer, lang: str) -> list[str]:
    labels = _labels(lang)
    label = labels["unconfirmed" if answer.unconfirmed else "not_found"]
    lines = [f"**{label}.**", ""] if answer.abstained else []
    lines += [_md(answer.text.strip()), ""]
    if answer.citations:
        lines += [f"**{labels['sources']}**", ""]
        for c in answer.citations:
            lines += _citation_markdown(c, lang)
        lines.append("")
    return lines


def answer_markdown(question: str, answer: Answer, lang: str = "en", filters: dict[str, Any] | None = None) -> str:
    """One answer, with its question and sources, as Markdown."""
    lines = [f"## {_md(question)}", "", *_filters_markdown(filters if filters is not None else answer.filters, lang),
             *_answer_markdown(answer, lang)]
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(conversation: Conversation, lang: str = "en") -> str:
    """The conversation as Markdown: a section per question, its answer, its numbered sources."""
    labels = _labels(lang)
    created = _iso(conversation.created) or ""
    lines = [f"# {_md(conversation.title or labels['question'])}", "", f"*{labels['exported']} · {created[:10]}*", ""]
    for turn in conversation.turns:
        lines += [f"## {turn.position}. {_md(turn.question)}", "", *_filters_markdown(turn.filters, lang)]
        if turn.answer is not None:
            lines += _answer_markdown(turn.answer, lang)
        elif turn.status is TurnStatus.PENDING:
            lines += [f"*{labels['unfinished']}*", ""]
        else:
            if turn.partial:
                lines += [_md(turn.partial.strip()), ""]
            lines += [f"*{labels[turn.status.value]}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def export_filename(title: str, suffix: str) -> str:
    """A file name for an export: the title's words (letters and digits), then ``suffix`` (".md", ".json")."""
    words = "".join(ch if ch.isalnum() else " " for ch in title.lower()).split()
    return ("-".join(words)[:60].rstrip("-") or "tanya-berita") + suffix
