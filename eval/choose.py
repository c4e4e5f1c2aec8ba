"""Choose settings on data meant for choosing, never on held-out data.

    python -m eval.choose fusion [--data ROOT]             # fusion weights per question language
    python -m eval.choose evidence-threshold RUN [--max-false 0.05]   # min_evidence_score
    python -m eval.choose answerability RUN [--max-false 0.05]        # the answerability model and min_answerability
    python -m eval.choose confidence RUN [--max-false 0.05]           # the confidence model and min_confidence

``fusion`` scores a grid of best-sentence and BM25 weights by MRR@10 on our dev half and on
FacQA valid (Indonesian questions) and its English versions (English questions); each set
counts equally within a language. ``evidence-threshold`` reads a dev-suite run (``tanya eval
--suite dev``, run with ``TANYA_MIN_EVIDENCE_SCORE=-1`` so that no answer was withheld by the
threshold) and, among the thresholds that withhold at most ``--max-false`` of the answerable
questions the system would otherwise have answered (the threshold's own cost), finds those that
abstain most on unanswerable questions less on answerable ones; it keeps the current default when
that is among them, else takes the middle of their range.
``answerability`` reads a dev-suite run made with ``TANYA_MIN_ANSWERABILITY=0
TANYA_MIN_EVIDENCE_SCORE=-1`` (the model asked every question and made to answer), fits the
logistic answerability model (:class:`rag.abstention.Answerability`) on its signals, and picks the
least probability that keeps false abstention (score and verification together) at ``--max-false``
or below, abstaining most on unanswerable questions; it also reports, on the same rows, the
model's own refusal as the decision, each signal alone, and each rule of the old design on top.
``confidence`` reads a dev-suite run made the same way, with the token probabilities the local model
records (runs from 2026-11-29 on), fits :class:`rag.confidence.Confidence` on the answers the product would
have shown (above the default answerability), to tell right answers from wrong ones (an unanswerable question
answered, or a wrong answer), and picks the least confidence that adds at most ``--max-false`` false
abstention to the answerability decision's, abstaining most on unanswerable questions.
All refuse test rows (:func:`eval.dataset.for_tuning`, :class:`eval.dataset.HeldOutError`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.benchmarks import DEFAULT_ROOT, facqa_articles
from eval.dataset import HeldOutError, for_tuning, in_split, load_questions
from eval.heldout import SuiteItem, facqa, ours, relevant_rank
from eval.metrics import mean, reciprocal_rank
from rag.retrieval import Weights, fuse
from rag.settings import Settings

GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


@dataclass
class Scored:
    """One tuning question's candidates: their three scores and which of them hold the answer."""

    set: str
    lang: str
    dense: np.ndarray
    best_sentence: np.ndarray
    keyword: np.ndarray
    relevant: np.ndarray  # bool per candidate

    def mrr(self, weights: Weights, k: int = 10) -> float:
        if not len(self.dense):
            return 0.0
        fused = fuse(self.dense, self.best_sentence, self.keyword, weights)
        order = np.argsort(-fused, kind="stable")[:k]
        hits = np.flatnonzero(self.relevant[order])
        return reciprocal_rank(int(hits[0]) + 1 if len(hits) else None, k)


def tuning_items(root: Path) -> list[SuiteItem]:
    """Answerable questions for choosing retrieval settings: our dev half, FacQA valid in both languages."""
    dev = {i.id for i in for_tuning(in_split(load_questions(), "dev"))}  # refuses a test row, should one slip in
    return ([i for i in ours("dev") if i.answerable and i.key in dev]
            + facqa(root / "facqa", "id", "valid") + facqa(root / "facqa", "en", "valid"))


def score_candidates(bot, items: list[SuiteItem]) -> list[Scored]:
    from tqdm import tqdm

    retriever, embedder = bot.retriever, bot.embedder
    scored = []
    for item in tqdm(items, desc="candidates", unit="question"):
        c = retriever.candidate_scores(item.question, embedder.embed_queries([item.question])[0],
                                       bot.settings.candidates)
        texts = {chunk.id: chunk.text for chunk in bot.store.get_chunks(c.ids)}
        relevant = np.array([relevant_rank([texts.get(cid, "")], item) == 1 for cid in c.ids], dtype=bool)
        scored.append(Scored(item.set, item.lang, c.dense, c.best_sentence, c.keyword, relevant))
    return scored


