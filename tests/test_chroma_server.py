"""Server mode, the store: the index on a real Chroma server (`chroma run`) started here, via TANYA_CHROMA_URL."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from servers import free_port, running_server

COLLECTION = "articles"
SENTENCES = COLLECTION + "-sentences"
#: Only 002_e0a871338f087d8a tells which song saw Kim's train off.
QUESTION = "Lagu apa yang mengiringi keberangkatan kereta lapis baja Kim dari Artyom?"
ANSWER_DOC = "002_e0a871338f087d8a"


def _chroma_command() -> str:
    beside_python = Path(sys.executable).with_name("chroma")
    found = str(beside_python) if beside_python.is_file() else shutil.which("chroma")
    if not found:
        pytest.fail("The `chroma` command (installed with chromadb) is missing: run `bash scripts/setup.sh`.")
    return found


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    command = [_chroma_command(), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running_server(command, ready_url=f"{url}/api/v2/heartbeat", log=folder / "chroma.log", timeout_s=60):
        yield url


@pytest.fixture(scope="module")
def server(chroma_url):
    """A plain Chroma client of the server, to see what is stored there without going through Tanya."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(chroma_url.rsplit(":", 1)[1])
    return chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))


def _assistant(home: Path, chroma_url: str, models_dir, seed_articles, embedder, **overrides):
    """An Assistant configured through the environment, TANYA_CHROMA_URL included."""
    from rag import Assistant, load_settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("TANYA_CHROMA_URL", chroma_url)
        env.setenv("TANYA_HOME", str(home))
        settings = load_settings(models_dir=models_dir, articles_dir=seed_articles, llm="smollm2-135m", threads=2,
                                 **overrides)
    bot = Assistant(settings, embedder=embedder)
    return bot


@pytest.fixture(scope="module")
def bot(tmp_path_factory, chroma_url, models_dir, seed_articles, embedder):
    bot = _assistant(tmp_path_factory.mktemp("home"), chroma_url, models_dir, seed_articles, embedder)
    report = bot.index(progress=False)
    assert len(report.added) == 5, report.summary()
    return bot


def _counts(server) -> tuple[int, int]:
    return server.get_collection(COLLECTION).count(), server.get_collection(SENTENCES).count()


@pytest.mark.slow
def test_the_index_and_its_sentences_live_on_the_server(bot, server, chroma_url):
    assert bot.settings.chroma_url == chroma_url
    assert bot.store.location == chroma_url
    assert not bot.settings.index_path.exists()  # nothing written to the local index folder
    chunks, sentences = _counts(server)
    assert chunks == bot.store.count() > 5
    assert sentences > chunks  # every chunk's sentences, embedded on their own
    stored = server.get_collection(SENTENCES).get(limit=3, include=["metadatas"])
    assert all(m["chunk_id"] and m["doc_id"] for m in stored["metadatas"])


@pytest.mark.slow
def test_retrieval_finds_the_article_that_answers(bot):
    passages = bot.retrieve(QUESTION, k=3)
    assert passages[0].doc_id == ANSWER_DOC
    assert "Farewell of Slavianka" in passages[0].text
    assert passages[0].sentences  # sentence scores come from the server's sentence collection


@pytest.mark.slow
def test_indexing_again_writes_nothing_and_duplicates_nothing(bot, server):
    before = _counts(server)
    report = bot.index(progress=False)
    assert len(report.unchanged) == 5 and not report.added and not report.updated and report.chunks_written == 0
    assert _counts(server) == before
    doc_ids = [m["doc_id"] for m in server.get_collection(COLLECTION).get(include=["metadatas"])["metadatas"]]
    assert set(doc_ids) == {p.stem for p in bot.settings.articles_dir.glob("*.txt")}


@pytest.mark.slow
def test_a_second_machine_shares_the_index_without_indexing(tmp_path, bot, chroma_url, models_dir, seed_articles,
                                                            embedder):
    other = _assistant(tmp_path / "other-home", chroma_url, models_dir, seed_articles, embedder)
    assert other.store.count() == bot.store.count()
    assert other.retrieve(QUESTION, k=1)[0].doc_id == ANSWER_DOC
    assert not other.settings.index_path.exists()


@pytest.mark.slow
def test_a_collection_built_with_another_embedding_model_is_refused(tmp_path, bot, chroma_url, models_dir,
                                                                   seed_articles, embedder):
    from rag.errors import IndexDirectoryError

    other = _assistant(tmp_path / "other-home", chroma_url, models_dir, seed_articles, embedder,
                       embed_model="another-model")
    with pytest.raises(IndexDirectoryError, match="multilingual-e5-small.*--rebuild"):
        _ = other.store  # opening the store is what refuses


