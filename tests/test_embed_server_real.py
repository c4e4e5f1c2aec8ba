"""Embeddings from a real OpenAI-compatible server running the same multilingual-e5-small, started here.

The server is txtai's API (`uvicorn txtai.api:app` with `openai: True`, from PyPI, a dev dependency) serving the
model folder the local embedder loads, with sentence-transformers, told to add no prompts of its own (the
client adds `query: ` / `passage: `). infinity-emb was the first choice, but it needs numpy<2,
sentence-transformers<4, transformers<5 and uvicorn<0.33: it cannot live beside the project's pins.

Checked: the server's vectors are the local ones (cosine >= 0.999), and indexing and retrieval through the
server give the same passages as the local model for questions on the bundled articles.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from servers import free_port, running_server

MODEL = "multilingual-e5-small"
MIN_COSINE = 0.999


@pytest.fixture(scope="module")
def embed_url(tmp_path_factory, models_dir):
    """txtai's OpenAI-compatible API serving the converted e5 folder on a free local port; stopped after."""
    from index.embedding import resolve_embed_model

    folder = resolve_embed_model(MODEL, models_dir)
    work = tmp_path_factory.mktemp("embed-server")
    config = work / "config.yml"
    # encodeargs.prompt "": sentence-transformers would otherwise add the model's "query: " prompt once more.
    config.write_text(f'openai: True\nembeddings:\n  path: "{folder}"\n  method: sentence-transformers\n'
                      '  encodeargs:\n    prompt: ""\n', encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "txtai.api:app", "--host", "127.0.0.1", "--port", str(port)]
    with running_server(command, ready_url=f"http://127.0.0.1:{port}/count", log=work / "txtai.log",
                        timeout_s=180, env={"CONFIG": str(config), "OMP_NUM_THREADS": "2"}):
        yield f"http://127.0.0.1:{port}/v1"


def _texts(seed_articles) -> tuple[list[str], list[str]]:
    """Questions on the bundled articles, and passages from them (long and short)."""
    from eval.dataset import load_questions

    questions = [item.question for item in load_questions()][::8]
    passages = []
    for path in sorted(seed_articles.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 40]
        passages += lines[1:5]
    return questions, passages


def test_the_servers_vectors_are_the_local_models(embed_url, embedder, seed_articles):
    from index import server_embedder

    remote = server_embedder(embed_url, model=MODEL)
    questions, passages = _texts(seed_articles)
    assert len(questions) >= 10 and len(passages) >= 10
    for here, there in ((embedder.embed_queries(questions), remote.embed_queries(questions)),
                        (embedder.embed_passages(passages), remote.embed_passages(passages))):
        assert here.shape == there.shape
        cosines = (here * there).sum(axis=1)
        assert cosines.min() >= MIN_COSINE, cosines
    assert remote.dimension == embedder.dimension == 384


def test_an_index_built_through_the_server_retrieves_what_the_local_one_does(tmp_path, embed_url, embedder,
                                                                            models_dir, seed_articles):
    from eval.dataset import load_questions
    from rag import Assistant, load_settings
    from rag.language import detect_language

    here = Assistant(load_settings(home=tmp_path / "local", models_dir=models_dir, articles_dir=seed_articles,
                                   llm="smollm2-135m", threads=2), embedder=embedder)
    there = Assistant(load_settings(home=tmp_path / "server", models_dir=models_dir, articles_dir=seed_articles,
                                    llm="smollm2-135m", threads=2, embed_base_url=embed_url))
    here.index()
    report = there.index()
    assert report.chunks_written == here.store.count() > 0
    # The same chunks, and each stored with the same vector.
    ids = sorted(here.store.ids())
    assert sorted(there.store.ids()) == ids
    mine, theirs = here.store.embeddings(ids), there.store.embeddings(ids)
    assert min(float(np.dot(mine[i], theirs[i])) for i in ids) >= MIN_COSINE

    questions = [item.question for item in load_questions() if item.answerable][::6][:8]
    assert any(detect_language(q) == "en" for q in questions) and any(detect_language(q) == "id" for q in questions)
    for q in questions:
        language = detect_language(q)
        local = [p.id for p in here.retriever.retrieve(q, 5, language)]
        remote = [p.id for p in there.retriever.retrieve(q, 5, language)]
        assert remote[0] == local[0], q
        assert set(remote) == set(local), q