def grid(scored: list[Scored], lang: str) -> list[tuple[float, float, dict[str, float]]]:
    """(sentence weight, BM25 weight, MRR@10 per set) for every point of the grid, best mean first."""
    sets = sorted({s.set for s in scored if s.lang == lang})
    rows = []
    for ws, wb in itertools.product(GRID, GRID):
        w = Weights(sentence=ws, bm25=wb)
        per_set = {name: mean([s.mrr(w) for s in scored if s.lang == lang and s.set == name]) or 0.0 for name in sets}
        rows.append((ws, wb, per_set))
    return sorted(rows, key=lambda r: -sum(r[2].values()) / len(r[2]))


def choose_fusion(root: Path) -> dict:
    from rag import Assistant, load_settings

    base = load_settings()
    articles_bot = Assistant(base)
    facqa_bot = Assistant(base, home=base.home / "benchmarks" / "facqa", models_dir=base.models_path)
    facqa_bot.add_articles(facqa_articles(root / "facqa"))
    items = tuning_items(root)
    scored = (score_candidates(articles_bot, [i for i in items if i.set == "ours"])
              + score_candidates(facqa_bot, [i for i in items if i.set != "ours"]))
    result = {}
    for lang in ("id", "en"):
        table = grid(scored, lang)
        ws, wb, per_set = table[0]
        current = next(r for r in table if r[:2] == (getattr(base, f"sentence_weight_{lang}"),
                                                     getattr(base, f"bm25_weight_{lang}")))
        result[lang] = {"best": {"sentence": ws, "bm25": wb, "mrr_at_10": per_set},
                        "current": {"sentence": current[0], "bm25": current[1], "mrr_at_10": current[2]},
                        "questions": {name: sum(1 for s in scored if s.lang == lang and s.set == name)
                                      for name in per_set},
                        "top": [{"sentence": r[0], "bm25": r[1], "mrr_at_10": r[2]} for r in table[:8]]}
    return result


def choose_evidence_threshold(run: Path, max_false: float = 0.05) -> dict:
    """The evidence-score threshold that abstains most on unanswerable questions less on answerable
    ones, among those withholding at most ``max_false`` of the answerable questions a dev-suite run
    answered; and what the system abstains on then, per set and pooled."""
    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    if meta.get("suite") != "dev":
        raise HeldOutError(f"{run} is a run of the {meta.get('suite')} suite: choose on a dev-suite run "
                           "(tanya eval --suite dev) only.")
    gate = meta["settings"]["min_evidence_score"]
    rows = [json.loads(line) for path in sorted(run.glob("*.jsonl")) for line in path.read_text().splitlines()]
    rows = [r for r in rows if "answer" in r]

    def below(row: dict, t: float) -> bool:
        return row["evidence_score"] is None or row["evidence_score"] < t

    def withheld(row: dict, t: float) -> bool:
        return row["abstained"] or below(row, t)

    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    thresholds = sorted({r["evidence_score"] for r in rows if r["evidence_score"] is not None and
                         r["evidence_score"] >= gate} | {gate})

    def gain(t: float) -> float:  # unanswerable abstained minus answerable abstained
        return (mean([float(withheld(r, t)) for r in no]) or 0.0) - (mean([float(withheld(r, t)) for r in yes]) or 0.0)

    # what the threshold withholds only grows with t: the candidates are the thresholds within the budget
    allowed = [t for t in thresholds
               if (mean([float(below(r, t) and not r["abstained"]) for r in yes]) or 0.0) <= max_false]
    best_gain = max(gain(t) for t in allowed)
    best = [t for t in allowed if gain(t) >= best_gain - 1e-12]
    # a threshold t withholds the scores below it, so every t in (the next lower score, t] decides alike:
    # the best thresholds are the range (low, high]
    lower = [t for t in thresholds if t < best[0]]
    low, high = (lower[-1] if lower else float("-inf")), best[-1]
    current = float(Settings.model_fields["min_evidence_score"].default)
    # keep the current default when it decides as well as the best; else the middle of the best range
    chosen = current if low < current <= high else (round((low + high) / 2, 4) if lower else high)
    def figures(subset: list[dict]) -> dict:
        answerable = [r for r in subset if r["answerable"]]
        return {"questions": len(subset),
                "withheld_by_threshold": mean([float(below(r, chosen) and not r["abstained"]) for r in answerable]),
                "false_abstention": mean([float(withheld(r, chosen)) for r in answerable]),
                "unanswerable_abstained": mean([float(withheld(r, chosen)) for r in subset if not r["answerable"]])}

    return {"run": str(run), "gate_in_run": gate, "max_false": max_false, "min_evidence_score": chosen,
            "best_range": [None if low == float("-inf") else low, high],
            **figures(rows), "by_set": {name: figures([r for r in rows if r["set"] == name])
                                        for name in sorted({r["set"] for r in rows})}}


