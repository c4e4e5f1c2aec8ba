"""`tanya serve`, the OpenAI-compatible API: the real server (uvicorn, in a thread) over a real Assistant and
index, asked by the official `openai` client and by the project's own server client (rag/llm.py, ServerLLM).

No model is loaded: the embedder is a bag of words and the chat model a fake that quotes the source sentence
sharing most words with the question, so what is checked is the plumbing (answers, citations, streams, errors,
the key), with the pipeline's verification and abstention left as they are.
"""

from __future__ import annotations

import re
import time

import httpx
import openai
import pytest
from fakes import QUESTION, QuotingModel, fake_assistant
from servers import serving_in_thread

EVIDENCE = "Oleg Kozhemyako bahkan memberi Kim rompi antipeluru"
#: Shares no word of four letters or more with any bundled article: the fake model finds nothing.
UNANSWERABLE = "Siapa juara kompetisi catur xylofon tahun 1847?"
KEY = "sk-tanya-test"
MODEL = "tanya-berita"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    return fake_assistant(tmp_path_factory.mktemp("api"))


def _variant(bot, chat_model, **overrides):
    """``bot``'s index and embedder with another chat model (and settings)."""
    from rag import Assistant

    return Assistant(bot.settings, embedder=bot.embedder, store=bot.store, chat_model=chat_model, **overrides)


@pytest.fixture(scope="module")
def url(bot):
    from ui.openai_api import build_api

    with serving_in_thread(build_api(bot)) as base:
        yield f"{base}/v1"


@pytest.fixture(scope="module")
def keyed_url(bot):
    from ui.openai_api import build_api

    with serving_in_thread(build_api(bot.with_settings(api_key=KEY))) as base:
        yield f"{base}/v1"


def _client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=60)


def _ask(client: openai.OpenAI, content: str = QUESTION, **kw):
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}], **kw)


def test_models_lists_the_assistant(url):
    assert [m.id for m in _client(url).models.list()] == [MODEL]


def test_a_completion_is_the_checked_answer_with_its_citations_as_data(bot, url):
    completion = _ask(_client(url))
    message = completion.choices[0].message
    expected = bot.ask(QUESTION)  # the Python API's answer to the same question
    assert not expected.abstained and expected.citations
    assert message.role == "assistant" and message.content == expected.text and EVIDENCE in message.content
    assert completion.choices[0].finish_reason == "stop" and completion.model == MODEL
    citations = message.citations  # the openai client keeps fields it does not know
    assert [c["number"] for c in citations] == [c.number for c in expected.citations]
    assert sorted(set(map(int, re.findall(r"\[(\d+)\]", message.content)))) == [c["number"] for c in citations]
    first, source = citations[0], expected.citations[0]
    assert (first["title"], first["publisher"], first["date"], first["doc_id"]) == \
        (source.title, source.publisher, source.date, source.doc_id)
    assert first["title"] and first["date"] and any(EVIDENCE in q for q in first["quotes"])
    assert first["path"].startswith(str(bot.settings.articles_dir)) and first["path"].endswith(".txt")
    assert completion.tanya["abstained"] is False and completion.tanya["reason"] is None
    assert completion.tanya["language"] == "id" and completion.tanya["retrieval_s"] > 0
    assert completion.usage.completion_tokens == expected.stats.completion_tokens > 0


def test_a_stream_carries_the_same_answer_then_the_citations_and_the_usage(url):
    client = _client(url)
    whole = _ask(client).choices[0].message
    chunks = list(_ask(client, stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole.content
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta.citations == whole.citations
    assert last.tanya["abstained"] is False
    assert not chunks[-1].choices and chunks[-1].usage.completion_tokens > 0
    assert all(c.id == chunks[0].id and c.object == "chat.completion.chunk" for c in chunks)


def test_an_abstention_says_so_in_text_and_data(url):
    completion = _ask(_client(url), UNANSWERABLE)
    message = completion.choices[0].message
    # the model looked and found nothing: no answer could be confirmed (not "the sources do not say")
    assert message.content.startswith("Jawabannya tidak dapat dipastikan dari sumber yang tersedia.")
    assert completion.tanya == {**completion.tanya, "abstained": True, "reason": "model_found_nothing"}
    assert [c["number"] for c in message.citations] == sorted(set(map(int, re.findall(r"\[(\d+)\]",
                                                                                       message.content))))


def test_the_conversation_before_the_question_is_its_history(bot, url):
    follow_up = "Lalu apa lagi yang dia terima?"
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": "Oleg Kozhemyako [1]."}, {"role": "user", "content": follow_up}]
    completion = _client(url).chat.completions.create(model=MODEL, messages=messages)
    expected = bot.ask(follow_up, history=[(QUESTION, "Oleg Kozhemyako [1].")])
    assert completion.choices[0].message.content == expected.text
    assert expected.text != bot.ask(follow_up).text  # the history changed the answer


def test_text_parts_are_read_as_the_question(url):
    client = _client(url)
    parts = client.chat.completions.create(model=MODEL, messages=[
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]}])
    assert parts.choices[0].message.content == _ask(client).choices[0].message.content


def test_sources_can_be_written_under_the_answer_for_clients_that_show_only_text(bot):
    from ui.openai_api import build_api

    with serving_in_thread(build_api(bot, sources_in_text=True)) as base:
        message = _ask(_client(f"{base}/v1")).choices[0].message
    answer, _, sources = message.content.partition("\n\nSources:\n")
    first = message.citations[0]
    assert EVIDENCE in answer and sources.startswith(f"[1] {first['title']} ({first['publisher']}, {first['date']})")
    assert first["path"] in sources


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("content", "extra", "code"), [
    ("   ", {}, "QuestionError"),
    ("kata " * 1000, {}, "QuestionError"),
    (QUESTION, {"filters": {"colour": "red"}}, "FilterError"),
])
def test_the_projects_errors_are_400s_with_openai_bodies(url, stream, content, extra, code):
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(_client(url), content, stream=stream, extra_body=extra)
    assert caught.value.status_code == 400 and caught.value.code == code
    assert caught.value.type == "invalid_request_error" and caught.value.message


