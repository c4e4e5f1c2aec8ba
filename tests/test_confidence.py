"""How sure the model was of its first sentence, and the answer withheld when it was too unsure."""

from __future__ import annotations

import math
import re

import pytest
from test_answering import VEST, _Judge, _passage, _Retriever

from rag.abstention import Reason
from rag.answering import AnswerPipeline, Final, Token
from rag.confidence import Confidence, first_sentence_length, first_sentence_log_probability
from rag.llm import Generation
from rag.model_queue import ModelQueue
from rag.settings import load_settings

PIECES = ["Oleg", " Kozhemyako", " memberi", " Kim", " rompi", " [1].", " Ia", " juga", " memberi", " drone", " [1]."]


def test_the_first_sentence_is_the_pieces_before_the_one_that_begins_a_second():
    assert first_sentence_length(PIECES) == 6
    assert first_sentence_length(PIECES[:6]) == 6  # one sentence: all of it
    assert first_sentence_length([]) == 0


def test_the_first_sentences_mean_log_probability_leaves_the_rest_out():
    probabilities = [0.5] * 6 + [0.01] * 5
    assert first_sentence_log_probability(PIECES, probabilities) == pytest.approx(math.log(0.5))
    assert first_sentence_log_probability(PIECES, []) is None  # a server: no probabilities


def test_confidence_grows_with_both_signals():
    model = Confidence(intercept=0.0, answerability=1.0, first_sentence=2.0)
    assert model.probability(0.5, 0.0) == pytest.approx(0.5)
    assert model.probability(0.9, -0.1) > model.probability(0.6, -0.1) > model.probability(0.6, -1.0)


class _Sure:
    """A model writing ``PIECES`` with the probability ``p`` for each of its first sentence's tokens."""

    name = "fake"

    def __init__(self, p: float) -> None:
        self.p = p

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        return Generation.of(PIECES, opening_probability=0.01, token_probabilities=[self.p] * 6 + [0.99] * 5)


class _Parts:
    def __init__(self, p: float) -> None:
        self.retriever, self.llm, self.judge = _Retriever([_passage("vest", VEST, 0.9)]), _Sure(p), _Judge("Kim")
        self.embedder = None


#: Confidence from the first sentence alone: e ** mean log-probability (the answerability left out).
BY_THE_FIRST_SENTENCE = Confidence(intercept=0.0, answerability=0.0, first_sentence=1.0)


@pytest.mark.parametrize(("p", "shown"), [(0.95, True), (0.2, False)])
def test_an_answer_the_model_was_unsure_of_is_withheld_before_any_of_it_is_shown(p, shown):
    pipeline = AnswerPipeline(load_settings(min_confidence=0.6, min_answerability=0.0), _Parts(p), ModelQueue(),
                              confidence=Confidence(intercept=2.0, answerability=0.0, first_sentence=4.0))
    events = list(pipeline.events("Siapa yang memberi Kim rompi?", "id"))
    answer = events[-1].answer
    assert isinstance(events[-1], Final)
    if shown:
        assert not answer.abstained and "Kozhemyako" in answer.text
    else:
        # nothing of the model's answer was shown: the only text is the abstention's
        assert answer.abstention is Reason.UNSURE
        assert "".join(e.text for e in events if isinstance(e, Token)) == answer.text
        assert any(re.search(r"confidence 0\.\d+ < 0\.600", note) for note in answer.notes)


def test_the_check_is_off_at_zero_and_for_a_model_that_gives_no_probabilities():
    parts = _Parts(0.01)
    off = AnswerPipeline(load_settings(min_confidence=0.0, min_answerability=0.0), parts, ModelQueue(),
                         confidence=BY_THE_FIRST_SENTENCE)
    assert not list(off.events("Siapa yang memberi Kim rompi?", "id"))[-1].answer.abstained
    parts.llm.stream = lambda messages, **asked: Generation.of(PIECES, opening_probability=0.01)
    on = AnswerPipeline(load_settings(min_confidence=0.9, min_answerability=0.0), parts, ModelQueue(),
                        confidence=BY_THE_FIRST_SENTENCE)
    assert not list(on.events("Siapa yang memberi Kim rompi?", "id"))[-1].answer.abstained


def test_a_reply_of_one_sentence_is_checked_when_it_ends():
    parts = _Parts(0.2)
    parts.llm.stream = lambda messages, **asked: Generation.of(PIECES[:6], opening_probability=0.01,
                                                               token_probabilities=[0.2] * 6)
    pipeline = AnswerPipeline(load_settings(min_confidence=0.6, min_answerability=0.0), parts, ModelQueue(),
                              confidence=BY_THE_FIRST_SENTENCE)
    assert list(pipeline.events("Siapa yang memberi Kim rompi?", "id"))[-1].answer.abstention is Reason.UNSURE
