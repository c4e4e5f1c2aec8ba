"""The saved conversations beside the chat: reopen, rename, delete, download; and the one in the page's
address (``?c=<id>``), brought back by a reload or after a server restart.

Everything is kept by `rag` (``Assistant.conversations``, `rag.export`); this module only shows it.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Assistant, ConversationError, conversation_json, conversation_markdown
from rag.export import export_filename
from ui import chat, render
from ui.session import Session
from ui.texts import t

#: Where the conversation downloads are written before the page serves them.
EXPORT_DIR = Path(tempfile.gettempdir()) / "tanya-berita-exports"

#: After the conversation changes: its id in the page's address, so that a reload brings it back.
URL_JS = """(id) => {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set('c', id); else url.searchParams.delete('c');
  window.history.replaceState(null, '', url);
  return id;
}"""


def choices(bot: Assistant, lang: str) -> list[tuple[str, str]]:
    """The saved conversations, most recent first, as (title · date, id)."""
    return [(f"{s.title or '…'} · {render.format_date(datetime.fromtimestamp(s.updated).date().isoformat(), lang)}",
             s.id) for s in bot.conversations.list()]


def _downloads(bot: Assistant, lang: str, conversation_id: str | None) -> tuple[Any, Any]:
    """The two download buttons: the conversation written as Markdown and JSON, or hidden without one."""
    if conversation_id is None:
        return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
    conversation = bot.conversations.load(conversation_id)
    if not conversation.turns:
        return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
    folder = EXPORT_DIR / conversation.id
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / export_filename(conversation.title, ".md")
    md.write_text(conversation_markdown(conversation, lang), encoding="utf-8")
    js = folder / export_filename(conversation.title, ".json")
    js.write_text(conversation_json(conversation), encoding="utf-8")
    return (gr.update(value=str(md), visible=True, label=t(lang, "export_md")),
            gr.update(value=str(js), visible=True, label=t(lang, "export_json")))


def state(bot: Assistant, lang: str, session: Session) -> list[Any]:
    """(conversation list, the id in the address, the name box, Markdown download, JSON download) as the tab
    is now."""
    cid = session.conversation_id
    try:
        listed = choices(bot, lang)
        title = next((label.rsplit(" · ", 1)[0] for label, i in listed if i == cid), "")
        downloads = _downloads(bot, lang, cid)
    except Exception as exc:  # the conversations file unreadable: said in the list's place
        chat.readable(exc, lang)
        return [gr.update(choices=[], value=None), cid or "", "", *_downloads(bot, lang, None)]
    return [gr.update(choices=listed, value=cid if any(i == cid for _, i in listed) else None), cid or "",
            title, *downloads]


def _shown(bot: Assistant, conversation_id: str, lang: str, session: Session) -> tuple[list, str]:
    """The saved conversation in the chat (and the tab writing to it), or an empty chat and why."""
    try:
        conversation = bot.conversations.load(conversation_id)
    except ConversationError as exc:
        session.clear()
        return [], str(exc)
    except Exception as exc:
        session.clear()
        return [], chat.readable(exc, lang)
    return chat.restore(conversation, lang, session), ""


def open_conversation(bot: Assistant, conversation_id: str | None, lang: str, session: Session) -> list[Any]:
    """Reopen a saved conversation: (chat, source panel, notice, *state)."""
    if session.answering:
        return [gr.update(), gr.update(), t(lang, "busy"), *state(bot, lang, session)]
    if not conversation_id:
        messages, notice = chat.new_conversation(lang, session)[0], ""
    else:
        messages, notice = _shown(bot, conversation_id, lang, session)
    return [messages, render.hint_html(t(lang, "source_hint")), notice, *state(bot, lang, session)]


def from_address(bot: Assistant, request: gr.Request | None, lang: str, session: Session) -> list[Any]:
    """On page load: the conversation named in the address (``?c=<id>``), if any: (chat, notice, *state)."""
    cid = request.query_params.get("c") if request is not None else None
    messages, notice = _shown(bot, cid, lang, session) if cid else ([], "")
    return [messages, notice, *state(bot, lang, session)]


def redrawn(bot: Assistant, lang: str, session: Session) -> Any:
    """The tab's conversation drawn again in ``lang`` (its labels, badges and notes; the answers' own words
    stay in their language), when the interface language changes; unchanged while an answer is written."""
    if session.answering or session.conversation_id is None:
        return gr.update()
    messages, _ = _shown(bot, session.conversation_id, lang, session)
    return messages


def rename(bot: Assistant, title: str, lang: str, session: Session) -> list[Any]:
    """Rename the tab's conversation: (notice, *state)."""
    if session.conversation_id is None:
        return [t(lang, "conversations_none"), *state(bot, lang, session)]
    try:
        bot.conversations.rename(session.conversation_id, title or "")
    except Exception as exc:
        return [chat.readable(exc, lang), *state(bot, lang, session)]
    return [t(lang, "renamed"), *state(bot, lang, session)]


def delete(bot: Assistant, lang: str, session: Session) -> list[Any]:
    """Delete the tab's conversation and show an empty chat: (chat, source panel, notice, *state).
    ``lang`` "" is a confirmation declined in the page: nothing changes."""
    if not lang:
        return [gr.update()] * 8
    if session.answering:
        return [gr.update(), gr.update(), t(lang, "busy"), *state(bot, lang, session)]
    notice = t(lang, "deleted_conversation")
    if session.conversation_id is not None:
        try:
            bot.conversations.delete(session.conversation_id)
        except Exception as exc:
            notice = chat.readable(exc, lang)
    messages, panel, _ = chat.new_conversation(lang, session)
    return [messages, panel, notice, *state(bot, lang, session)]


def confirm_js(messages: dict[str, str]) -> str:
    """Ask before deleting, in the interface's language; a declined confirmation sends "" as the language."""
    import json

    return (f"(lang, ...rest) => {{ const m = {json.dumps(messages, ensure_ascii=False)}; "
            "return [window.confirm(m[lang] || m.id) ? lang : '', ...rest]; }")
