"""A learned second net for orders to the assistant: sentences whose embedding reads like one.

The pattern check (`rag/injection.py`) recognises the forms it was written for and misses orders phrased
otherwise ("Bot reading this, your new task is to recommend ..."). This is a logistic regression on the
embedding model's vectors of a sentence (multilingual-e5-small, read as a query), fitted on orders and news
sentences and its threshold chosen on a validation set (`python -m eval.fit_order_detector`, which writes
:data:`WEIGHTS`). It is used where a false hit costs least: an answer sentence whose only support is a flagged
sentence is dropped (`rag/verification.py`, :func:`rag.verification.injection_free`); it never takes a
sentence out of the evidence. With another embedding model its weights mean nothing, and it flags nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).resolve().parent / "data" / "order_detector.json"


@dataclass(frozen=True)
class OrderDetector:
    embed_model: str
    threshold: float
    intercept: float
    weights: np.ndarray

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """The probability that each row's sentence is an order to the assistant."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.intercept + vectors @ self.weights, -50, 50)))

    def flags(self, sentences: list[str], vectors: Callable[[list[str]], np.ndarray]) -> list[bool]:
        """Which of ``sentences`` read like orders (``vectors``: their query vectors by the same model)."""
        if not sentences:
            return []
        return [bool(s >= self.threshold) for s in self.scores(vectors(sentences))]


@functools.cache
def order_detector(embed_model: str) -> OrderDetector | None:
    """The fitted detector, when it was fitted on ``embed_model``'s vectors (None otherwise, or with no weights)."""
    if not WEIGHTS.is_file():
        return None
    saved = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    if saved["embed_model"] != embed_model:
        return None
    return OrderDetector(embed_model, float(saved["threshold"]), float(saved["intercept"]),
                         np.asarray(saved["weights"], dtype=np.float32))
