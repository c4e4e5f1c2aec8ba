"""The chat page: questions in, streamed answers out, with their numbered sources.

Only presentation lives here; every answer comes from `rag.Assistant`.
"""

from __future__ import annotations

import html
import logging
import os
from typing import Any, Iterator

from rag import Assistant, Final, TanyaError, Token

log = logging.getLogger("tanya.ui")

EXAMPLES = [
    "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
    "Berapa jarak Kota Artyom dari perbatasan?",
    "When did Kim Jong Un arrive in Russia?",
    "What did Putin and Kim discuss?",
]


def sources_markdown(answer) -> str:
    """The answer's numbered sources, each with its cited passage."""
    if answer.abstained:
        return "_The sources do not contain the answer. / Sumber tidak memuat jawabannya._"
    parts = []
    for c in answer.citations:
        origin = ", ".join(x for x in (c.publisher, c.date) if x)
        parts.append(f"**[{c.number}] {html.escape(c.title)}**" + (f" — {html.escape(origin)}" if origin else "")
                     + f"  \n`{c.doc_id}`\n\n> {html.escape(c.text)}")
    return "\n\n".join(parts) or "_No sources._"


def message_text(content: Any) -> str:
    """A chat message's text (Gradio sends a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(message_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def respond(bot: Assistant, message: str, chat: list[dict[str, Any]]) -> Iterator[tuple[list, str]]:
    """Stream one answer into the chat; then show the checked answer and its sources."""
    history = [{"role": m["role"], "content": message_text(m.get("content"))}
               for m in chat if m.get("role") in ("user", "assistant")]
    chat = chat + [{"role": "user", "content": message}, {"role": "assistant", "content": "_Membaca sumber… / Reading the sources…_"}]
    yield chat, ""
    try:
        text = ""
        for event in bot.events(message, history):
            if isinstance(event, Token):
                text += event.text
                chat[-1] = {"role": "assistant", "content": text}
                yield chat, ""
            elif isinstance(event, Final):
                answer = event.answer
                content = f"_{answer.text}_" if answer.abstained else answer.text
                chat[-1] = {"role": "assistant", "content": content}
                yield chat, sources_markdown(answer)
    except TanyaError as exc:
        chat[-1] = {"role": "assistant", "content": f"⚠️ {exc}"}
        yield chat, ""
    except Exception:  # the page shows a message; the log keeps the details
        log.exception("answering %r failed", message)
        chat[-1] = {"role": "assistant", "content": "⚠️ Something went wrong while answering; see the server log."}
        yield chat, ""


def build_app(bot: Assistant):
    import gradio as gr

    with gr.Blocks(title="Tanya Berita", analytics_enabled=False) as app:
        gr.Markdown("# Tanya Berita\nTanyakan apa saja tentang artikel berita. / Ask the news articles anything.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=480)
                question = gr.Textbox(label="Pertanyaan / Question", placeholder="Siapa yang …?", autofocus=True)
                with gr.Row():
                    ask = gr.Button("Tanya / Ask", variant="primary")
                    clear = gr.Button("Percakapan baru / New conversation")
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                sources = gr.Markdown("_Sources appear here._", label="Sumber / Sources")

        def on_ask(message: str, chat: list):
            if not message or not message.strip():
                yield chat, "_Ketik pertanyaan dulu. / Type a question first._", ""
                return
            for new_chat, srcs in respond(bot, message, chat or []):
                yield new_chat, srcs or gr.update(), ""

        ask.click(on_ask, [question, chatbot], [chatbot, sources, question], api_name="ask")
        question.submit(on_ask, [question, chatbot], [chatbot, sources, question], api_name=False)
        clear.click(lambda: ([], "_Sources appear here._"), None, [chatbot, sources], api_name="new_conversation")
    return app


def serve(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, **launch: Any) -> None:
    """Serve the chat page (never shared beyond ``host``)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    logging.basicConfig(level=logging.INFO)
    bot.retriever  # index and load the models before the first visitor waits on them
    bot.llm
    print(f"Tanya Berita: http://{host}:{port}", flush=True)
    build_app(bot).queue(default_concurrency_limit=1).launch(server_name=host, server_port=port, share=False,
                                                           show_error=False, **launch)