def _dev_rows(run: Path) -> tuple[dict, list[dict]]:
    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    if meta.get("suite") != "dev":
        raise HeldOutError(f"{run} is a run of the {meta.get('suite')} suite: choose on a dev-suite run "
                           "(tanya eval --suite dev) only.")
    rows = [json.loads(line) for path in sorted(run.glob("*.jsonl")) for line in path.read_text().splitlines()]
    return meta, [r for r in rows if "answer" in r]


def _outcome(rows: list[dict], abstain: list[bool]) -> dict:
    """What deciding ``abstain`` (one per row) does to a dev run's rows, pooled and per set: answer correct and
    false abstention (answerable questions), unanswerable abstained, and the share of shown answers that are
    wrong (an unanswerable question answered, or a wrong answer)."""

    def of(subset: list[int]) -> dict:
        yes = [i for i in subset if rows[i]["answerable"]]
        no = [i for i in subset if not rows[i]["answerable"]]
        return {"questions": len(subset),
                "answer_correct": mean([0.0 if abstain[i] else rows[i]["correct"] for i in yes]),
                "false_abstention": mean([float(abstain[i]) for i in yes]),
                "unanswerable_abstained": mean([float(abstain[i]) for i in no]),
                "shown_wrong": mean([float(not rows[i]["answerable"] or (rows[i]["correct"] or 0) < 0.5)
                                     for i in subset if not abstain[i]])}

    return {**of(list(range(len(rows)))),
            "by_set": {name: of([i for i, r in enumerate(rows) if r["set"] == name])
                       for name in sorted({r["set"] for r in rows})}}


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (a little L2 on the weights, none on the intercept):
    ``[intercept, *weights]``."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.diag([0.0] + [l2] * x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -50, 50)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _auc(scores: list[float], labels: list[bool]) -> float:
    """The chance that an answerable question scores above an unanswerable one (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    return float(np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg]))


def choose_answerability(run: Path, max_false: float = 0.05, data: Path = DEFAULT_ROOT) -> dict:
    """The answerability model fitted on a dev-suite run's signals, the threshold chosen on it, and what
    every other decision (the model's own refusal, each signal alone, the old rules on top) does there."""
    from eval.heldout import suite_items
    from eval.metrics import facts_present
    from rag.abstention import Answerability, Signals

    meta, rows = _dev_rows(run)
    if meta["settings"].get("min_answerability", 0.0) != 0.0:
        raise HeldOutError(f"{run} was run with min_answerability {meta['settings']['min_answerability']}: choose "
                           "on a run where the model answered every question (TANYA_MIN_ANSWERABILITY=0).")
    rows = [r for r in rows if r.get("signals")]
    golds = {i.key: i.golds for items in suite_items(data, sorted({r["set"] for r in rows}), meta.get("sample"),
                                                      "dev").values() for i in items}
    x = np.array([Answerability.features(Signals(**r["signals"])) for r in rows])
    y = np.array([float(r["answerable"]) for r in rows])
    names = ("evidence", "missing", "not_found")
    # The model is fitted on the sets that hold both kinds of question (a set of answerable questions only,
    # such as FacQA, would teach it the set rather than the signal); the threshold is chosen on every set.
    both = sorted(name for name in {r["set"] for r in rows}
                  if len({r["answerable"] for r in rows if r["set"] == name}) == 2)
    fit_rows = np.array([r["set"] in both for r in rows])

    def model_of(columns: tuple[int, ...]) -> np.ndarray:
        beta = fit_logistic(x[fit_rows][:, columns], y[fit_rows])
        full = np.zeros(4)
        full[0] = beta[0]
        for j, c in enumerate(columns):
            full[c + 1] = beta[j + 1]
        return full

    def probabilities(full: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(full[0] + x @ full[1:], -50, 50)))

    def outcome(abstain: list[bool], scored: list[dict] | None = None) -> dict:
        """:func:`_outcome` of the run's rows, or of ``scored`` when their answers differ (a rule taken away)."""
        return _outcome(rows if scored is None else scored, abstain)

    def thresholded(p: np.ndarray) -> tuple[float, dict]:
        """The threshold that abstains most on unanswerable questions with false abstention <= max_false
        (or, when verification alone abstains more, the one whose own cost is at most max_false)."""
        candidates = sorted({0.0, *[float(v) for v in p]})
        verified = [r["abstained"] for r in rows]
        own_budget = mean([float(v) for v, r in zip(verified, rows, strict=True) if r["answerable"]]) or 0.0
        budget = max(max_false, own_budget + max_false) if own_budget > max_false else max_false
        best_t, best = 0.0, outcome([bool(v) for v in verified])
        for t in candidates:
            decided = outcome([bool(v) or p[i] < t for i, v in enumerate(verified)])
            if decided["false_abstention"] is not None and decided["false_abstention"] <= budget + 1e-12 and \
                    (decided["unanswerable_abstained"] or 0) >= (best["unanswerable_abstained"] or 0):
                best_t, best = t, decided
        return best_t, best

    fitted = {}
    for label, columns in [("all three signals", (0, 1, 2)), ("evidence score alone", (0,)),
                           ("missing names and numbers alone", (1,)), ("the model's not-found probability alone", (2,)),
                           ("evidence + missing terms (no model signal)", (0, 1))]:
        full = model_of(columns)
        p = probabilities(full)
        t, figures = thresholded(p)
        fitted[label] = {"coefficients": dict(zip(("intercept", *names), map(float, full), strict=True)),
                         "auc_on_fitted_sets": _auc(list(p[fit_rows]), [bool(v) for v in y[fit_rows]]),
                         "min_answerability": round(t, 4), **figures}
    chosen = fitted["all three signals"]
    p = probabilities(np.array(list(chosen["coefficients"].values())))
    t = chosen["min_answerability"]
    score_abstains = [r["abstained"] or p[i] < t for i, r in enumerate(rows)]

    def natural(i: int) -> bool:
        return bool(rows[i]["abstained"] or rows[i]["signals"].get("not_found_likeliest"))

    def checked_text(r: dict) -> str | None:
        return next((n.split(": ", 1)[1] for n in r.get("notes", []) if n.startswith("the checked answer was: ")),
                    None)

    # the old rules, each on top of the chosen decision (and wrong_kind taken away from it)
    wrong_kind_off = []
    for i, r in enumerate(rows):
        if r.get("abstention") == "wrong_kind" and p[i] >= t:
            text = checked_text(r)
            r = {**r, "abstained": False, "correct": facts_present(text or "", golds.get(r["key"], []))
                 if r["answerable"] else None}
        wrong_kind_off.append(r)
    without_wrong_kind = outcome([r["abstained"] or p[i] < t for i, r in enumerate(wrong_kind_off)], wrong_kind_off)
    ablation = {
        "the model's own refusal (no calibrated score; no rule before the model)":
            outcome([natural(i) for i in range(len(rows))]),
        "chosen: calibrated answerability, the model made to answer above it": outcome(score_abstains),
        "chosen + the missing-terms rule (abstain when a name or number is missing)":
            outcome([a or rows[i]["signals"]["missing_terms"] > 0 for i, a in enumerate(score_abstains)]),
        "chosen + the evidence-score rule (min_evidence_score 0.80)":
            outcome([a or (rows[i]["evidence_score"] or 0) < 0.80 for i, a in enumerate(score_abstains)]),
        "chosen without the wrong-kind rule (no number for 'berapa' ...)": without_wrong_kind,
        "chosen without the quoted fallback (the best sentence quoted when the answer fails verification)":
            outcome([a or any("failed verification: answered with the best sentence" in n for n in rows[i]["notes"])
                     for i, a in enumerate(score_abstains)]),
    }
    old_design = [bool(r["abstained"] or r["signals"].get("not_found_likeliest") or r["signals"]["missing_terms"] > 0
                       or (r["evidence_score"] or 0) < 0.80) for r in rows]
    ablation = {"the old design (the model's own refusal; the missing-terms and evidence-score rules)":
                outcome(old_design), **ablation,
                "the model made to answer, verification only (no decision before it)":
                outcome([bool(r["abstained"]) for r in rows])}
    return {"run": str(run), "max_false": max_false, "questions": len(rows), "fitted_on": both,
            "answerability": {**chosen["coefficients"], "min_answerability": t},
            "fitted": fitted, "ablation": ablation}


