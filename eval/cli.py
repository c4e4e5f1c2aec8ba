"""`tanya eval`: run the eval set, compare two runs, or measure the support judge."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tanya eval", description="Measure answers, citations, abstention and speed.")
    p.add_argument("--limit", type=int, help="only the first N questions (after --lang)")
    p.add_argument("--lang", choices=["id", "en"], help="only questions in this language")
    p.add_argument("--out", type=Path,
                   help="run folder (default: a new eval-runs/<kind>-<time> in the data home, TANYA_HOME, "
                        "~/.local/share/tanya-berita unless set; not the current folder, so no run lands in the "
                        "repository by accident)")
    p.add_argument("--retrieval-only", action="store_true", help="skip answering: retrieval metrics only (fast)")
    p.add_argument("--questions", type=Path, help="eval set (default eval/data/questions.jsonl)")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two run folders")
    p.add_argument("--judge", action="store_true",
                   help="measure the support judge against the hand-labelled pairs (both files)")
    p.add_argument("--vanilla", type=Path, metavar="RUN",
                   help="run the vanilla llama-index baseline on the questions of run folder RUN "
                        "and add it to its report")
    p.add_argument("--rescore", type=Path, metavar="RUN",
                   help="score a run's stored answers again with the current judge (no model calls)")
    p.add_argument("--every", type=int, default=1, help="with --vanilla: only every N-th question of the run")
    p.add_argument("--llm-judge", metavar="URL",
                   help="also judge support with the LLM of this OpenAI-compatible server "
                        "(e.g. http://127.0.0.1:8080/v1): with --judge, its agreement with the labels; "
                        "in a run or --rescore, it scores the citations")
    p.add_argument("--llm-judge-model", default="default", help="with --llm-judge: the server's model name")
    p.add_argument("--llm-judge-key", default="not-needed", help="with --llm-judge: the server's API key")
    p.add_argument("--benchmark", choices=["facqa", "idk-mrc"], help="run an external benchmark instead of our set")
    p.add_argument("--data", type=Path, help="the benchmark's folder (default ../shared/benchmarks/<name>)")
    p.add_argument("--split", default="test", help="benchmark split (default test)")
    p.add_argument("--suite", choices=["heldout", "dev"],
                   help="heldout: our test half, FacQA test in Indonesian and English, IDK-MRC test (for reporting); "
                        "dev: the same on our dev half and the valid splits (for choosing). See eval/README.md; "
                        "resumable with the same --out")
    p.add_argument("--sample", type=int, metavar="N",
                   help="with --suite: N questions per set (fixed seed, answerable and unanswerable balanced)")
    p.add_argument("--sets", nargs="+", metavar="SET", help="with --suite: only these sets "
                   "(ours, facqa-id, facqa-en, idk-mrc)")
    return p


def default_out(home: Path, kind: str) -> Path:
    """Where a run goes without --out: a new folder under the data home (TANYA_HOME), not the current one."""
    return home / "eval-runs" / time.strftime(f"{kind}-%Y%m%d-%H%M%S")


def _suite(args) -> int:
    from eval.benchmarks import DEFAULT_ROOT
    from eval.heldout import SETS, SuiteAssistants, run_suite
    from eval.judge import GroundingJudge
    from rag import load_settings

    if args.sample is not None and args.sample < 1:
        from rag.errors import TanyaError

        raise TanyaError(f"--sample takes a positive number of questions per set, not {args.sample}.")
    base = load_settings()
    bot_for = SuiteAssistants(base)

    out = args.out or default_out(base.home, args.suite)
    meta = {"command": "tanya eval " + " ".join(sys.argv[2:]), "llm": base.llm_base_url or base.llm}
    report = run_suite(bot_for, GroundingJudge(bot_for.articles.embedder), out, root=args.data or DEFAULT_ROOT,
                       sets=args.sets or SETS, sample=args.sample, suite=args.suite,
                       answers=not args.retrieval_only, meta=meta)
    from eval.heldout import markdown

    print(markdown(report))
    print(f"Wrote {out}/{args.suite}-report.md")
    return 0


def _benchmark(args) -> int:
    from eval.benchmarks import DEFAULT_ROOT, run_facqa, run_idk_mrc
    from rag import Assistant, load_settings

    name = args.benchmark.replace("-", "_")
    data = args.data or DEFAULT_ROOT / name
    base = load_settings()
    out = args.out or default_out(base.home, name)
    if name == "facqa":  # its own index, beside the articles' one
        bot = Assistant(base, home=base.home / "benchmarks" / "facqa", models_dir=base.models_path)
        report = run_facqa(bot, data, out, split=args.split, limit=args.limit, answers=not args.retrieval_only)
    else:
        report = run_idk_mrc(Assistant(base), data, out, split=args.split, limit=args.limit)
    report["meta"] = {"date": time.strftime("%Y-%m-%d %H:%M"), "limit": args.limit,
                      "llm": base.llm_base_url or base.llm, "command": "tanya eval " + " ".join(sys.argv[2:])}
    (out / f"{name}-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


def _vanilla(bot, judge, items, run: Path, every: int) -> int:
    from eval.report import write_markdown
    from eval.runner import vanilla_baseline
    from eval.vanilla import run_vanilla
    from rag.errors import TanyaError

    if not (run / "results.jsonl").is_file():
        raise TanyaError(f"{run} is not an eval run folder (no results.jsonl); run `tanya eval --out {run}` first.")
    ours = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    ours = [r for r in ours if "answer" in r][:: max(1, every)]
    by_id = {i.id: i for i in items}
    subset = [by_id[r["id"]] for r in ours if r["id"] in by_id]
    theirs = run_vanilla(bot, subset, run / "vanilla", judge)
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    report.setdefault("baselines", {})["vanilla_llamaindex"] = vanilla_baseline(ours, theirs, every)
    (run / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    all_rows = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    write_markdown(report, all_rows, run)
    print(f"Added the vanilla llama-index baseline ({len(subset)} questions) to {run}/report.md")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.compare:
        if all((run / "meta.json").is_file() for run in args.compare):  # runs of a suite
            from eval.heldout import compare_runs

            print(compare_runs(*args.compare), end="")
            return 0
        from eval.report import compare

        for run in args.compare:
            if not (run / "report.json").is_file():
                from rag.errors import TanyaError

                raise TanyaError(f"{run} is neither a suite run folder (meta.json) nor a run of the whole "
                                 "in-repo set (report.json).")
        print(compare(*args.compare))
        return 0

    from eval.dataset import QUESTIONS, SUPPORT_PAIRS_CROSSLINGUAL, load_questions, load_support_pairs
    from eval.judge import GroundingJudge, Judge, LLMJudge, judge_report, llm_agreement
    from rag import Assistant

    if args.suite:
        return _suite(args)
    if args.benchmark:
        return _benchmark(args)
    bot = Assistant()
    local_judge = GroundingJudge(bot.embedder)
    llm_judge = LLMJudge(args.llm_judge, args.llm_judge_model, args.llm_judge_key) if args.llm_judge else None
    if args.judge:
        pairs = load_support_pairs()
        crosslingual = load_support_pairs(SUPPORT_PAIRS_CROSSLINGUAL)
        result = {"local_judge": judge_report(local_judge, pairs, crosslingual)}
        if llm_judge:
            result["llm_judge"] = {"server": args.llm_judge, "model": args.llm_judge_model,
                                   **llm_agreement(llm_judge, pairs),
                                   "support_pairs_crosslingual": llm_agreement(llm_judge, crosslingual)}
        print(json.dumps(result, indent=2))
        return 0
    judge: Judge = llm_judge or local_judge
    if args.rescore:
        from eval.runner import rescore

        rescore(args.rescore, judge)
        print(f"Rescored {args.rescore}: report.json and report.md rewritten")
        return 0
    items = load_questions(args.questions or QUESTIONS)
    if args.vanilla:
        return _vanilla(bot, judge, items, args.vanilla, args.every)
    if args.lang:
        items = [i for i in items if i.lang == args.lang]
    if args.limit:
        items = items[: args.limit]
    s = bot.settings
    out = args.out or default_out(s.home, "eval")
    meta = {"name": out.name, "date": time.strftime("%Y-%m-%d %H:%M"), "questions": len(items),
            "llm": s.llm_base_url or s.llm, "embed_model": s.embed_model, "top_k": s.top_k, "threads": s.threads,
            "chunk_size": s.chunk_size}
    from eval.runner import run_eval

    report = run_eval(bot, items, out, judge, answers=not args.retrieval_only, meta=meta)
    from eval.report import fmt, get

    print(f"Wrote {out}/report.md")
    for key in ("retrieval.recall_at_5", "retrieval.mrr_at_10", "answer.correctness", "citation.precision",
                "citation.recall", "abstention.correct_rate", "abstention.false_rate", "language.match_rate",
                "latency.ttft_median_s", "latency.total_median_s"):
        print(f"  {key:28} {fmt(get(report, key))}")
    return 0
