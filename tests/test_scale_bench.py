"""The scale benchmark's parts: the synthetic corpus, the timing/reusing embedder, the table."""

import json

import numpy as np
import pytest

from eval.bench_scale import markdown, project
from eval.reusing_embedder import TimedEmbedder
from eval.synthetic_corpus import benchmark_passages, build_corpus, write_corpus
from index import index_articles, load_articles
from index.chunking import chunk_article

TOWNS = ["Bandung", "Medan", "Makassar", "Padang", "Ambon", "Kupang", "Jayapura", "Manado", "Palu", "Kendari"]


def passages(n: int = 40) -> list[str]:
    """Distinct made-up news passages of one to four sentences."""
    out = []
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        sentences = [f"Pemerintah kota {town} membangun {i + 3} jembatan baru pada tahun {2000 + i}.",
                     f"Wali kota {town} mengatakan proyek nomor {i} selesai dalam {i % 9 + 2} bulan.",
                     f"Warga {town} menyambut baik rencana itu dan berharap jalan ke pasar lebih lancar.",
                     f"Anggaran proyek ke-{i} mencapai {i * 7 + 11} miliar rupiah dari dana daerah."]
        out.append(" ".join(sentences[: i % 4 + 1]))
    return out


@pytest.mark.parametrize("size", [1, 7, 40, 97])
def test_corpus_has_exactly_the_chunks_asked_for(size):
    articles = build_corpus(passages(), size, seed=3)
    assert sum(a.chunks for a in articles) == size
    assert len({a.text for a in articles}) == len(articles)  # no duplicate articles (the indexer would skip them)
    assert len({a.url for a in articles}) == len(articles)


def test_corpus_is_deterministic_and_depends_on_the_seed():
    first, again, other = (build_corpus(passages(), 60, seed=s) for s in (3, 3, 4))
    assert [a.to_json() for a in first] == [a.to_json() for a in again]
    assert [a.to_json() for a in first] != [a.to_json() for a in other]


def test_corpus_articles_are_several_passages_as_paragraphs():
    articles = build_corpus(passages(), 80, seed=3)
    multi = [a for a in articles if a.text.count("\n\n") >= 2]
    assert len(multi) >= len(articles) * 0.6  # all but the one-passage fillers at the end
    assert all(a.publisher and a.date.startswith("2023-") for a in articles)


def test_written_corpus_reads_back_into_the_same_chunks(tmp_path):
    articles = build_corpus(passages(), 50, seed=5)
    (path,) = write_corpus(articles, tmp_path / "corpus")
    read = list(load_articles(path))
    assert len(read) == len(articles) and all(not hasattr(r, "reason") for r in read)
    assert sum(len(chunk_article(a)) for a in read) == 50
    assert len({r.doc_id for r in read}) == len(read)


def test_too_few_passages_is_a_clear_error():
    with pytest.raises(ValueError, match="at least"):
        build_corpus(passages(3), 10)


def test_missing_benchmarks_folder_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="--data"):
        benchmark_passages(tmp_path)


class FakeEmbedder:
    """Deterministic unit vectors from the text's hash; counts what it embeds."""

    dimension = 8

    def __init__(self):
        self.embedded = []

    def embed_passages(self, texts):
        self.embedded += texts
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts]
        return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    def embed_queries(self, texts):
        return self.embed_passages(texts)


def test_timed_embedder_without_reuse_embeds_everything():
    fake = FakeEmbedder()
    timed = TimedEmbedder(fake)
    texts = ["Satu dua tiga empat. Lima enam tujuh.", "Satu dua tiga empat.", "Lima enam tujuh."]
    assert np.allclose(timed.embed_passages(texts), FakeEmbedder().embed_passages(texts))
    assert timed.ledger.texts_embedded == 3 and timed.ledger.texts_reused == 0


def test_reusing_embedder_embeds_each_sentence_once_and_approximates_chunks():
    fake = FakeEmbedder()
    timed = TimedEmbedder(fake, reuse=True)
    chunk = "Kota Bandung membangun jembatan. Warga kota itu senang sekali."
    sentences = ["Kota Bandung membangun jembatan.", "Warga kota itu senang sekali."]
    first = timed.embed_passages([chunk] + sentences)
    again = timed.embed_passages(sentences)
    assert sorted(fake.embedded) == sorted(sentences)  # the chunk itself never went to the model
    assert np.allclose(first[1:], again)
    mean = first[1:].mean(axis=0)
    assert np.allclose(first[0], mean / np.linalg.norm(mean))
    ledger = timed.ledger
    assert (ledger.texts_embedded, ledger.texts_reused, ledger.chunks_approximated) == (2, 2, 1)


def test_reusing_embedder_through_the_real_indexer(tmp_path):
    from index import ChunkStore

    articles = build_corpus(passages(), 30, seed=2)
    write_corpus(articles, tmp_path / "corpus")
    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    timed = TimedEmbedder(FakeEmbedder(), reuse=True)
    report = index_articles([tmp_path / "corpus"], store, timed, progress=False)
    assert report.chunks_written == store.count() == 30
    assert timed.ledger.texts_embedded < report.chunks_written + store._sentences.count()


def _result(chunks, reused, embed_s=10.0, texts_embedded=100):
    return {"chunks": chunks, "sentences": 3 * chunks, "reused_embeddings": reused, "disk_mb": 1.0, "vector_mb": 0.5,
            "keyword_index_s": 0.1, "rss_mb": {"models_loaded": 900, "after_ingestion": 950, "after_retrieval": 960},
            "retrieval": {"p50_ms": 80.0, "p95_ms": 120.0},
            "ingest": {"chunks_per_s": 5.0, "embed_s": embed_s, "other_s": 2.0, "texts": 4 * chunks,
                       "texts_embedded": texts_embedded, "texts_reused": 0, "chunks_approximated": 0}}


def test_projection_and_table_say_what_was_approximated():
    results = [_result(100, False, embed_s=40.0, texts_embedded=400), _result(1000, True)]
    project(results)
    ingest = results[1]["ingest"]
    assert ingest["projected_embed_s"] == pytest.approx(4000 * 0.1)
    assert ingest["projected_chunks_per_s"] == pytest.approx(1000 / (2.0 + 400.0))
    table = markdown(results, "python -m eval.bench_scale --sizes 100 1000")
    assert "projected" in table and "Not embedded in full" in table and "| 100 |" in table
    json.dumps(results)  # the results stay JSON
