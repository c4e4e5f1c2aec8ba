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
