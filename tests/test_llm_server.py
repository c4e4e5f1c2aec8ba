"""Server mode, the model: answers from a real `python -m llama_cpp.server` started here, via TANYA_LLM_BASE_URL.

The server runs the tiny SmolLM2 model, whose answers are nonsense: these tests check the
plumbing (answers, citations, streaming, timings, the LLM judge), never the wording.
"""

from __future__ import annotations

import sys

import pytest
from servers import free_port, running_server

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"
EVIDENCE = ("Gubernur wilayah Primorye, Oleg Kozhemyako, bahkan memberi Kim Jong Un rompi antipeluru dan "
            "drone buatan Rusia sebagai hadiah perpisahan.")
MODEL_NAME = "smollm2"
API_KEY = "sk-test-key"


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    """llama.cpp's OpenAI-compatible server with SmolLM2, on a free local port; stopped after the module."""
    from rag.model_files import smollm2_path

    folder = tmp_path_factory.mktemp("llm-server")
    port = free_port()
    # No --chat_format: the server uses the chat template stored in the GGUF file, as the local model does.
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--model_alias", MODEL_NAME,
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
               "--n_threads_batch", "2", "--api_key", API_KEY]
    url = f"http://127.0.0.1:{port}/v1"
    with running_server(command, ready_url=f"{url}/models", headers={"Authorization": f"Bearer {API_KEY}"},
                        log=folder / "llama-server.log", timeout_s=120):
        yield url


def _assistant(home, base_url: str, models_dir, seed_articles, embedder):
    """An Assistant whose language model is the server, configured through the environment."""
    from rag import Assistant, load_settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("TANYA_LLM_BASE_URL", base_url)
        env.setenv("TANYA_LLM_MODEL", MODEL_NAME)
        env.setenv("TANYA_LLM_API_KEY", API_KEY)
        settings = load_settings(home=home, models_dir=models_dir, articles_dir=seed_articles, threads=2,
                                 max_answer_tokens=48)
    bot = Assistant(settings, embedder=embedder)
    return bot


@pytest.fixture(scope="module")
def bot(tiny_bot, llm_url, models_dir, seed_articles, embedder):
    """An Assistant on the seed articles' index that ``tiny_bot`` builds once for the session."""
    tiny_bot.prepare(model=False)  # builds the index if no test has yet
    return _assistant(tiny_bot.settings.home, llm_url, models_dir, seed_articles, embedder)


@pytest.mark.slow
def test_ask_answers_through_the_server_citing_only_retrieved_passages(bot, llm_url):
    from rag import Answer
    from rag.citations import cited_numbers
    from rag.llm import ServerLLM

    answer = bot.ask(QUESTION)
    assert isinstance(bot.llm, ServerLLM) and llm_url in bot.llm.name  # the local model never loaded
    assert isinstance(answer, Answer) and answer.text and answer.language == "id"
    assert answer.stats.completion_tokens > 0  # the model was asked (not an abstention decided in code)
    assert answer.stats.total_s >= answer.stats.ttft_s > 0 and answer.retrieval_s > 0
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1)) and set(cited_numbers(answer.text)) == set(numbers)
    shown = {p.id: p for p in answer.passages}
    for c in answer.citations:
        assert c.passage_id in shown and shown[c.passage_id].doc_id == c.doc_id
        assert all(any(q in p.text for p in answer.passages if p.doc_id == c.doc_id) for q in c.quotes)


@pytest.mark.slow
def test_stream_yields_the_servers_tokens_as_they_come(bot):
    from rag import Checking, Final, Token

    events = list(bot.events(QUESTION))
    pieces = [e.text for e in events if isinstance(e, Token)]
    assert any(isinstance(e, Checking) for e in events)  # the server's words arrived and were checked
    assert isinstance(events[-1], Final) and "".join(pieces) == events[-1].answer.text
    stats = events[-1].answer.stats
    assert stats.completion_tokens > 1 and stats.total_s >= stats.ttft_s > 0


@pytest.mark.slow
def test_answers_from_given_passages_through_the_server(bot):
    answer = bot.ask(QUESTION, passages=[EVIDENCE])
    assert answer.stats.completion_tokens > 0
    assert all(c.doc_id == "given-1" and c.text == EVIDENCE for c in answer.citations)


@pytest.mark.slow
def test_the_llm_judge_returns_a_verdict(llm_url):
    from eval.judge import LLMJudge, Verdict

    verdict = LLMJudge(llm_url, MODEL_NAME, API_KEY).judge("Oleg Kozhemyako memberi Kim rompi antipeluru.", EVIDENCE)
    assert isinstance(verdict, Verdict) and isinstance(verdict.supported, bool)
    assert verdict.similarity in (0.0, 1.0) and verdict.similarity == float(verdict.supported)


@pytest.mark.slow
def test_the_llm_judge_is_measured_against_the_hand_labels(llm_url):
    from eval.dataset import load_support_pairs
    from eval.judge import LLMJudge, llm_agreement

    pairs = load_support_pairs()[:4]
    result = llm_agreement(LLMJudge(llm_url, MODEL_NAME, API_KEY), pairs)
    assert result["pairs"] == 4 and 0.0 <= result["agreement"] <= 1.0
    assert set(result["agreement_by_kind"]) == {p.kind for p in pairs}


@pytest.mark.slow
def test_a_wrong_api_key_is_a_clear_llm_error(bot):
    from rag.errors import LLMError

    with pytest.raises(LLMError, match="refused the API key: set TANYA_LLM_API_KEY"):
        bot.with_settings(llm_api_key="wrong-key").ask(QUESTION, passages=[EVIDENCE])


@pytest.mark.slow
def test_a_session_can_use_another_server_or_model_without_changing_the_others(bot, llm_url):
    other_server = bot.with_settings(llm_base_url="http://127.0.0.1:9/v1")
    third_server = bot.with_settings(llm_base_url="http://127.0.0.1:10/v1")
    other_model = bot.with_settings(llm_model="another-model")
    assert (bot.llm.base_url, bot.llm.model) == (llm_url, MODEL_NAME)
    assert other_server.llm.base_url == "http://127.0.0.1:9/v1" and third_server.llm.base_url == "http://127.0.0.1:10/v1"
    assert (other_model.llm.base_url, other_model.llm.model) == (llm_url, "another-model")
    assert bot.with_settings(top_k=2).llm is bot.llm  # other settings share the loaded model


def test_a_server_that_is_not_running_is_a_clear_llm_error(tmp_path, models_dir, seed_articles, embedder):
    from rag.errors import LLMError

    dead = f"http://127.0.0.1:{free_port()}/v1"
    bot = _assistant(tmp_path / "home", dead, models_dir, seed_articles, embedder)
    with pytest.raises(LLMError) as caught:
        bot.ask(QUESTION, passages=[EVIDENCE])
    message = str(caught.value)
    assert dead in message and "TANYA_LLM_BASE_URL" in message and "running" in message


def test_the_llm_judge_reports_a_server_that_is_not_running_as_an_llm_error():
    from eval.judge import LLMJudge
    from rag.errors import LLMError

    dead = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(LLMError, match="Cannot reach the language model server"):
        LLMJudge(dead, MODEL_NAME).judge("Oleg Kozhemyako memberi Kim rompi antipeluru.", EVIDENCE)