def test_requests_the_api_cannot_take_are_refused_with_openai_bodies(url):
    client = _client(url)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert caught.value.code == "model_not_found" and MODEL in caught.value.message
    with pytest.raises(openai.BadRequestError, match="last message must be the user's"):
        client.chat.completions.create(model=MODEL, messages=[{"role": "assistant", "content": "Hi"}])
    response = httpx.post(f"{url}/chat/completions", json={"model": MODEL})
    assert response.status_code == 400 and "messages" in response.json()["error"]["message"]
    response = httpx.get(f"{url}/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found_error"


@pytest.mark.parametrize("stream", [False, True])
def test_a_failing_language_model_is_a_502_before_the_answer_begins(bot, stream):
    from ui.openai_api import build_api

    with serving_in_thread(build_api(_variant(bot, QuotingModel(fail_after=0)))) as base, \
            pytest.raises(openai.InternalServerError) as caught:
        _ask(_client(f"{base}/v1"), stream=stream)
    assert caught.value.status_code == 502 and caught.value.code == "LLMError"
    assert "http://gpu:8000/v1 failed" in caught.value.message


def test_a_failure_after_a_stream_began_is_an_error_event(bot):
    from ui.openai_api import build_api

    with serving_in_thread(build_api(_variant(bot, QuotingModel(fail_after=2)))) as base:
        stream = _ask(_client(f"{base}/v1"), stream=True)
        with pytest.raises(openai.APIError, match="http://gpu:8000/v1 failed") as caught:
            list(stream)
    assert caught.value.body["code"] == "LLMError"


def test_a_client_that_goes_away_stops_the_model(bot):
    from ui.openai_api import build_api

    model = QuotingModel(endless=True)
    with serving_in_thread(build_api(_variant(bot, model))) as base:
        body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
        with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=30) as response:
            assert response.status_code == 200
            next(response.iter_lines())  # the role chunk: the answer is being written
            left = time.monotonic()
        deadline = time.monotonic() + 10
        while model.stopped_at is None and time.monotonic() < deadline:
            time.sleep(0.1)
    assert model.stopped_at is not None and model.stopped_at - left < 5  # not the whole 60 s reply


def test_the_key_is_asked_of_every_request(keyed_url):
    for key in ("unused", "sk-wrong"):
        with pytest.raises(openai.AuthenticationError) as caught:
            _client(keyed_url, key).models.list()
        assert caught.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            _ask(_client(keyed_url, key))
    client = _client(keyed_url, KEY)
    assert [m.id for m in client.models.list()] == [MODEL] and EVIDENCE in _ask(client).choices[0].message.content


def test_a_request_for_another_host_is_refused(url):
    response = httpx.get(f"{url}/models", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_the_projects_own_server_client_talks_to_it(bot, keyed_url):
    from rag.errors import LLMError
    from rag.llm import ServerLLM

    client = ServerLLM(keyed_url, model=MODEL, api_key=KEY, context_window=4096)
    generation = client.stream([{"role": "user", "content": QUESTION}], max_tokens=100, temperature=0.0)
    assert "".join(generation) == bot.ask(QUESTION).text and generation.stats.completion_tokens > 0
    wrong = ServerLLM(keyed_url, model=MODEL, api_key="sk-wrong", context_window=4096)
    with pytest.raises(LLMError, match="refused the API key: set TANYA_LLM_API_KEY"):
        "".join(wrong.stream([{"role": "user", "content": QUESTION}], max_tokens=100, temperature=0.0))


def test_an_assistant_can_use_another_assistant_through_it(bot, keyed_url, monkeypatch):
    """TANYA_LLM_BASE_URL pointing at `tanya serve`: the settings' own way to the server client."""
    from rag.llm import ServerLLM, load_chat_model
    from rag.settings import load_settings

    monkeypatch.setenv("TANYA_LLM_BASE_URL", keyed_url)
    monkeypatch.setenv("TANYA_LLM_MODEL", MODEL)
    monkeypatch.setenv("TANYA_LLM_API_KEY", KEY)
    model = load_chat_model(load_settings(home=bot.settings.home))
    assert isinstance(model, ServerLLM)
    assert "".join(model.stream([{"role": "user", "content": QUESTION}], max_tokens=100, temperature=0.0)) == \
        bot.ask(QUESTION).text


@pytest.mark.parametrize(("host", "key", "refused"), [
    ("127.0.0.1", None, False), ("localhost", None, False), ("::1", None, False), ("127.0.0.2", None, False),
    ("0.0.0.0", None, True), ("192.168.1.5", None, True), ("news.example", None, True), ("0.0.0.0", KEY, False),
])
def test_it_refuses_to_listen_beyond_this_machine_without_a_key(host, key, refused):
    from rag.errors import SettingsError
    from ui.openai_api import check_bind

    if refused:
        with pytest.raises(SettingsError, match="TANYA_API_KEY"):
            check_bind(host, key)
    else:
        check_bind(host, key)


def test_tanya_serve_beyond_this_machine_without_a_key_exits_with_the_reason(capsys):
    from tanya.cli import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "will not listen on 0.0.0.0 without an API key" in capsys.readouterr().err
