"""The eval's support judges: the local one (shared with the answer step, see rag/grounding.py),
an optional LLM judge, and the judge's agreement with hand-labelled pairs."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from rag.grounding import GroundingJudge, Judge, Verdict  # noqa: F401  (re-exported: the eval's judge is the answer step's)
from rag.terms import names_in, numbers_in  # noqa: F401  (re-exported for the eval's metrics)


class LLMJudge:
    """An OpenAI-compatible LLM as the judge (optional: only where such an endpoint is configured).

    It talks to the server as the answer step does (rag/llm.py's ServerLLM), so a server that
    fails raises the same :class:`rag.errors.LLMError`, saying what to do.
    """

    PROMPT = ("Passage:\n{passage}\n\nSentence:\n{sentence}\n\nDoes the passage fully support every claim of the "
              "sentence (the languages may differ)? Answer only YES or NO.")

    def __init__(self, base_url: str, model: str, api_key: str = "not-needed", context_window: int = 4096) -> None:
        from rag.llm import ServerLLM

        self._llm = ServerLLM(base_url, model=model, api_key=api_key, context_window=context_window)
        self.base_url, self.model = base_url, model

    def judge(self, sentence: str, passage: str, given: frozenset[str] = frozenset()) -> Verdict:
        prompt = self.PROMPT.format(passage=passage, sentence=sentence)
        reply = "".join(self._llm.stream([{"role": "user", "content": prompt}], max_tokens=3, temperature=0.0))
        yes = reply.strip().upper().startswith("YES")
        return Verdict(yes, 1.0 if yes else 0.0, (), ())


@runtime_checkable
class ThresholdJudge(Judge, Protocol):
    """A judge by similarity thresholds: :class:`GroundingJudge`, or a stand-in with its attributes."""

    threshold: float
    cross_threshold: float


def describe(judge: Judge) -> str:
    """Which judge scored a run, for its report."""
    if isinstance(judge, LLMJudge):
        return f"LLM judge: {judge.model} at {judge.base_url}"
    if not isinstance(judge, ThresholdJudge):
        raise TypeError(f"{type(judge).__name__} is neither the LLM judge nor a judge by thresholds")
    return f"local judge: similarity {judge.threshold} same-language, {judge.cross_threshold} cross-lingual"


def llm_agreement(judge: Judge, pairs) -> dict:
    """Agreement of a judge that takes no thresholds (the LLM judge) with the hand labels."""
    rows = [(p, judge.judge(p.sentence, p.passage).supported) for p in pairs]
    by_kind: dict[str, list[bool]] = {}
    for p, said in rows:
        by_kind.setdefault(p.kind, []).append(said == p.supported)
    tp = sum(said and p.supported for p, said in rows)
    fp = sum(said and not p.supported for p, said in rows)
    fn = sum(not said and p.supported for p, said in rows)
    return {
        "pairs": len(rows),
        "agreement": sum(said == p.supported for p, said in rows) / max(1, len(rows)),
        "precision": tp / max(1, tp + fp),
        "recall": tp / max(1, tp + fn),
        "agreement_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())},
    }


def agreement(judge: GroundingJudge, pairs) -> dict:
    """Two-fold agreement with hand labels: thresholds chosen on one half, scored on the other."""
    rows = [(p, judge.judge(p.sentence, p.passage)) for p in pairs]
    folds = [[r for i, r in enumerate(rows) if i % 2 == k] for k in (0, 1)]

    def predict(v: Verdict, t: tuple[float, float]) -> bool:
        return v.similarity >= (t[1] if v.cross_lingual else t[0]) and not v.missing_numbers and not v.missing_names

    def accuracy(part, t) -> float:
        return sum(predict(v, t) == p.supported for p, v in part) / max(1, len(part))

    grid = [round(x, 3) for x in np.arange(0.76, 0.96, 0.005)]
    pairs_grid = [(a, b) for a in grid for b in grid]
    correct, chosen = 0, []
    for k in (0, 1):
        best = max(pairs_grid, key=lambda t: (accuracy(folds[k], t), -abs(t[0] - 0.86) - abs(t[1] - 0.82)))
        chosen.append(best)
        correct += sum(predict(v, best) == p.supported for p, v in folds[1 - k])
    final = (float(np.mean([c[0] for c in chosen])), float(np.mean([c[1] for c in chosen])))
    by_kind: dict[str, list[bool]] = {}
    for p, v in rows:
        by_kind.setdefault(p.kind, []).append(predict(v, final) == p.supported)
    tp = sum(predict(v, final) and p.supported for p, v in rows)
    fp = sum(predict(v, final) and not p.supported for p, v in rows)
    fn = sum(not predict(v, final) and p.supported for p, v in rows)
    return {
        "pairs": len(rows),
        "agreement_two_fold": correct / max(1, len(rows)),
        "thresholds_chosen_per_fold": chosen,
        "threshold_same_language": final[0],
        "threshold_cross_lingual": final[1],
        "precision_at_thresholds": tp / max(1, tp + fp),
        "recall_at_thresholds": tp / max(1, tp + fn),
        "agreement_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())},
    }
