"""Choose settings on data meant for choosing, never on held-out data.

    python -m eval.choose fusion [--data ROOT]             # fusion weights per question language
    python -m eval.choose evidence-threshold RUN [--max-false 0.05]   # min_evidence_score

``fusion`` scores a grid of best-sentence and BM25 weights by MRR@10 on our dev half and on
FacQA valid (Indonesian questions) and its English versions (English questions); each set
counts equally within a language. ``evidence-threshold`` reads a dev-suite run (``tanya eval
--suite dev``, run with ``TANYA_MIN_EVIDENCE_SCORE=-1`` so that no answer was withheld by the
threshold) and, among the thresholds that withhold at most ``--max-false`` of the answerable
questions the system would otherwise have answered (the threshold's own cost), finds those that
abstain most on unanswerable questions less on answerable ones; it keeps the current default when
that is among them, else takes the middle of their range.
Both refuse test rows (:func:`eval.dataset.for_tuning`, :class:`eval.dataset.HeldOutError`).
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.choose", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    f = sub.add_parser("fusion", help="fusion weights per question language (dev + FacQA valid)")
    f.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder holding facqa/")
    e = sub.add_parser("evidence-threshold", help="min_evidence_score from a dev-suite run")
    e.add_argument("run", type=Path)
    e.add_argument("--max-false", type=float, default=0.05)
    for command in (f, e):
        command.add_argument("--out", type=Path, help="also write the result (JSON) to this file")
    args = p.parse_args(argv)
    result = choose_fusion(args.data) if args.what == "fusion" else choose_evidence_threshold(args.run, args.max_false)
    text = json.dumps(result, indent=2) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
