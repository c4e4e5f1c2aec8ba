"""`tanya eval`: run the eval set, compare two runs, or measure the support judge."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tanya eval", description="Measure answers, citations, abstention and speed.")
    p.add_argument("--limit", type=int, help="only the first N questions (after --lang)")
    p.add_argument("--lang", choices=["id", "en"], help="only questions in this language")
    p.add_argument("--out", type=Path, help="run folder (default runs/eval-<time>)")
    p.add_argument("--retrieval-only", action="store_true", help="skip answering: retrieval metrics only (fast)")
    p.add_argument("--questions", type=Path, help="eval set (default eval/data/questions.jsonl)")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two run folders")
    p.add_argument("--judge", action="store_true", help="measure the support judge against the hand-labelled pairs")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.compare:
        from eval.report import compare

        for run in args.compare:
            if not (run / "report.json").is_file():
                from rag.errors import TanyaError

                raise TanyaError(f"{run} is not an eval run folder (no report.json).")
        print(compare(*args.compare))
        return 0

    from eval.dataset import QUESTIONS, load_questions, load_support_pairs
    from eval.judge import SupportJudge, agreement
    from rag import Assistant

    bot = Assistant()
    judge = SupportJudge(bot.embedder)
    if args.judge:
        print(json.dumps(agreement(judge, load_support_pairs()), indent=2))
        return 0
    items = load_questions(args.questions or QUESTIONS)
    if args.lang:
        items = [i for i in items if i.lang == args.lang]
    if args.limit:
        items = items[: args.limit]
    out = args.out or Path("runs") / time.strftime("eval-%Y%m%d-%H%M%S")
    s = bot.settings
    meta = {"name": out.name, "date": time.strftime("%Y-%m-%d %H:%M"), "questions": len(items),
            "llm": s.llm_base_url or s.llm, "embed_model": s.embed_model, "top_k": s.top_k, "threads": s.threads,
            "chunk_size": s.chunk_size}
    from eval.runner import run_eval

    report = run_eval(bot, items, out, judge, answers=not args.retrieval_only, meta=meta)
    print(f"Wrote {out}/report.md")
    for key in ("retrieval.recall_at_5", "retrieval.mrr_at_10", "answer.correctness", "citation.precision",
                "citation.recall", "abstention.correct_rate", "abstention.false_rate", "language.match_rate",
                "latency.ttft_median_s", "latency.total_median_s"):
        from eval.report import fmt, get

        print(f"  {key:28} {fmt(get(report, key))}")
    return 0
