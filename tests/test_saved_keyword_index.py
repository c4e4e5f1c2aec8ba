"""The keyword index the store owns, saved beside it: loaded by the next process instead of built, never
used stale (an article edited with the same chunk ids, added, removed; another process writing), kept
current by the write path (once at the end of an indexing run, after a removal), rebuilt when damaged,
gone with `--rebuild`; and the same results as the index built in memory.

Fake embeddings throughout (no model is loaded): only the texts matter to BM25.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fakes import WordEmbedder

from index import Chunk, ChunkStore, index_articles
from index.keyword_index import IDS_FILE, META_FILE, BM25Index, SavedKeywordIndex
from index.store import KEYWORD_DIR, new_generation
from rag.retrieval import HybridRetriever

REPO = Path(__file__).resolve().parent.parent
MODEL = "multilingual-e5-small"
QUESTIONS = ["rompi antipeluru Kim", "kereta lapis baja", "Vladivostok", "banjir rob", "harga beras",
             "zzzz tidak ada"]
#: In no seed article: a chunk holding it was edited.
NEW_WORD = "zamrudkhatulistiwa"


@pytest.fixture()
def index_path(tmp_path, seed_articles) -> Path:
    """An index folder with the seed articles (fake vectors), without the keyword index that indexing them
    saved: each test here says when one is built."""
    path = tmp_path / "index"
    store = ChunkStore.open(path=path, embed_model=MODEL)
    index_articles([seed_articles], store, WordEmbedder(), progress=False)
    assert SavedKeywordIndex(store.keyword_dir).is_current(store.generation())  # the run saved it at its end
    shutil.rmtree(store.keyword_dir)
    return path


def open_store(path: Path) -> ChunkStore:
    """The store as another process opens it: a new ChunkStore object, holding no keyword index yet."""
    return ChunkStore.open(path=path, embed_model=MODEL)


@pytest.fixture()
def builds(monkeypatch) -> list[int]:
    """Counts the keyword indexes built (the size of each)."""
    made: list[int] = []
    build = BM25Index.build.__func__

    def counting(cls, ids, texts, generation=""):
        made.append(len(ids))
        return build(cls, ids, texts, generation)

    monkeypatch.setattr(BM25Index, "build", classmethod(counting))
    return made


_build_uncounted = BM25Index.build


def in_memory(store: ChunkStore) -> BM25Index:
    """The index built in memory from the store, as before it was saved (not counted by ``builds``)."""
    return _build_uncounted(*store.chunk_texts())


def hits(index: BM25Index, allowed: set[str] | None = None) -> list[list[tuple[str, float]]]:
    return [index.search(q, 50, allowed) for q in QUESTIONS]


def edit_first_chunk(store: ChunkStore, extra: str) -> str:
    """Append ``extra`` to the first chunk of an article, keeping every chunk id (as an edit of the
    article's text that does not change its chunk count). Returns the chunk's id."""
    doc_id = sorted(store.document_hashes())[0]
    old = store.all_chunks({"doc_id": doc_id})
    vectors = WordEmbedder().embed_passages([c.text for c in old])
    changed = [Chunk(id=c.id, doc_id=doc_id, position=int(c.metadata["position"]),
                     text=c.text + (f" {extra}" if n == 0 else ""), metadata=c.metadata, sentences=(c.text,))
               for n, c in enumerate(old)]
    store.replace_document(doc_id, changed, vectors, vectors)
    return old[0].id


def test_the_index_is_saved_in_the_index_folder_and_a_fresh_process_loads_it(index_path, builds):
    first = open_store(index_path)
    assert first.keyword_dir == index_path / KEYWORD_DIR / "articles"
    built = first.keyword_index()
    assert builds == [first.count()] and (first.keyword_dir / META_FILE).is_file()

    later = open_store(index_path)
    loaded = later.keyword_index()
    assert builds == [first.count()]  # loaded, not built again
    assert loaded.generation == built.generation == later.generation()
    assert isinstance(loaded._ids, np.memmap)  # memory-mapped, not read into RAM
    expected = in_memory(later)
    assert hits(loaded) == hits(expected) == hits(built)
    allowed = {i for i in later.ids() if i.startswith(sorted(later.document_hashes())[1])}
    assert hits(loaded, allowed) == hits(expected, allowed)
    assert any(hits(loaded))


def test_a_retriever_in_a_fresh_process_loads_it_and_finds_the_same_passages(index_path, builds):
    assert open_store(index_path).refresh_keyword_index()  # built and saved (none was saved)
    assert len(builds) == 1
    retriever = HybridRetriever(open_store(index_path), WordEmbedder())
    found = [[p.id for p in retriever.retrieve(q, 5, "id", mode="bm25")] for q in QUESTIONS]
    assert len(builds) == 1 and any(found)
    expected = in_memory(retriever.store)
    assert found == [[cid for cid, _ in expected.search(q, 20)][:5] for q in QUESTIONS]


def test_an_article_edited_with_the_same_chunk_ids_makes_the_saved_index_stale(index_path, builds):
    reader = HybridRetriever(open_store(index_path), WordEmbedder())
    assert reader.retrieve(NEW_WORD, 3, "id", mode="bm25") == []
    saved = SavedKeywordIndex(reader.store.keyword_dir)
    ids_before = reader.store.ids()
    chunk = edit_first_chunk(open_store(index_path), f"Julukan pasar itu {NEW_WORD}.")  # another "process"
    assert reader.store.ids() == ids_before
    assert not saved.is_current(reader.store.generation())
    # The reader sees it on its next question; a fresh process does not load the stale one.
    assert [p.id for p in reader.retrieve(NEW_WORD, 3, "id", mode="bm25")] == [chunk]
    fresh = open_store(index_path)
    assert fresh.keyword_index().search(NEW_WORD, 3)[0][0] == chunk
    assert hits(open_store(index_path).keyword_index()) == hits(in_memory(fresh))
    assert len(builds) == 2  # the first one, and one after the edit (saved then loaded)


def test_removing_and_adding_articles_make_the_saved_index_stale(index_path, seed_articles, builds, tmp_path):
    open_store(index_path).refresh_keyword_index()
    writer = open_store(index_path)
    gone = sorted(writer.document_hashes())[0]
    assert writer.delete_document(gone) > 0
    assert SavedKeywordIndex(writer.keyword_dir).is_current(writer.generation())  # rebuilt by the removal
    after_removal = open_store(index_path).keyword_index()
    assert not any(cid.startswith(gone + "#") for q in QUESTIONS for cid, _ in after_removal.search(q, 100))
    assert after_removal.size == writer.count() and len(builds) == 2

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "baru.txt").write_text(f"Berita Baru\n\nKota itu dijuluki {NEW_WORD} oleh warganya pada Senin.\n",
                                    encoding="utf-8")
    index_articles([extra], open_store(index_path), WordEmbedder(), progress=False)
    assert SavedKeywordIndex(writer.keyword_dir).is_current(writer.generation())  # rebuilt by the run
    after_adding = open_store(index_path).keyword_index()
    assert after_adding.search(NEW_WORD, 3)[0][0].startswith("baru#") and len(builds) == 3


def test_a_write_by_another_process_is_seen_on_the_next_question(index_path):
    reader = HybridRetriever(open_store(index_path), WordEmbedder())
    assert reader.retrieve(NEW_WORD, 3, "id", mode="bm25") == []
    script = (f"import sys; sys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]\n"
              "from pathlib import Path\n"
              "from test_saved_keyword_index import edit_first_chunk, open_store\n"
              f"print(edit_first_chunk(open_store(Path({str(index_path)!r})), {NEW_WORD!r}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    assert done.returncode == 0, done.stderr
    chunk = done.stdout.split()[-1]
    assert [p.id for p in reader.retrieve(NEW_WORD, 3, "id", mode="bm25")] == [chunk]


@pytest.mark.parametrize("damage", ["meta not json", "ids missing", "scores truncated", "vocabulary not json",
                                    "ids of another size", "meta of another format"])
def test_a_damaged_saved_index_is_built_again_and_overwritten(index_path, builds, damage, caplog):
    store = open_store(index_path)
    store.refresh_keyword_index()
    folder = store.keyword_dir
    if damage == "meta not json":
        (folder / META_FILE).write_text("{not json")
    elif damage == "ids missing":
        (folder / IDS_FILE).unlink()
    elif damage == "scores truncated":
        data = folder / "data.csc.index.npy"
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif damage == "vocabulary not json":
        (folder / "vocab.index.json").write_text("[1, 2")
    elif damage == "ids of another size":
        np.save(folder / IDS_FILE, np.asarray(["x#0000"]))
    else:
        meta = json.loads((folder / META_FILE).read_text())
        (folder / META_FILE).write_text(json.dumps({**meta, "format": 0}))
    index = open_store(index_path).keyword_index()
    assert len(builds) == 2 and hits(index) == hits(in_memory(store))
    if damage != "meta of another format":  # an older format is rebuilt quietly
        assert "built again" in caplog.text
    assert SavedKeywordIndex(folder).is_current(store.generation())
    open_store(index_path).keyword_index()
    assert len(builds) == 2  # what was rebuilt was saved over the damaged one


@pytest.mark.parametrize("damage", ["ids permuted", "scores permuted", "a score changed"])
def test_a_saved_index_changed_in_place_is_found_and_built_again(index_path, builds, damage, caplog):
    """Files of the right shape that do not hold what was saved (ids or scores in another order, a value
    changed) would change results silently: their checksums no longer match, and the index is rebuilt."""
    store = open_store(index_path)
    store.refresh_keyword_index()
    folder = store.keyword_dir
    if damage == "ids permuted":
        ids = np.load(folder / IDS_FILE)
        np.save(folder / IDS_FILE, np.roll(ids, 1))
    else:
        path = folder / "data.csc.index.npy"
        data = np.load(path)
        np.save(path, np.roll(data, 1) if damage == "scores permuted" else data * np.where(
            np.arange(len(data)) == 0, 3.0, 1.0).astype(data.dtype))
    index = open_store(index_path).keyword_index()
    assert len(builds) == 2 and hits(index) == hits(in_memory(store))
    assert "built again" in caplog.text and "checksum" in caplog.text
    open_store(index_path).keyword_index()
    assert len(builds) == 2  # the rebuilt one was saved over it


def test_an_index_built_while_a_write_is_under_way_is_used_but_not_saved(index_path, builds):
    store = open_store(index_path)
    store._set_generation(new_generation(writing=True))  # as if a write was under way (or killed)
    index = store.keyword_index()
    assert index.size == store.count() and not store.keyword_dir.exists()
    edit_first_chunk(store, NEW_WORD)  # a write that completes
    assert store.keyword_index() is not index
    assert SavedKeywordIndex(store.keyword_dir).is_current(store.generation())


def test_a_save_killed_half_way_leaves_nothing_that_is_loaded_and_is_swept_later(index_path, builds, monkeypatch):
    store = open_store(index_path)
    folder = store.keyword_dir

    def killed(self, target):
        target.mkdir(parents=True)
        (target / IDS_FILE).write_bytes(b"\x93NUMPY half")
        raise OSError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(BM25Index, "write", killed)
        store.keyword_index()
    assert not folder.exists()  # the half-written folder never took its place
    leftovers = list(folder.parent.glob(f".{folder.name}.*"))
    assert leftovers == []  # removed by the failing process itself
    old = folder.parent / f".{folder.name}.partial-dead"
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    young = folder.parent / f".{folder.name}.partial-busy"  # another process saving right now
    young.mkdir()
    open_store(index_path).keyword_index()  # a process started later
    assert SavedKeywordIndex(folder).is_current(store.generation())
    assert not old.exists() and young.exists()


def test_rebuild_and_wipe_leave_no_saved_index(index_path, seed_articles, builds, tmp_path):
    from rag import Assistant, load_settings

    store = open_store(index_path)
    store.refresh_keyword_index()
    ChunkStore.wipe(path=index_path, embed_model=MODEL)
    assert not store.keyword_dir.exists() and (index_path / "tanya-index.json").is_file()
    assert open_store(index_path).count() == 0  # the folder is still an index (the marker check passes)

    bot = Assistant(load_settings(home=tmp_path / "home", articles_dir=seed_articles), embedder=WordEmbedder())
    bot.index(progress=False)  # `tanya index`: leaves a saved keyword index for the next process
    saved = SavedKeywordIndex(bot.store.keyword_dir)
    assert saved.is_current(bot.store.generation())
    before = json.loads((saved.folder / META_FILE).read_text())["generation"]
    bot.index(rebuild=True, progress=False)
    after = json.loads((saved.folder / META_FILE).read_text())["generation"]
    assert after != before and saved.is_current(bot.store.generation())
    assert hits(bot._open_store().keyword_index()) == hits(in_memory(bot.store))


def test_indexing_nothing_new_keeps_the_saved_index(index_path, seed_articles, builds):
    store = open_store(index_path)
    assert store.refresh_keyword_index()
    generation = store.generation()
    report = index_articles([seed_articles], store, WordEmbedder(), progress=False)
    assert report.chunks_written == 0 and not report.removed
    assert store.generation() == generation and not store.refresh_keyword_index() and len(builds) == 1


def test_the_write_path_keeps_it_current_once_a_run_not_once_a_batch(index_path, builds, tmp_path):
    store = open_store(index_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    for n in range(3):
        (extra / f"baru-{n}.txt").write_text(f"Berita Baru {n}\n\nKota {n} dijuluki {NEW_WORD} oleh warganya.\n",
                                             encoding="utf-8")
    index_articles([extra], store, WordEmbedder(), progress=False, embed_batch=1)  # one batch a document
    saved = SavedKeywordIndex(store.keyword_dir)
    assert len(builds) == 1 and saved.is_current(store.generation())
    for n in range(2):
        (extra / f"baru-{n}.txt").unlink()
    report = index_articles([extra], store, WordEmbedder(), progress=False)  # two removals on its way
    assert len(report.removed) == 2 and len(builds) == 2 and saved.is_current(store.generation())
    # A store answering questions holds an index: a write replaces it, so the next question does not build.
    held = store.keyword_index()
    assert len(builds) == 2  # the saved one, loaded
    assert store.delete_document("baru-2") > 0
    assert len(builds) == 3 and saved.is_current(store.generation())
    current = store.keyword_index()
    assert current is not held and len(builds) == 3 and not current.search(NEW_WORD, 3)
    assert hits(current) == hits(in_memory(store))


def test_a_question_asks_the_store_for_its_generation_once_and_never_counts(index_path, monkeypatch):
    retriever = HybridRetriever(open_store(index_path), WordEmbedder())
    retriever.retrieve("kereta lapis baja", 4, "id")  # loads or builds the keyword index
    calls: list[str] = []
    for name in ("count", "generation"):
        real = getattr(ChunkStore, name)
        monkeypatch.setattr(ChunkStore, name, lambda self, _real=real, _name=name: calls.append(_name) or _real(self))
    retriever.retrieve("kereta lapis baja", 4, "id")
    retriever.retrieve("Vladivostok", 4, "id", mode="dense")
    assert calls == ["generation"]


def test_queries_asking_for_more_than_the_store_holds(tmp_path):
    store = ChunkStore.open(path=tmp_path / "index", embed_model=MODEL)
    vector = WordEmbedder().embed_queries(["apa"])[0]
    assert store.query(vector, 50) == [] and store.query_sentences(vector, 50) == []
    chunks = [Chunk(id=f"a#{n:04d}", doc_id="a", position=n, text=f"Kalimat nomor {n}.",
                    metadata={"doc_id": "a", "position": n}, sentences=(f"Kalimat nomor {n}.",)) for n in range(3)]
    vectors = WordEmbedder().embed_passages([c.text for c in chunks])
    store.replace_document("a", chunks, vectors, vectors)
    assert len(store.query(vector, 50)) == 3 and len(store.query_sentences(vector, 50)) == 3
    assert store.query(vector, 50, where={"doc_id": "b"}) == []
