"""The chat page, driven through gradio_client against a launched app (tiny model: structure only)."""

import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client(tiny_bot):
    from gradio_client import Client

    from ui.app import build_app

    tiny_bot.retriever  # index before serving
    app = build_app(tiny_bot).queue(default_concurrency_limit=1)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, share=False, quiet=True)
    yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    app.close()


def _text(message) -> str:
    from ui.app import message_text

    return message_text(message["content"])


def test_ask_shows_answer_and_sources(client):
    chat, sources, box = client.predict("Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?", [],
                                        api_name="/ask")
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert _text(chat[1]) and box == ""
    assert sources.startswith("**[1]") or "do not contain" in sources


def test_off_topic_question_shows_abstention(client):
    chat, sources, _ = client.predict("Berapa skor pertandingan Persija melawan Persib?", [], api_name="/ask")
    assert "tidak menyebutkan" in _text(chat[-1])
    assert "do not contain" in sources


def test_empty_question_is_a_message_not_an_error(client):
    chat, sources, _ = client.predict("   ", [], api_name="/ask")
    assert chat == [] and "question" in sources.lower()
