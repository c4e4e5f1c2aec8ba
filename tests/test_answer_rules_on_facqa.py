"""The rules an answer must pass must not withhold a perfect answer: on FacQA's training questions, the passage
sentence that holds the gold answer passes the wrong-kind rule (an answer must give the kind of thing asked) and is
not read as only repeating the question (model-free; the training split is for choosing, so guarding the rules with
it reports nothing)."""

import pytest

from eval.benchmarks import DEFAULT_ROOT, load_facqa
from index.sentences import split_sentences
from rag.abstention import asks_for, gives
from rag.terms import restates

pytestmark = pytest.mark.skipif(not (DEFAULT_ROOT / "facqa" / "train.csv").is_file(),
                                reason=f"the benchmarks are not in {DEFAULT_ROOT}")


def _answered():
    """Each FacQA training question whose passage has a sentence holding the gold answer, with that sentence."""
    for item in load_facqa(DEFAULT_ROOT / "facqa", "train"):
        answer = item.answer.lower()
        sentence = next((s for s in split_sentences(item.passage) if answer in s.lower()), None)
        if sentence is not None:
            yield item, sentence


def test_the_sentence_that_answers_is_of_the_kind_asked_for():
    asked, withheld = 0, []
    for item, sentence in _answered():
        kind = asks_for(item.question)
        if kind is None:
            continue
        asked += 1
        if not gives(sentence, kind, item.question):
            withheld.append((item.question, sentence))
    assert asked > 700
    # 5 of 739 today (a collective "keempat anaknya", eras for "kapan", a common noun for "apa nama"); 58 before
    # the counted-noun check was deleted and the price unit narrowed
    assert len(withheld) <= 0.01 * asked, withheld[:10]


def test_the_sentence_that_answers_says_more_than_the_question():
    answered, repeats = 0, []
    for item, sentence in _answered():
        answered += 1
        if restates(sentence, item.question) or restates(item.answer, item.question):
            repeats.append((item.question, item.answer))
    assert answered > 2400
    # 6 of 2,459 today: questions that hold their own answer ("Apa nama gunung ... Kerinci?": "Gunung Kerinci"), and
    # "polisi kehutanan" to "Apakah jenis polisi yang mengawasi hutan ...?" (one stem, "hutan")
    assert len(repeats) <= 0.005 * answered, repeats[:10]