@pytest.mark.slow
def test_rebuild_replaces_a_collection_of_another_model_and_leaves_no_stray_rows(
        tmp_path, server, chroma_url, models_dir, seed_articles, embedder):
    from rag.errors import IndexDirectoryError

    stale = server.get_or_create_collection("rebuilt", metadata={"embed_model": "another-model", "format": 2})
    stale.add(ids=["stale#000"], embeddings=[[0.5] * 8], documents=["left from another model"],
              metadatas=[{"doc_id": "stale"}])
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(seed_articles / f"{ANSWER_DOC}.txt", folder)
    bot = _assistant(tmp_path / "home", chroma_url, models_dir, folder, embedder, collection="rebuilt")
    with pytest.raises(IndexDirectoryError, match="--rebuild"):
        _ = bot.store  # opening the store is what refuses

    report = bot.index(rebuild=True, progress=False)
    assert report.added == [ANSWER_DOC]
    ids = server.get_collection("rebuilt").get(include=[])["ids"]
    assert ids and all(i.startswith(ANSWER_DOC + "#") for i in ids)
    assert server.get_collection("rebuilt-sentences").count() > len(ids)
    assert bot.retrieve(QUESTION, k=1)[0].doc_id == ANSWER_DOC


@pytest.mark.slow
def test_wipe_empties_both_collections_and_nothing_else(server, chroma_url, bot):
    from index import ChunkStore

    for name in ("wipe-me", "wipe-me-sentences"):
        server.get_or_create_collection(name).add(ids=["a#000"], embeddings=[[0.5] * 8], documents=["text"],
                                                  metadatas=[{"doc_id": "a"}])
    kept = _counts(server)
    ChunkStore.wipe(url=chroma_url, collection="wipe-me", embed_model="whatever-model")
    assert server.get_collection("wipe-me").count() == 0
    assert server.get_collection("wipe-me-sentences").count() == 0
    assert _counts(server) == kept  # the other collections on the server are left alone


@pytest.mark.slow
def test_the_keyword_index_is_saved_on_this_machine_and_follows_the_server(tmp_path, bot, chroma_url, models_dir,
                                                                          seed_articles, embedder):
    from index.keyword_index import SavedKeywordIndex

    folder = bot.store.keyword_dir  # saved by `bot.index()`, in the local cache, named after server and collection
    assert folder.parent == bot.settings.keyword_cache_path and folder.name.startswith(COLLECTION + "-")
    assert SavedKeywordIndex(folder).is_current(bot.store.generation())
    assert not bot.settings.index_path.exists()
    vector = embedder.embed_queries([QUESTION])[0]
    assert len(bot.store.query(vector, 10_000)) == bot.store.count()  # more than the server holds: what there is
    assert any(p.doc_id == ANSWER_DOC for p in bot.retriever.retrieve(QUESTION, 5, "id", mode="bm25"))

    other = _assistant(tmp_path / "other-home", chroma_url, models_dir, seed_articles, embedder)
    other.store.delete_document(ANSWER_DOC)  # another machine changes the shared index
    assert not SavedKeywordIndex(folder).is_current(bot.store.generation())
    assert all(p.doc_id != ANSWER_DOC for p in bot.retriever.retrieve(QUESTION, 5, "id", mode="bm25"))
    other.index(progress=False)  # and puts the article back
    assert any(p.doc_id == ANSWER_DOC for p in bot.retriever.retrieve(QUESTION, 5, "id", mode="bm25"))
    assert SavedKeywordIndex(folder).is_current(bot.store.generation())


def test_a_chroma_server_that_is_not_running_is_a_clear_error(tmp_path):
    from rag import Assistant, StoreUnavailableError, load_settings

    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TANYA_CHROMA_URL", dead)
        bot = Assistant(load_settings(home=tmp_path / "home"))
    with pytest.raises(StoreUnavailableError) as caught:
        _ = bot.store  # opening the store is what fails
    message = str(caught.value)
    assert dead in message and "chroma run" in message and "TANYA_CHROMA_URL" in message
    assert not (tmp_path / "home").exists()  # nothing created on this machine instead


@pytest.mark.slow
def test_a_chroma_server_that_stops_mid_session_is_a_clear_error(tmp_path, models_dir, seed_articles, embedder):
    from rag import StoreUnavailableError

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [_chroma_command(), "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with running_server(command, ready_url=f"{url}/api/v2/heartbeat", log=tmp_path / "chroma.log", timeout_s=60):
        bot = _assistant(tmp_path / "home", url, models_dir, seed_articles, embedder)
        bot.index([seed_articles / f"{ANSWER_DOC}.txt"], progress=False)
        assert bot.retrieve(QUESTION, k=1)[0].doc_id == ANSWER_DOC
    with pytest.raises(StoreUnavailableError, match="stopped answering.*chroma run.*TANYA_CHROMA_URL"):
        bot.retrieve(QUESTION, k=1)
