"""Embeddings from an OpenAI-compatible server: batching, retries, errors, the model the index records.

The server here is a small FastAPI app (served by uvicorn from a thread) that speaks the OpenAI embeddings API,
counts requests, fails on demand and gives each text a vector of its own: these tests check the client's
plumbing in a second. tests/test_embed_server_real.py checks the vectors of a real server running the real model.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from servers import free_port, serving_in_thread

DIM = 8


def _vector(text: str) -> list[float]:
    """A vector of its own for each text, not normalised (the client normalises)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [3.0 * (b - 127.5) / 127.5 for b in digest[:DIM]]


class EmbeddingsServer:
    """What the server was asked, and how many of the next requests it should fail (``status``)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        self.status = 503
        self.key: str | None = None
        self.drop_last = False

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/embeddings")
        async def embeddings(request: Request):
            body = await request.json()
            self.requests.append({"body": body, "auth": request.headers.get("authorization")})
            if self.key is not None and request.headers.get("authorization") != f"Bearer {self.key}":
                return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
            if body.get("model") != "multilingual-e5-small":
                return JSONResponse({"error": {"message": f"model {body.get('model')} not found"}}, status_code=404)
            if self.fail_next:
                self.fail_next -= 1
                return JSONResponse({"error": {"message": "busy"}}, status_code=self.status)
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"object": "embedding", "index": i, "embedding": _vector(t)} for i, t in enumerate(texts)]
            if self.drop_last:
                data = data[:-1]
            data.reverse()  # the index, not the order, says which text a vector is for
            return {"object": "list", "data": data, "model": body["model"]}

        return app


@pytest.fixture(scope="module")
def server():
    state = EmbeddingsServer()
    with serving_in_thread(state.app()) as url:
        state.url = f"{url}/v1"
        yield state


@pytest.fixture
def fresh(server):
    server.requests.clear()
    server.fail_next, server.status, server.key, server.drop_last = 0, 503, None, False
    return server


def _embedder(url: str, **kwargs):
    from index import server_embedder

    return server_embedder(url, model=kwargs.pop("model", "multilingual-e5-small"), **kwargs)


def test_passages_go_in_batches_with_the_e5_prefix_and_come_back_in_order_normalised(fresh):
    texts = [f"Kalimat nomor {i} tentang harga beras." for i in range(70)]
    embedder = _embedder(fresh.url, batch=32)
    done: list[tuple[int, int]] = []

    vectors = embedder.embed_passages(texts, progress=lambda d, t: done.append((d, t)))

    assert [len(r["body"]["input"]) for r in fresh.requests] == [32, 32, 6]
    sent = [t for r in fresh.requests for t in r["body"]["input"]]
    assert sent == ["passage: " + t for t in texts]
    assert all(r["body"]["encoding_format"] == "float" for r in fresh.requests)
    expected = np.asarray([_vector("passage: " + t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, rtol=1e-5, atol=1e-6)
    assert done == [(32, 70), (64, 70), (70, 70)]


def test_queries_get_the_query_prefix_and_a_model_without_prompts_gets_none(fresh):
    _embedder(fresh.url).embed_queries(["Berapa harga beras?"])
    assert fresh.requests[-1]["body"]["input"] == ["query: Berapa harga beras?"]

    from index.embedding import e5_prompts

    assert e5_prompts("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert e5_prompts("all-MiniLM-L6-v2") == ("", "")


def test_a_text_given_twice_is_sent_once(fresh):
    _embedder(fresh.url).embed_passages(["sama", "beda", "sama"])
    assert [r["body"]["input"] for r in fresh.requests] == [["passage: sama", "passage: beda"]]


def test_a_busy_server_is_asked_again_after_a_pause(fresh):
    fresh.fail_next = 2  # two 503s, then vectors
    vectors = _embedder(fresh.url, retries=3).embed_passages(["Satu.", "Dua."])
    assert len(fresh.requests) == 3
    assert vectors.shape == (2, DIM)


def test_a_server_that_keeps_failing_is_a_clear_error_after_the_retries(fresh):
    from rag.errors import EmbeddingServerError, ModelError

    fresh.fail_next, fresh.status = 10, 500
    with pytest.raises(EmbeddingServerError, match="answered 500.*server's log") as caught:
        _embedder(fresh.url, retries=1).embed_passages(["Satu."])
    assert isinstance(caught.value, ModelError)
    assert len(fresh.requests) == 2  # the request and one retry


def test_a_request_the_server_refuses_as_too_big_says_to_lower_the_batch(fresh):
    from rag.errors import EmbeddingServerError

    fresh.fail_next, fresh.status = 1, 413
    with pytest.raises(EmbeddingServerError, match="TANYA_EMBED_API_BATCH"):
        _embedder(fresh.url).embed_passages(["Satu."])
    assert len(fresh.requests) == 1  # not a passing failure: not retried


def test_a_server_that_is_not_running_says_to_start_it_or_embed_here():
    from rag.errors import EmbeddingServerError

    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EmbeddingServerError, match="does not answer.*start it.*unset TANYA_EMBED_BASE_URL"):
        _embedder(url, retries=1).embed_queries(["Halo?"])


def test_a_wrong_key_and_an_unknown_model_say_which_setting_to_fix(fresh):
    from rag.errors import EmbeddingServerError

    fresh.key = "sk-right"
    with pytest.raises(EmbeddingServerError, match="TANYA_EMBED_API_KEY"):
        _embedder(fresh.url, api_key="sk-wrong").embed_queries(["Halo?"])
    assert _embedder(fresh.url, api_key="sk-right").embed_queries(["Halo?"]).shape == (1, DIM)
    assert fresh.requests[-1]["auth"] == "Bearer sk-right"
    fresh.key = None
    with pytest.raises(EmbeddingServerError, match="TANYA_EMBED_API_MODEL"):
        _embedder(fresh.url, model="e5-lain").embed_queries(["Halo?"])


def test_missing_vectors_are_an_error_not_a_shifted_index(fresh):
    from rag.errors import EmbeddingServerError

    fresh.drop_last = True
    with pytest.raises(EmbeddingServerError, match="1 vectors for 2 texts"):
        _embedder(fresh.url).embed_passages(["Satu.", "Dua."])


def test_the_settings_choose_the_server_and_the_name_the_index_records(fresh, tmp_path):
    from rag import load_settings
    from rag.embedding import load_embedder_for

    local = load_settings(home=tmp_path)
    assert local.embed_model_name == "multilingual-e5-small"
    same = load_settings(home=tmp_path, embed_base_url=fresh.url)
    assert same.embed_model_name == "multilingual-e5-small"  # unset TANYA_EMBED_API_MODEL: TANYA_EMBED_MODEL
    named = load_settings(home=tmp_path, embed_base_url=fresh.url, embed_api_model="intfloat/multilingual-e5-small",
                          embed_api_batch=5)
    assert named.embed_model_name == "intfloat/multilingual-e5-small"

    embedder = load_embedder_for(same)
    assert embedder.name == "multilingual-e5-small"
    assert embedder.dimension == DIM
    embedder.embed_passages([f"t{i}" for i in range(7)])
    assert len(fresh.requests[-1]["body"]["input"]) == 7  # the default batch, 32
    load_embedder_for(load_settings(home=tmp_path, embed_base_url=fresh.url, embed_api_batch=5)).embed_passages(
        [f"u{i}" for i in range(7)])
    assert [len(r["body"]["input"]) for r in fresh.requests[-2:]] == [5, 2]


def test_the_embedding_server_address_must_be_a_url(tmp_path):
    from rag import SettingsError, load_settings

    with pytest.raises(SettingsError, match="http://host:port"):
        load_settings(home=tmp_path, embed_base_url="localhost:7997")


def test_an_index_built_with_another_model_is_refused_naming_the_server_settings(fresh, tmp_path):
    """The index records the server's model name; a server model of another name cannot read it."""
    from index import ChunkStore
    from rag import Assistant, IndexDirectoryError, load_settings

    ChunkStore.open(path=tmp_path / "index", embed_model="multilingual-e5-small")  # as `tanya index` made it
    same = Assistant(load_settings(home=tmp_path, embed_base_url=fresh.url))
    assert same.store.count() == 0  # the same name: read as it is

    other = Assistant(load_settings(home=tmp_path, embed_base_url=fresh.url, embed_api_model="bge-m3"))
    with pytest.raises(IndexDirectoryError, match="'multilingual-e5-small', not 'bge-m3'.*TANYA_EMBED_API_MODEL"):
        _ = other.store
