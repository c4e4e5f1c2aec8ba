"""Sentence vectors made separately or pooled from their chunk's pass (index/sentence_vectors.py), and the index
recording which, refusing the other way until rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fakes import WordEmbedder, fake_assistant

from index import ChunkStore, IndexDirectoryError, ModelError, index_documents
from index.articles import Article
from index.chunking import Chunk
from index.sentence_vectors import embed_chunks, sentence_spans
from index.store import MARKER
from rag import Assistant, load_settings


class PoolingWords(WordEmbedder):
    """Word vectors, and a pooled "pass" over a passage: its span vectors are the word vectors of the span's
    text, and nothing past ``max_chars`` of the passage (as a model's length cuts a long text)."""

    def __init__(self, max_chars: int = 10_000) -> None:
        self.max_chars = max_chars
        self.alone: list[str] = []  # texts embedded on their own, by embed_passages
        self.passes: list[str] = []

    def embed_passages(self, texts, batch_size: int = 16, progress=None) -> np.ndarray:
        self.alone += list(texts)
        return self._embed(list(texts))

    def embed_passages_pooled(self, texts, spans, batch_size: int = 16, progress=None):
        self.passes += list(texts)
        pooled = []
        for text, wanted in zip(texts, spans, strict=True):
            rows = np.zeros((len(wanted), self.dimension), dtype=np.float32)
            for i, (a, b) in enumerate(wanted):
                if b <= self.max_chars and b > a:
                    rows[i] = self._embed([text[a:b]])[0]
            pooled.append(rows)
        return self._embed(list(texts)), pooled


def chunk(text: str, *sentences: str, n: int = 0) -> Chunk:
    return Chunk(id=f"d#{n:04d}", doc_id="d", position=n, text=text, sentences=sentences)


def test_sentence_spans_are_found_in_order_verbatim_or_across_other_whitespace():
    text = "Harga naik. Harga naik.\nKata dia  lagi.  Akhir berita ini."
    spans = sentence_spans(text, ["Harga naik.", "Harga naik.", "Kata dia lagi.", "Tidak ada.", "Akhir berita ini."])
    assert spans[0] == (0, 11) and spans[1] == (12, 23)  # the second from after the first
    assert spans[2] is not None and text[slice(*spans[2])] == "Kata dia  lagi."
    assert spans[3] is None
    assert spans[4] is not None and text[slice(*spans[4])] == "Akhir berita ini."


def test_separate_embeds_every_chunk_and_sentence_through_the_model():
    embedder = PoolingWords()
    chunks = [chunk("Satu dua tiga. Empat lima enam.", "Satu dua tiga.", "Empat lima enam."),
              chunk("Tujuh delapan sembilan.", "Tujuh delapan sembilan.", n=1)]
    vectors, sentences = embed_chunks(embedder, chunks, "separate")
    assert embedder.passes == []
    expected = embedder._embed(["Satu dua tiga. Empat lima enam.", "Tujuh delapan sembilan."])
    assert np.allclose(vectors, expected)
    assert np.allclose(sentences, embedder._embed(["Satu dua tiga.", "Empat lima enam.", "Tujuh delapan sembilan."]))


def test_pooled_makes_one_pass_a_chunk_and_embeds_alone_only_what_it_cannot_pool():
    embedder = PoolingWords(max_chars=40)
    text = "Satu dua tiga. Empat lima enam. Tujuh delapan sembilan sepuluh."
    chunks = [chunk(text, "Satu dua tiga.", "Empat lima enam.", "Tujuh delapan sembilan sepuluh.", "Tak ada di sini."),
              chunk("Sebelas dua belas.", "Sebelas dua belas.", n=1)]
    vectors, sentences = embed_chunks(embedder, chunks, "pooled")
    assert embedder.passes == [text, "Sebelas dua belas."]
    assert np.allclose(vectors, embedder._embed([text, "Sebelas dua belas."]))  # the chunk vectors, as separate
    # past the model's length, and not in the chunk: embedded on their own; the others pooled from the pass
    assert embedder.alone == ["Tujuh delapan sembilan sepuluh.", "Tak ada di sini."]
    assert sentences.shape == (5, embedder.dimension)
    assert np.allclose(sentences[:4], embedder._embed(["Satu dua tiga.", "Empat lima enam.",
                                                       "Tujuh delapan sembilan sepuluh.", "Tak ada di sini."]))
    assert np.allclose(sentences[4], vectors[1])  # a sentence that is its whole chunk: the chunk's vector


def test_pooled_needs_a_model_that_gives_its_token_states():
    with pytest.raises(ModelError, match="TANYA_SENTENCE_VECTORS=separate"):
        embed_chunks(WordEmbedder(), [chunk("Satu dua tiga.", "Satu dua tiga.")], "pooled")


def article(n: int) -> Article:
    text = f"Berita nomor {n} tentang harga beras. Menteri berkata harga turun pekan depan. Pasar ramai."
    return Article(doc_id=f"a{n}", title=f"Berita {n}", text=text, path=Path(f"/x/a{n}.txt"), content_hash=f"h{n}")


def test_an_index_records_how_its_sentence_vectors_were_made_and_refuses_the_other_way(tmp_path):
    path = tmp_path / "index"
    store = ChunkStore.open(path=path, embed_model="fake-words")  # separate, as before the setting
    index_documents([article(1)], store, PoolingWords(), progress=False)
    assert json.loads((path / MARKER).read_text())["sentence_vectors"] == "separate"
    with pytest.raises(IndexDirectoryError, match=r"made 'separate', not 'pooled'.*--rebuild"):
        ChunkStore.open(path=path, embed_model="fake-words", sentence_vectors="pooled")
    store = ChunkStore.open(path=path, embed_model="fake-words", sentence_vectors="pooled", reset=True)
    assert store.count() == 0 and store.sentence_vectors == "pooled"
    embedder = PoolingWords()
    index_documents([article(2)], store, embedder, progress=False)
    assert embedder.passes and store.count() == 1
    with pytest.raises(IndexDirectoryError, match=r"made 'pooled', not 'separate'"):
        ChunkStore.open(path=path, embed_model="fake-words")


def test_an_index_from_before_the_setting_made_them_separate(tmp_path):
    path = tmp_path / "index"
    index_documents([article(1)], ChunkStore.open(path=path, embed_model="fake-words"), PoolingWords(), progress=False)
    marker = path / MARKER
    old = json.loads(marker.read_text())
    del old["sentence_vectors"]
    marker.write_text(json.dumps(old))
    assert ChunkStore.open(path=path, embed_model="fake-words").count() == 1
    with pytest.raises(IndexDirectoryError, match="made 'separate'"):
        ChunkStore.open(path=path, embed_model="fake-words", sentence_vectors="pooled")


def test_the_collections_record_it_too(tmp_path):
    """A Chroma server has no marker file: the collection's metadata says it (here, behind a marker that does not)."""
    path = tmp_path / "index"
    store = ChunkStore.open(path=path, embed_model="fake-words", sentence_vectors="pooled")
    index_documents([article(1)], store, PoolingWords(), progress=False)
    marker = path / MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "sentence_vectors": "separate"}))
    with pytest.raises(IndexDirectoryError, match=r"made 'pooled', not 'separate'"):
        ChunkStore.open(path=path, embed_model="fake-words")


def test_the_assistant_refuses_an_index_made_the_other_way_until_rebuilt(tmp_path):
    home = tmp_path / "home"
    bot = fake_assistant(home)  # separate: the default
    chunks = bot.store.count()
    pooled = load_settings(**{**bot.settings.model_dump(), "sentence_vectors": "pooled"})
    with pytest.raises(IndexDirectoryError, match="--rebuild"):
        _ = Assistant(pooled, embedder=PoolingWords()).store
    embedder = PoolingWords()
    rebuilt = Assistant(pooled, embedder=embedder)
    rebuilt.index(rebuild=True, progress=False)
    assert rebuilt.store.count() == chunks and rebuilt.store.sentence_vectors == "pooled" and embedder.passes
    assert json.loads((pooled.index_path / MARKER).read_text())["sentence_vectors"] == "pooled"


def test_an_embedding_server_always_makes_them_separate():
    settings = load_settings(sentence_vectors="pooled", embed_base_url="http://localhost:9/v1")
    assert settings.index_sentence_vectors == "separate"
    assert load_settings(sentence_vectors="pooled").index_sentence_vectors == "pooled"