def choose_confidence(run: Path, max_false: float = 0.05, answerability: Path | None = None) -> dict:
    """The confidence model (:class:`rag.confidence.Confidence`) fitted on a dev-suite run's written answers,
    the threshold chosen on it, and what it does on top of the answerability decision: the default one, or the
    one ``choose_answerability`` wrote to the file ``answerability`` (e.g. for another prompt)."""
    from rag.abstention import ANSWERABILITY, Answerability, Signals
    from rag.confidence import first_sentence_log_probability, mean_log_probability

    meta, rows = _dev_rows(run)
    settings = meta["settings"]
    if settings.get("min_answerability", 0.0) != 0.0 or settings.get("min_confidence", 0.0) != 0.0:
        raise HeldOutError(f"{run} was run with an answerability or confidence threshold: choose on a run where "
                           "the model answered every question (TANYA_MIN_ANSWERABILITY=0, TANYA_MIN_CONFIDENCE=0).")
    rows = [r for r in rows if r.get("signals") and r.get("token_probabilities")]
    if not rows:
        raise HeldOutError(f"{run} holds no token probabilities: run it again with the local model.")
    model, min_answerability = ANSWERABILITY, Settings.model_fields["min_answerability"].default
    if answerability is not None:
        chosen = json.loads(answerability.read_text(encoding="utf-8"))["answerability"]
        min_answerability = chosen.pop("min_answerability")
        model = Answerability(**chosen)
    p_answerable = np.array([model.probability(Signals(**r["signals"])) for r in rows])
    first = np.array([first_sentence_log_probability(r["pieces"], r["token_probabilities"]) for r in rows])
    log_odds = np.log(np.clip(p_answerable, 1e-6, 1 - 1e-6) / np.clip(1 - p_answerable, 1e-6, 1))
    x = np.column_stack([log_odds, first])
    before = [bool(r["abstained"]) or p_answerable[i] < min_answerability for i, r in enumerate(rows)]
    shown = [i for i in range(len(rows)) if not before[i]]
    if not shown:
        raise HeldOutError(f"no answer of {run} passes the answerability decision (min_answerability "
                           f"{min_answerability}): there is nothing to fit the confidence model on.")
    right = np.array([float(rows[i]["answerable"] and (rows[i]["correct"] or 0) >= 0.5) for i in shown])
    beta = fit_logistic(x[shown], right)
    confidence = 1.0 / (1.0 + np.exp(-np.clip(beta[0] + x @ beta[1:], -50, 50)))

    def outcome(abstain: list[bool]) -> dict:
        return _outcome(rows, abstain)

    base = outcome(before)
    budget = (base["false_abstention"] or 0.0) + max_false
    best_t, best = 0.0, base
    for t in sorted({float(v) for v in confidence[shown]}):
        decided = outcome([b or confidence[i] < t for i, b in enumerate(before)])
        if decided["false_abstention"] is not None and decided["false_abstention"] <= budget + 1e-12 and \
                (decided["unanswerable_abstained"] or 0) >= (best["unanswerable_abstained"] or 0):
            best_t, best = t, decided
    labels = [bool(v) for v in right]
    return {"run": str(run), "max_false": max_false, "questions": len(rows), "shown_by_answerability": len(shown),
            "confidence": {"intercept": float(beta[0]), "answerability": float(beta[1]),
                           "first_sentence": float(beta[2]), "min_confidence": round(best_t, 4)},
            "auc_on_shown": {"confidence": _auc([float(confidence[i]) for i in shown], labels),
                             "answerability": _auc([float(p_answerable[i]) for i in shown], labels),
                             "first sentence's mean log-probability": _auc([float(first[i]) for i in shown], labels),
                             "whole reply's mean log-probability": _auc(
                                 [float(mean_log_probability(rows[i]["token_probabilities"],
                                                             len(rows[i]["token_probabilities"])) or 0.0)
                                  for i in shown], labels)},
            "answerability alone (the default)": base, "chosen: answerability, then confidence": best}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.choose", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    f = sub.add_parser("fusion", help="fusion weights per question language (dev + FacQA valid)")
    f.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder holding facqa/")
    e = sub.add_parser("evidence-threshold", help="min_evidence_score from a dev-suite run")
    e.add_argument("run", type=Path)
    e.add_argument("--max-false", type=float, default=0.05)
    a = sub.add_parser("answerability", help="the answerability model and min_answerability from a dev-suite run")
    a.add_argument("run", type=Path)
    a.add_argument("--max-false", type=float, default=0.05)
    a.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder holding facqa/ and idk_mrc/")
    c = sub.add_parser("confidence", help="the confidence model and min_confidence from a dev-suite run")
    c.add_argument("run", type=Path)
    c.add_argument("--max-false", type=float, default=0.05)
    c.add_argument("--answerability", type=Path,
                   help="the answerability model to build on: a file `choose answerability --out` wrote")
    for command in (f, e, a, c):
        command.add_argument("--out", type=Path, help="also write the result (JSON) to this file")
    args = p.parse_args(argv)
    if args.what == "fusion":
        result = choose_fusion(args.data)
    elif args.what == "evidence-threshold":
        result = choose_evidence_threshold(args.run, args.max_false)
    elif args.what == "confidence":
        result = choose_confidence(args.run, args.max_false, args.answerability)
    else:
        result = choose_answerability(args.run, args.max_false, args.data)
    text = json.dumps(result, indent=2) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
