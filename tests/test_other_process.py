"""Another process writes to the index this process reads: this one sees the new state and never breaks.

chromadb's embedded client keeps each folder's vector index in memory per process; before the
store reopened it on another process's write, a removed article's chunks kept coming back (and
reading their sentences raised TypeError), and a new article's chunks were never found.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index.chunking import Chunk
from index.store import ChunkStore, DocumentWrite

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from pathlib import Path
    from index.chunking import Chunk
    from index.store import ChunkStore, DocumentWrite

    store = ChunkStore.open(path=Path(sys.argv[1]), embed_model="fake")
    if sys.argv[2] == "remove":
        store.delete_document(sys.argv[3])
    else:
        doc, rng = sys.argv[3], np.random.default_rng(int(sys.argv[4]))
        chunks = [Chunk(id=f"{doc}#{i:04d}", doc_id=doc, position=i, text=f"teks {doc} {i}",
                        metadata={"doc_id": doc, "title": doc}, sentences=(f"kalimat {doc} {i}.",)) for i in range(3)]
        store.replace_documents([DocumentWrite(doc, chunks, rng.normal(size=(3, 8)), rng.normal(size=(3, 8)))])
""")


def _write(path: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(path), *args], check=True, capture_output=True, timeout=120)


def _doc(doc: str, rng: np.random.Generator) -> DocumentWrite:
    chunks = [Chunk(id=f"{doc}#{i:04d}", doc_id=doc, position=i, text=f"teks {doc} {i}",
                    metadata={"doc_id": doc, "title": doc}, sentences=(f"kalimat {doc} {i}.",)) for i in range(3)]
    return DocumentWrite(doc, chunks, rng.normal(size=(3, 8)), rng.normal(size=(3, 8)))


def test_a_removal_and_an_addition_by_another_process_are_seen(tmp_path):
    rng = np.random.default_rng(0)
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    store.replace_documents([_doc("a", rng), _doc("b", rng)])
    query = rng.normal(size=8)
    assert {c.doc_id for c in store.query(query, 6)} == {"a", "b"}  # loads the vector index in this process

    _write(tmp_path / "index", "remove", "a")
    store.generation()  # what a retriever asks once per question, before it queries
    assert {c.doc_id for c in store.query(query, 6)} == {"b"}
    assert {s.chunk_id[0] for s in store.query_sentences(query, 6)} == {"b"}
    assert store.get_chunks(["a#0000", "b#0000"])[0].id == "b#0000" and store.count() == 3

    _write(tmp_path / "index", "add", "c", "1")
    store.generation()
    assert {c.doc_id for c in store.query(query, 9)} == {"b", "c"}
    assert set(store.sentences(["c#0000"])) == {"c#0000"}
    again = ChunkStore.open(path=tmp_path / "index", embed_model="fake")  # a new store in this process, too
    again.generation()
    assert {c.doc_id for c in again.query(query, 9)} == {"b", "c"}

    store.replace_documents([_doc("d", rng)])  # this process's own writes are seen without reopening
    assert {c.doc_id for c in store.query(query, 12)} == {"b", "c", "d"}


def test_a_read_racing_another_process_write_reopens_instead_of_failing(tmp_path):
    """The write lands between a question's generation check and its reads: chromadb's in-memory vector
    index of this process lacks the new rows ("Error finding id"); the read opens the folder anew."""
    rng = np.random.default_rng(0)
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    store.replace_documents([_doc("a", rng), _doc("b", rng)])
    store.query(rng.normal(size=8), 6)  # loads the vector index in this process
    _write(tmp_path / "index", "remove", "a")
    _write(tmp_path / "index", "add", "c", "1")

    assert sorted(store.embeddings(["a#0000", "b#0000", "c#0000"])) == ["b#0000", "c#0000"]
    assert sorted(store.sentences(["c#0000"])) == ["c#0000"]
    assert store.generation() == store._stored_generation()


def test_threads_opening_a_fresh_assistant_at_once_share_one_store(tmp_path):
    from rag import Assistant, load_settings

    bot = Assistant(load_settings(home=tmp_path))
    stores, errors = [], []
    barrier = threading.Barrier(4)

    def open_store():
        try:
            barrier.wait()
            stores.append(bot.store)
        except Exception as exc:  # pragma: no cover - the failure being tested
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4 and all(s is stores[0] for s in stores)


SOAK_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from index import load_article
    from rag import Assistant, load_settings

    home, models, doc_id = sys.argv[1], sys.argv[2], sys.argv[4]
    articles, seconds = Path(sys.argv[3]), float(sys.argv[5])
    bot = Assistant(load_settings(home=home, models_dir=models, articles_dir=articles, llm="smollm2-135m"))
    article = load_article(articles / f"{doc_id}.txt")
    rounds, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        bot.store.delete_document(doc_id)
        time.sleep(0.2)
        bot.add_articles([article], progress=False)
        rounds += 1
    print(rounds)
""")


@pytest.mark.slow
def test_soak_another_process_removes_and_adds_while_this_one_asks(tmp_path, models_dir, seed_articles, embedder):
    """Two real processes for a bounded time: one removes and re-adds an article in a loop, the
    other retrieves and asks (tiny model). No error; every citation is of an article that exists."""
    from rag import Assistant, load_settings

    bot = Assistant(load_settings(home=tmp_path / "home", models_dir=models_dir, articles_dir=seed_articles,
                                  llm="smollm2-135m", threads=1, max_answer_tokens=24), embedder=embedder)
    bot.index(progress=False)
    toggled = sorted(p.stem for p in seed_articles.glob("*.txt"))[0]
    existing = {p.stem for p in seed_articles.glob("*.txt")}
    bot.retrieve("Kim Jong Un")  # load this process's vector index before the other process writes

    writer = subprocess.Popen([sys.executable, "-c", SOAK_WRITER, str(tmp_path / "home"), str(models_dir),
                               str(seed_articles), toggled, "25"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    asked = 0
    end = time.monotonic() + 28
    questions = ["Siapa yang memberikan rompi antipeluru kepada Kim?", "When did Kim arrive in Russia?"]
    while writer.poll() is None and time.monotonic() < end + 60:
        question = questions[asked % 2]
        passages = bot.retrieve(question, k=5)
        assert {p.doc_id for p in passages} <= existing
        answer = bot.ask(question)
        assert {c.doc_id for c in answer.citations} <= existing
        asked += 1
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err[-2000:]
    assert int(out.strip().splitlines()[-1]) >= 2 and asked >= 2
    # the writer's last act was to add the article back: this process sees it
    assert toggled in bot.store.document_hashes()
