"""The BM25 keyword index: llama-index's BM25Retriever's scores, the best k only, and filters."""

import json

import pytest
import Stemmer

from index.keyword_index import META_FILE
from rag.retrieval import INDONESIAN_STOPWORDS, BM25Index

TEXTS = {
    "a#0000": "Kim Jong Un tiba di stasiun Khasan dengan kereta lapis baja pada hari Selasa.",
    "a#0001": "Gubernur Primorye memberikan rompi antipeluru kepada Kim sebagai hadiah.",
    "b#0000": "Harga beras naik di pasar induk Jakarta menjelang akhir tahun.",
    "b#0001": "Pedagang beras mengatakan pasokan dari Jawa Tengah berkurang.",
    "c#0000": "Tim nasional bulu tangkis Indonesia menjuarai kejuaraan di Jepang.",
}


@pytest.fixture(scope="module")
def index():
    return BM25Index.build(list(TEXTS), list(TEXTS.values()))


def test_scores_match_llama_index_bm25(index):
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = [TextNode(id_=i, text=t) for i, t in TEXTS.items()]
    old = BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("indonesian"),
                                      language=INDONESIAN_STOPWORDS, similarity_top_k=len(nodes))
    for question in ("Siapa yang memberi rompi kepada Kim?", "harga beras di pasar", "bulu tangkis Jepang"):
        expected = {h.node.node_id: round(h.score, 5) for h in old.retrieve(question) if h.score > 0}
        got = {i: round(s, 5) for i, s in index.search(question, 10)}
        assert got == expected


def test_only_the_best_k_best_first(index):
    hits = index.search("beras pasar Kim rompi", 2)
    assert len(hits) == 2 and hits[0][1] >= hits[1][1]


def test_allowed_ids_filter_and_unknown_words(index):
    assert [i for i, _ in index.search("beras", 5, allowed={"b#0001"})] == ["b#0001"]
    assert index.search("beras", 5, allowed=set()) == []
    assert index.search("zzzz qqqq", 5) == [] and index.search("yang dan", 5) == []  # stopwords only


def test_empty_index():
    assert BM25Index.build([], []).search("beras", 5) == []
    assert BM25Index.build([], []).scores("beras", ["a#0000"]).tolist() == [0.0]


def test_scores_of_given_ids_are_the_search_scores(index):
    question = "harga beras di pasar"
    found = dict(index.search(question, 10))
    ids = list(TEXTS) + ["unknown#0000"]
    scores = dict(zip(ids, index.scores(question, ids).tolist(), strict=True))
    assert {i: round(s, 6) for i, s in scores.items() if s > 0} == {i: round(s, 6) for i, s in found.items()}
    assert scores["c#0000"] == 0.0 and scores["unknown#0000"] == 0.0
    assert index.scores("yang dan", ids).tolist() == [0.0] * len(ids)  # stopwords only


def written_meta(folder):
    """The meta file as written (with the checksums of the files)."""
    return json.loads((folder / META_FILE).read_text(encoding="utf-8"))


def test_written_and_read_back_it_gives_the_same_results(tmp_path):
    index = BM25Index.build(list(TEXTS), list(TEXTS.values()), generation="done-test")
    index.write(tmp_path / "saved")
    meta = written_meta(tmp_path / "saved")
    for mmap in (True, False):
        again = BM25Index.read(tmp_path / "saved", meta, mmap=mmap)
        assert again.generation == "done-test" and again.size == index.size
        for question in ("Siapa yang memberi rompi kepada Kim?", "harga beras di pasar", "bulu tangkis Jepang"):
            assert again.search(question, 10) == index.search(question, 10)
            assert again.search(question, 10, allowed={"b#0001"}) == index.search(question, 10, allowed={"b#0001"})


def test_an_empty_index_is_written_and_read_back(tmp_path):
    empty = BM25Index.build([], [])
    empty.write(tmp_path / "saved")
    assert BM25Index.read(tmp_path / "saved", written_meta(tmp_path / "saved")).search("beras", 5) == []
