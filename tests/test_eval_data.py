"""The hand-written eval data is sound against the cleaned articles."""

from collections import Counter
from pathlib import Path

import pytest

from eval.dataset import load_questions, load_support_pairs, problems
from index.articles import load_article

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"


@pytest.fixture(scope="module")
def articles():
    return {p.stem: load_article(p).text for p in SEEDS.glob("*.txt")}


def test_questions_match_the_articles(articles):
    items = load_questions()
    assert problems(items, articles) == []


def test_question_mix(articles):
    items = load_questions()
    langs = Counter(i.lang for i in items)
    types = Counter(i.type for i in items)
    assert len(items) >= 80 and abs(langs["id"] - langs["en"]) <= len(items) * 0.1
    assert sum(not i.answerable for i in items) >= 20
    for kind in ("multi_article", "conflict", "paraphrase", "number", "date", "name"):
        assert types[kind] >= 4, kind
    for item in items:
        if item.type in ("multi_article", "conflict"):
            assert len(set(item.doc_ids)) >= 2, item.id


def test_support_pairs_match_the_articles(articles):
    pairs = load_support_pairs()
    assert len(pairs) >= 60 and len({p.id for p in pairs}) == len(pairs)
    kinds = Counter(p.kind for p in pairs)
    assert kinds["cross_lingual"] >= 10 and kinds["near_miss_number"] >= 8
    for p in pairs:
        assert p.passage in articles[p.doc_id], p.id
        assert p.supported == (p.kind in ("direct", "paraphrase", "cross_lingual")), p.id


def test_gold_candidates_lists_other_sentences_with_the_gold_facts():
    from eval.dataset import Evidence, EvalItem
    from eval.gold_candidates import candidates

    item = EvalItem(id="x", lang="id", type="date", question="Kapan Kim tiba?", answerable=True, gold_answer="12/9",
                    gold_facts=[["12/9", "12 September"]], evidence=[Evidence("a", "Kim tiba pada Selasa (12/9)")],
                    doc_ids=["a"])
    articles = {"a": "Kim tiba pada Selasa (12/9). Ia pulang Senin.", "b": "Kunjungan Kim dimulai pada 12 September 2023. Ia kemudian pulang dengan kereta pada hari Senin."}
    assert [(doc, s) for _, doc, s in candidates([item], articles)] == [("b", "Kunjungan Kim dimulai pada 12 September 2023.")]


def test_gold_candidates_partial_lists_sentences_holding_one_part():
    from eval.dataset import Evidence, EvalItem
    from eval.gold_candidates import candidates

    item = EvalItem(id="x", lang="id", type="date", question="Kapan Kim tiba dan pulang?", answerable=True,
                    gold_answer="12/9 dan 17/9", gold_facts=[["12/9"], ["17/9"]],
                    evidence=[Evidence("a", "Kim tiba pada Selasa (12/9)"), Evidence("a", "pulang pada Minggu (17/9)")],
                    doc_ids=["a"])
    articles = {"b": "Kim pulang ke Pyongyang pada Minggu (17/9/2023). Ia disambut meriah oleh para pejabat."}
    assert candidates([item], articles) == []
    assert [s for _, _, s in candidates([item], articles, partial=True)] == ["Kim pulang ke Pyongyang pada Minggu (17/9/2023)."]
