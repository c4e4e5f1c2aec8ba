"""How sure the model was of what it wrote, and the decision it informs.

The local model records the probability of each token it writes (:class:`rag.llm.GenerationStats`). A small
model that invents an answer tends to be unsure of it: the mean log-probability of its first sentence's
tokens, with the answerability known before it wrote (:mod:`rag.abstention`), gives the probability that the
answer is right (:class:`Confidence`, a logistic model fitted on dev data only: ``python -m eval.choose
confidence RUN``). Below ``min_confidence`` the answer is withheld before its first sentence is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rag.citations import answer_sentences

#: Least probability counted, so that one token the model found near-impossible does not dominate the mean.
FLOOR = 1e-6


def first_sentence_length(pieces: Sequence[str]) -> int:
    """How many of ``pieces`` (the model's reply, one piece a token) make its first sentence, as
    :func:`rag.citations.answer_sentences` splits the reply (all of them when it holds one sentence)."""
    text = ""
    for piece in pieces:
        text += piece
        sentences = answer_sentences(text)
        if len(sentences) > 1:  # (the split is seen a few words into the second sentence)
            length, written = len(sentences[0]), ""
            for n, earlier in enumerate(pieces, start=1):
                written += earlier
                if len(written.strip()) >= length - 1:  # markers moved before the full stop: a space less
                    return n
    return len(pieces)


def mean_log_probability(probabilities: Sequence[float], count: int) -> float | None:
    """The mean natural log of the first ``count`` probabilities (None when there are none)."""
    taken = list(probabilities[:count])
    if not taken:
        return None
    return sum(math.log(max(p, FLOOR)) for p in taken) / len(taken)


def first_sentence_log_probability(pieces: Sequence[str], probabilities: Sequence[float]) -> float | None:
    """The mean log-probability of the tokens of the reply's first sentence (None when the model gave no
    probabilities: a model on a server)."""
    if not probabilities:
        return None
    return mean_log_probability(probabilities, max(1, first_sentence_length(pieces)))


@dataclass(frozen=True)
class Confidence:
    """The probability that a written answer is right: a logistic model of the answerability's log-odds and
    the mean log-probability of the answer's first sentence, fitted on dev data only."""

    intercept: float
    answerability: float  # per unit of the answerability's log-odds
    first_sentence: float  # per unit of the first sentence's mean log-probability

    def probability(self, answerability: float, first_sentence: float) -> float:
        p = min(max(answerability, FLOOR), 1.0 - FLOOR)
        z = self.intercept + self.answerability * math.log(p / (1.0 - p)) + self.first_sentence * first_sentence
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


#: Fitted on a dev-suite run only (``python -m eval.choose confidence RUN``, eval/README.md, "Confidence").
CONFIDENCE = Confidence(intercept=1.0990, answerability=-0.0144, first_sentence=2.6191)
#: The same for the prompt that holds the whole library, on top of ``LIBRARY_ANSWERABILITY``: ``python -m
#: eval.choose confidence RUN --answerability FILE`` (eval/README.md, "The library in the prompt").
LIBRARY_CONFIDENCE = Confidence(intercept=0.3213, answerability=0.3181, first_sentence=0.6440)
