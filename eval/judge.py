"""The eval's support judges: the local one (shared with the answer step, see rag/grounding.py),
an optional LLM judge, and the judge's agreement with hand-labelled pairs."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from eval.dataset import SupportPair
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


#: The similarity thresholds tried when choosing (same-language and cross-lingual alike).
SIMILARITY_GRID = tuple(round(float(x), 3) for x in np.arange(0.76, 0.96, 0.005))
#: The counterpart thresholds tried (0: the check off; rag/counterparts.py).
COUNTERPART_GRID = (0.0, *(round(float(x), 2) for x in np.arange(0.70, 0.855, 0.01)))
Thresholds = tuple[float, float, float]  # same-language similarity, cross-lingual similarity, counterpart


class _Verdicts:
    """A judge's verdicts on labelled pairs, as arrays, to score any thresholds on them at once."""

    def __init__(self, rows: list[tuple[SupportPair, Verdict]]) -> None:
        self.rows = rows
        self.labels = np.array([p.supported for p, _ in rows])
        self.similarity = np.array([v.similarity for _, v in rows])
        self.cross = np.array([v.cross_lingual for _, v in rows])
        self.terms_ok = np.array([not v.missing_numbers and not v.missing_names for _, v in rows])
        self.counterpart = np.array([v.counterpart for _, v in rows])

    def predict(self, t: Thresholds, where: np.ndarray | None = None) -> np.ndarray:
        said = (self.terms_ok & (self.similarity >= np.where(self.cross, t[1], t[0]))
                & (~self.cross | (self.counterpart >= t[2])))
        return said if where is None else said[where]

    def accuracy(self, t: Thresholds, where: np.ndarray) -> float:
        return float((self.predict(t, where) == self.labels[where]).mean()) if where.any() else 0.0

    def choose(self, where: np.ndarray, counterparts: tuple[float, ...] = COUNTERPART_GRID) -> Thresholds:
        """The thresholds that agree best with the labels of the pairs ``where``; among equals, the
        similarity thresholds nearest the defaults and the laxest counterpart threshold."""
        grid = [(a, b, c) for a in SIMILARITY_GRID for b in SIMILARITY_GRID for c in counterparts]
        return max(grid, key=lambda t: (round(self.accuracy(t, where), 9), -abs(t[0] - 0.86) - abs(t[1] - 0.82),
                                        -t[2]))

    def summary(self, t: Thresholds, where: np.ndarray) -> dict:
        said, labels = self.predict(t, where), self.labels[where]
        tp, fp, fn = int((said & labels).sum()), int((said & ~labels).sum()), int((~said & labels).sum())
        by_kind: dict[str, list[bool]] = {}
        for (p, _), right in zip([r for r, w in zip(self.rows, where, strict=True) if w], said == labels,
                                 strict=True):
            by_kind.setdefault(p.kind, []).append(bool(right))
        agreed = round(float((said == labels).mean()), 3) if where.any() else 0.0
        return {"pairs": int(where.sum()), "agreement": agreed,
                "precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3),
                "agreement_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())}}


def _verdicts(judge: GroundingJudge, pairs) -> _Verdicts:
    """The judge's verdicts; the local judge scores counterparts only over its similarity threshold, so it
    is asked with the lowest one tried, to have every score the thresholds are chosen from."""
    if isinstance(judge, GroundingJudge):
        judge = GroundingJudge(judge.embedder, min(judge.threshold, *SIMILARITY_GRID),
                               min(judge.cross_threshold, *SIMILARITY_GRID), judge.counterpart_threshold)
    return _Verdicts([(p, judge.judge(p.sentence, p.passage)) for p in pairs])


def agreement(judge: GroundingJudge, pairs, counterparts: tuple[float, ...] = COUNTERPART_GRID) -> dict:
    """Two-fold agreement with hand labels: thresholds chosen on one half, scored on the other.
    ``counterparts`` are the counterpart thresholds tried ((0.0,): the check off)."""
    scored = _verdicts(judge, pairs)
    index = np.arange(len(scored.rows))
    folds = [index % 2 == k for k in (0, 1)]
    chosen = [scored.choose(folds[k], counterparts) for k in (0, 1)]
    correct = sum(int((scored.predict(chosen[k], folds[1 - k]) == scored.labels[folds[1 - k]]).sum()) for k in (0, 1))
    means = [float(np.mean([c[i] for c in chosen])) for i in range(3)]
    final: Thresholds = (means[0], means[1], means[2])
    every = np.ones(len(scored.rows), dtype=bool)
    at = scored.summary(final, every)
    return {
        "pairs": len(scored.rows),
        "agreement_two_fold": correct / max(1, len(scored.rows)),
        "thresholds_chosen_per_fold": chosen,
        "threshold_same_language": final[0],
        "threshold_cross_lingual": final[1],
        "threshold_counterpart": final[2],
        "precision_at_thresholds": at["precision"],
        "recall_at_thresholds": at["recall"],
        "agreement_by_kind": at["agreement_by_kind"],
    }


def held_out_agreement(judge: GroundingJudge, choose_pairs, report_pairs,
                       counterparts: tuple[float, ...] = COUNTERPART_GRID) -> dict:
    """Agreement on ``report_pairs`` at the thresholds that agree best with ``choose_pairs`` (the
    cross-lingual pairs' choose half with the older pairs), and at the judge's own thresholds."""
    scored = _verdicts(judge, [*choose_pairs, *report_pairs])
    choose = np.arange(len(scored.rows)) < len(choose_pairs)
    chosen = scored.choose(choose, counterparts)
    own = (judge.threshold, judge.cross_threshold, judge.counterpart_threshold if counterparts != (0.0,) else 0.0)
    return {"thresholds_chosen": chosen, "on_choose_pairs": scored.summary(chosen, choose),
            "on_report_pairs": scored.summary(chosen, ~choose),
            "judge_thresholds": own, "on_report_pairs_at_judge_thresholds": scored.summary(own, ~choose)}


def judge_report(judge: GroundingJudge, pairs, crosslingual) -> dict:
    """``tanya eval --judge``: the judge against the hand-labelled pairs (two-fold) and against the
    cross-lingual pairs' report half (thresholds chosen on their choose half and ``pairs``), each with the
    counterpart check chosen on the data and with it off."""
    choose = [p for p in crosslingual if p.split == "choose"]
    report = [p for p in crosslingual if p.split == "report"]
    return {
        "support_pairs": {"with_counterpart_check": agreement(judge, pairs),
                          "without_counterpart_check": agreement(judge, pairs, (0.0,))},
        "support_pairs_crosslingual_report_half": {
            "with_counterpart_check": held_out_agreement(judge, [*choose, *pairs], report),
            "without_counterpart_check": held_out_agreement(judge, [*choose, *pairs], report, (0.0,))},
    }
