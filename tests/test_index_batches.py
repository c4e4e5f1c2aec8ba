"""Indexing in batches across documents: same result as one by one, and a run that fails half-way is completed."""

import numpy as np
import pytest

from index import Article, ChunkStore, chunk_article, document_states, index_articles, index_documents, load_article


class FakeEmbedder:
    """Deterministic unit vectors from the text; can be told to fail on its n-th call."""

    dimension = 8

    def __init__(self, fail_on_call=None):
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed_passages(self, texts, progress=None):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("killed")
        rows = [np.random.default_rng(sum(map(ord, t)) * 7919 + len(t)).normal(size=8) for t in texts]
        if progress is not None:
            for done in range(1, len(texts) + 1):
                progress(done, len(texts))
        return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    def embed_queries(self, texts):
        return self.embed_passages(texts)


def news(n: int) -> str:
    sentences = " ".join(f"Kalimat ke-{i} tentang proyek {n} di kota nomor {n} berjalan lancar."
                         for i in range(n % 5 + 1))
    return f"Berita Kota {n}\n\nPemerintah kota nomor {n} membangun {n} jembatan. {sentences}"


def write_folder(tmp_path, count=12):
    folder = tmp_path / "berita"
    folder.mkdir()
    for n in range(count):
        (folder / f"kota_{n:02d}.txt").write_text(news(n), encoding="utf-8")
    return folder


def contents(store):
    chunks = {c.id: (c.text, c.metadata["content_hash"]) for c in store.all_chunks()}
    vectors = store.embeddings(sorted(chunks))
    sentences = store._sentences.get(include=["documents"])
    return (chunks, {k: np.round(v, 5).tolist() for k, v in vectors.items()},
            sorted(zip(sentences["ids"], sentences["documents"], strict=True)))


@pytest.mark.parametrize("batch", [1, 16, 10_000])
def test_any_batch_size_stores_the_same(tmp_path, batch):
    folder = write_folder(tmp_path)
    one = ChunkStore.open(path=tmp_path / "one", embed_model="fake")
    index_articles([folder], one, FakeEmbedder(), progress=False, embed_batch=1)
    other = ChunkStore.open(path=tmp_path / "other", embed_model="fake")
    report = index_articles([folder], other, FakeEmbedder(), progress=False, embed_batch=batch)
    assert len(report.added) == 12 and report.chunks_written == other.count()
    assert contents(one) == contents(other)


def test_batches_call_the_model_once_a_batch(tmp_path):
    folder = write_folder(tmp_path)
    fake = FakeEmbedder()
    index_articles([folder], ChunkStore.open(path=tmp_path / "i", embed_model="fake"), fake, progress=False,
                   embed_batch=10_000)
    assert fake.calls == 1


def test_a_run_failing_half_way_keeps_whole_batches_and_the_next_run_completes(tmp_path):
    folder = write_folder(tmp_path)
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    with pytest.raises(RuntimeError, match="killed"):
        index_articles([folder], store, FakeEmbedder(fail_on_call=3), progress=False, embed_batch=12)
    states = document_states(store)
    assert 0 < len(states) < 12 and all(s.complete for s in states.values())  # written batches are whole
    report = index_articles([folder], store, FakeEmbedder(), progress=False, embed_batch=12)
    assert len(report.unchanged) == len(states) and len(report.added) == 12 - len(states)
    reference = ChunkStore.open(path=tmp_path / "reference", embed_model="fake")
    index_articles([folder], reference, FakeEmbedder(), progress=False)
    assert contents(store) == contents(reference)


def test_the_same_record_twice_in_one_batch_keeps_the_later_one(tmp_path):
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    first = Article(doc_id="x", path=tmp_path / "x.csv", title="X", text=news(1), content_hash="a")
    second = Article(doc_id="x", path=tmp_path / "x.csv", title="X", text=news(2), content_hash="b")
    index_documents([first, second], store, FakeEmbedder(), progress=False, embed_batch=10_000)
    chunks = store.all_chunks()
    assert {c.metadata["content_hash"] for c in chunks} == {"b"} and "jembatan" in chunks[0].text


def test_progress_counts_only_written_files(tmp_path, capsys):
    folder = write_folder(tmp_path, count=6)
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    index_articles([folder], store, FakeEmbedder(), progress=True, embed_batch=10_000)
    bar = capsys.readouterr().err
    assert "6/6" in bar and "1/6" not in bar  # one batch: the bar goes from 0 to 6 when it is written
    # meanwhile it shows the batch going through the model
    texts = sum(1 + len(c.sentences) for f in sorted(folder.iterdir())
                for c in chunk_article(load_article(f), 160, 24))
    assert f"embedding 1/{texts} texts" in bar and f"embedding {texts}/{texts} texts" in bar
