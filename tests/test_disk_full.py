"""A disk that fills up while indexing: the user is told what happened and what to do (not chromadb's
InternalError), nothing indexed before is lost, and the next run finishes the job."""

from __future__ import annotations

import chromadb.errors
import pytest
from fakes import WordEmbedder

from index import ChunkStore, document_states, index_articles
from rag.errors import IndexWriteError, TanyaError


def _fill_disk_after(monkeypatch, writes: int) -> list[int]:
    """Every write to the store after the first ``writes`` fails as chromadb does when SQLite's disk is full."""
    done = [0]
    real = ChunkStore._replace_documents

    def replace(self, batch):
        if done[0] >= writes:
            raise chromadb.errors.InternalError("error returned from database: (code: 13) database or disk is full")
        done[0] += 1
        return real(self, batch)

    monkeypatch.setattr(ChunkStore, "_replace_documents", replace)
    return done


def test_a_full_disk_is_said_in_words_and_what_was_indexed_stays(tmp_path, seed_articles, monkeypatch):
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    _fill_disk_after(monkeypatch, writes=2)
    with pytest.raises(IndexWriteError) as caught:
        index_articles([seed_articles], store, WordEmbedder(), progress=False, embed_batch=8)
    message = str(caught.value)
    assert isinstance(caught.value, TanyaError)
    assert "disk holding the index" in message and "is full" in message and str(tmp_path / "index") in message
    assert "Free some space" in message and "Nothing already indexed is lost" in message
    assert "database or disk is full" in message  # what chromadb said, kept for the curious

    written = document_states(store)
    assert written and all(state.complete for state in written.values())  # the batches before the full disk
    chunks_before = store.count()

    monkeypatch.undo()  # space freed: the next run finishes and keeps what was there
    report = index_articles([seed_articles], store, WordEmbedder(), progress=False, embed_batch=8)
    assert set(report.unchanged) == set(written)
    assert len(report.added) == len(list(seed_articles.glob("*.txt"))) - len(written)
    assert store.count() > chunks_before and all(s.complete for s in document_states(store).values())


def test_other_write_failures_are_not_called_a_full_disk(tmp_path, seed_articles, monkeypatch):
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")

    def broken(self, batch):
        raise chromadb.errors.InternalError("Error finding id")

    monkeypatch.setattr(ChunkStore, "_replace_documents", broken)
    with pytest.raises(chromadb.errors.InternalError):
        index_articles([seed_articles], store, WordEmbedder(), progress=False)
