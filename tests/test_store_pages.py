"""Reading many rows from the store in pages: the same results as one read, and no row lost to a write
between pages. chromadb 1.5.9 fails a get() of more than 32,766 rows' metadata, or of more than 32,763
ids ("too many SQL variables"), so ChunkStore reads by batches of ``READ_PAGE`` ids.

Fake embeddings throughout (no model is loaded).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from fakes import WordEmbedder

import index.store as store_module
from index import ChunkStore, document_states, index_articles
from index.building import DocumentState


class CountingCollection:
    """A Chroma collection that records the get() calls made to it; ``between`` runs before every call
    after the first (a write by someone else between two pages)."""

    def __init__(self, collection: Any, between=None) -> None:
        self._collection, self._between = collection, between
        self.calls: list[dict] = []

    def get(self, **kw):
        if self.calls and self._between is not None:
            self._between(len(self.calls))
        self.calls.append(kw)
        return self._collection.get(**kw)

    def __getattr__(self, name):
        return getattr(self._collection, name)


@pytest.fixture()
def store(tmp_path, seed_articles) -> ChunkStore:
    """The seed articles, indexed with fake vectors: some tens of chunks, a few hundred sentences."""
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    index_articles([seed_articles], store, WordEmbedder(), progress=False)
    return store


def unpaged(store: ChunkStore) -> dict[str, Any]:
    """What every reading method returned before pages: each in one get() (as the code was), kept as lists
    of items so that order counts too."""
    col, sentences = store._collection, store._sentences
    got = col.get(include=["metadatas"])
    hashes = {str(m["doc_id"]): str(m.get("content_hash", "")) for m in got["metadatas"]}
    metadatas = {i: dict(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}
    got = col.get(include=["documents", "metadatas"])
    chunks = sorted(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
    one_doc = sorted((i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                     if m["doc_id"] == chunks[0][2]["doc_id"])
    texts = sorted(zip(got["ids"], got["documents"], strict=True))
    got = col.get(include=["embeddings"])
    vectors = {i: np.asarray(e, dtype=np.float32).tolist() for i, e in zip(got["ids"], got["embeddings"], strict=True)}
    return {"document_hashes": list(hashes.items()), "chunk_metadatas": list(metadatas.items()),
            "all_chunks": chunks, "all_chunks_where": one_doc,
            "chunk_texts": ([i for i, _ in texts], [t for _, t in texts]),
            "ids": set(col.get(include=[])["ids"]),
            "sentence_chunk_ids": {m["chunk_id"] for m in sentences.get(include=["metadatas"])["metadatas"]},
            "embeddings": vectors, "states": list(document_states_unpaged(metadatas).items())}


def document_states_unpaged(metadatas: dict[str, dict]) -> dict[str, DocumentState]:
    class Fixed:
        def chunk_metadatas(self):
            return metadatas
    return document_states(Fixed())  # type: ignore[arg-type]


def paged(store: ChunkStore, doc_id: str) -> dict[str, Any]:
    all_ids = sorted(store.ids())
    return {"document_hashes": list(store.document_hashes().items()),
            "chunk_metadatas": list(store.chunk_metadatas().items()),
            "all_chunks": [(c.id, c.text, c.metadata) for c in store.all_chunks()],
            "all_chunks_where": [(c.id, c.text, c.metadata) for c in store.all_chunks({"doc_id": doc_id})],
            "chunk_texts": store.chunk_texts(), "ids": store.ids(), "sentence_chunk_ids": store.sentence_chunk_ids(),
            "embeddings": {i: v.tolist() for i, v in store.embeddings(all_ids).items()},
            "states": list(document_states(store).items())}


def test_every_read_in_pages_of_three_gives_what_one_read_gave(store, monkeypatch):
    expected = unpaged(store)
    rows, sentence_rows = store.count(), store._sentences.count()
    assert rows > 20 and sentence_rows > rows  # many pages of 3 in both collections
    chunks = CountingCollection(store._collection)
    sentences = CountingCollection(store._sentences)
    monkeypatch.setattr(store, "_collection", chunks)
    monkeypatch.setattr(store, "_sentences", sentences)
    monkeypatch.setattr(store_module, "READ_PAGE", 3)
    got = paged(store, expected["all_chunks_where"][0][2]["doc_id"])
    for key, value in expected.items():
        assert got[key] == value, key
    # in pages indeed, none over 3 ids; the metadata of every row was read in more than one call
    assert all(len(call.get("ids") or []) <= 3 for call in chunks.calls + sentences.calls)
    assert all(call.get("limit") is None and call.get("offset") is None for call in chunks.calls + sentences.calls)
    assert sum(1 for call in sentences.calls if "metadatas" in call["include"]) == -(-sentence_rows // 3)
    # and chunks asked by id come in the order asked, unknown ones left out
    some = sorted(store.ids())[::-1][:7]
    assert [c.id for c in store.get_chunks(some[:4] + ["nope#000"] + some[4:])] == some


def test_a_write_between_pages_loses_no_row_that_stays(store, monkeypatch):
    monkeypatch.setattr(store_module, "READ_PAGE", 3)
    col = store._collection
    order = col.get(include=[])["ids"]  # Chroma's order: the pages follow it
    removed = {order[1], order[7]}  # one in the first page (read before it goes), one in a later page

    def write(calls: int) -> None:
        if calls == 2:  # after the ids and the first page
            meta = col.get(ids=[order[1]], include=["metadatas"])["metadatas"][0]
            col.delete(ids=sorted(removed))
            col.add(ids=["zz-new#000"], embeddings=WordEmbedder().embed_passages(["baru"]).tolist(), documents=["baru"],
                    metadatas=[{**meta, "doc_id": "zz-new"}])

    monkeypatch.setattr(store, "_collection", CountingCollection(col, between=write))
    got = list(store.chunk_metadatas())
    assert len(got) == len(set(got))  # none twice
    assert set(order) - removed <= set(got)  # none that stayed is missing
    assert order[7] not in got and "zz-new#000" not in got  # removed before its page / added after the ids
    assert order[1] in got  # read before it was removed


def test_asking_more_ids_than_sqlite_takes(store):
    """A get() of 32,764 ids fails in chromadb 1.5.9; asking them of the store works (unknown ones left out)."""
    known = sorted(store.ids())
    many = [f"unknown-{n}#000" for n in range(40_000)] + known
    with pytest.raises(Exception, match="too many SQL variables"):  # (if not, chromadb lifted the limit)
        store._collection.get(ids=many, include=[])
    assert [c.id for c in store.get_chunks(many)] == known
    assert sorted(store.embeddings(many)) == known


def test_reading_the_metadata_of_more_rows_than_sqlite_takes(tmp_path):
    """32,767 rows: one get() of their metadata fails in chromadb 1.5.9; the store reads them all."""
    started = time.perf_counter()
    rows = 32_767
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    col = store._collection
    rng = np.random.default_rng(0)
    for start in range(0, rows, 5000):
        n = min(5000, rows - start)
        col.add(ids=[f"d{i:05d}#000" for i in range(start, start + n)], embeddings=rng.random((n, 2), dtype=np.float32),
                metadatas=[{"doc_id": f"d{i:05d}", "content_hash": f"h{i}"} for i in range(start, start + n)])
    with pytest.raises(Exception, match="too many SQL variables"):  # (if not, chromadb lifted the limit)
        col.get(include=["metadatas"])
    hashes = store.document_hashes()
    assert len(hashes) == rows and hashes["d32766"] == "h32766"
    assert len(document_states(store)) == rows
    print(f"{rows} rows written and read in {time.perf_counter() - started:.1f} s")
