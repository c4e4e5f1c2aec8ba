"""The ONNX backend gives the torch model's vectors (exported once into the models folder, ~1 min)."""

import numpy as np
import pytest

from index import Embedder, load_embedder
from index.errors import ModelError

TEXTS = ["Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
         "Gubernur wilayah Primorsky memberi Kim rompi antipeluru dan enam drone pada Sabtu (16/9/2023).",
         "When did Kim leave Russia?", "Harga beras naik."]


@pytest.fixture(scope="module")
def onnx_embedder(models_dir):
    return load_embedder("multilingual-e5-small", models_dir, threads=2, backend="onnx")


def test_onnx_vectors_match_torch(onnx_embedder, embedder):
    for embed in ("embed_passages", "embed_queries"):
        got, expected = getattr(onnx_embedder, embed)(TEXTS), getattr(embedder, embed)(TEXTS)
        assert got.shape == expected.shape == (4, 384) and got.dtype == np.float32
        assert float((got * expected).sum(axis=1).min()) > 0.999


def test_onnx_batches_and_order_do_not_change_vectors(onnx_embedder):
    many = [f"{t} ({n})" for n in range(5) for t in TEXTS]  # 20 distinct texts: two batches of mixed lengths
    together = onnx_embedder.embed_passages(many)
    alone = np.vstack([onnx_embedder.embed_passages([t]) for t in many[:4] + many[-4:]])
    assert np.allclose(together[:4], alone[:4], atol=1e-5) and np.allclose(together[-4:], alone[4:], atol=1e-5)
    assert onnx_embedder.embed_passages([]).shape == (0, 384)


def test_onnx_embedding_reports_each_batch_and_gives_the_same_vectors(onnx_embedder):
    many = [f"{t} ({n})" for n in range(5) for t in TEXTS]  # 20 distinct texts: batches of 16 and 4
    seen = []
    vectors = onnx_embedder.embed_passages(many, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(16, 20), (20, 20)]
    assert np.array_equal(vectors, onnx_embedder.embed_passages(many))


class CountingModel:
    """Stands in for the model: a vector per text from its length, and every text it was given."""

    def __init__(self):
        self.seen = []

    def get_sentence_embedding_dimension(self):
        return 2

    def encode(self, texts, **_):
        self.seen += texts
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_a_text_given_twice_goes_through_the_model_once():
    model = CountingModel()
    embedder = Embedder(name="counting", model=model)
    one_sentence_chunk = "Harga beras naik."
    vectors = embedder.embed_passages([one_sentence_chunk, "Kim pulang ke Pyongyang.", one_sentence_chunk])
    assert model.seen == ["passage: Harga beras naik.", "passage: Kim pulang ke Pyongyang."]
    assert vectors.tolist() == [[26, 1], [33, 1], [26, 1]]


def test_unknown_backend_is_refused(models_dir):
    with pytest.raises(ModelError, match="torch, onnx"):
        load_embedder("multilingual-e5-small", models_dir, backend="tensorflow")


CHUNK = ("Gubernur wilayah Primorsky memberi Kim rompi antipeluru dan enam drone pada Sabtu (16/9/2023). "
         "Kim lalu meninggalkan Rusia dengan kereta lapis baja. Harga beras naik 8.000 rupiah per kilogram.")


def test_a_batch_of_token_states_is_each_text_alone(onnx_embedder):
    many = [f"passage: {t} ({n})" for n in range(5) for t in TEXTS] + ["passage: " + CHUNK]  # padded batches
    together = onnx_embedder.model.token_states_batch(many)
    for text, (hidden, offsets) in zip(many, together, strict=True):
        alone, alone_offsets = onnx_embedder.model.token_states(text)
        assert offsets == alone_offsets and hidden.shape == alone.shape
        assert np.allclose(hidden, alone, atol=1e-4)


def test_pooled_chunk_vector_is_the_chunk_vector_and_sentence_vectors_stay_close(onnx_embedder):
    """One pass a chunk: the chunk's vector is what embed_passages gives; each sentence's vector, pooled from
    that pass over its characters, reads it in context: close to the sentence embedded alone, not equal."""
    from index.sentence_vectors import sentence_spans
    from index.sentences import split_sentences

    sentences = split_sentences(CHUNK)
    spans = sentence_spans(CHUNK, sentences)
    assert len(sentences) == 3 and None not in spans
    result = onnx_embedder.embed_passages_pooled([CHUNK, TEXTS[3]], [spans, [(0, len(TEXTS[3]))]])
    assert result is not None
    vectors, pooled = result
    assert float((vectors * onnx_embedder.embed_passages([CHUNK, TEXTS[3]])).sum(axis=1).min()) >= 0.9999
    cosines = (pooled[0] * onnx_embedder.embed_passages(sentences)).sum(axis=1)
    assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-5)
    assert cosines.min() > 0.85 and cosines.max() < 0.9999, cosines
    # the same pooling as embed_spans, one text at a time
    assert np.allclose(pooled[0], onnx_embedder.embed_spans(CHUNK, spans, query=False), atol=1e-4)
