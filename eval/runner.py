"""Run the eval set through the public API and write a run folder.

A run folder holds ``results.jsonl`` (one line a question: answer, citations,
verdicts, timings), ``report.json`` (the aggregates) and ``report.md`` (the same,
for people, with charts).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from eval.dataset import EvalItem
from eval.judge import Judge, describe
from eval.metrics import (
    answer_scores,
    citation_scores,
    first_relevant_rank,
    mean,
    med,
    percentile,
    recall_at,
    reciprocal_rank,
    score_abstention_as_wrong,
)
from rag import Answer, Assistant, Final, Token
from rag.language import answer_language, detect_language

RETRIEVAL_MODES = ("hybrid", "dense", "bm25")


def timed_answer(bot: Assistant, question: str,
                 passages: list[str] | None = None) -> tuple[Answer, float | None, float]:
    """The checked answer to ``question`` as the page gets it (``Assistant.events``), with the seconds
    to its first token and to the whole answer."""
    started = time.perf_counter()
    ttft = None
    answer = None
    for event in bot.events(question, passages=passages):
        if isinstance(event, Token) and ttft is None:
            ttft = time.perf_counter() - started
        elif isinstance(event, Final):
            answer = event.answer
    if answer is None:
        raise RuntimeError(f"no answer to {question!r}")
    return answer, ttft, time.perf_counter() - started


def evaluate_item(bot: Assistant, item: EvalItem, judge: Judge, answers: bool = True) -> dict:
    """Everything measured about one question."""
    row: dict = {"id": item.id, "lang": item.lang, "type": item.type, "question": item.question,
                 "answerable": item.answerable, "gold_answer": item.gold_answer}
    evidence = [e.text for e in item.evidence]
    row["retrieval"] = {}
    for mode in RETRIEVAL_MODES:
        started = time.perf_counter()
        passages = bot.retriever.retrieve(item.question, 10, detect_language(item.question), mode=mode)
        elapsed = time.perf_counter() - started
        rank = first_relevant_rank([p.text for p in passages], evidence) if item.answerable else None
        row["retrieval"][mode] = {"rank": rank, "ids": [p.id for p in passages], "seconds": elapsed}
    if not answers:
        return row

    answer, ttft, total = timed_answer(bot, item.question)
    cited = {c.number: c.text for c in answer.citations}
    citations = citation_scores(answer.text, cited, lambda s, p: judge.judge(s, p).supported)
    row.update({
        "answer": answer.text,
        "abstained": answer.abstained,
        "answer_language": answer_language(answer.text),
        "citations": [asdict(c) for c in answer.citations],
        "notes": answer.notes,
        **(answer_scores(answer.text, answer.abstained, item.gold_facts, item.gold_answer) if item.answerable
           else {"facts": None, "f1": None}),
        "citation": {k: v for k, v in citations.items()},
        "ttft_s": ttft,
        "total_s": total,
        "prompt_tokens": answer.stats.prompt_tokens,
        "completion_tokens": answer.stats.completion_tokens,
        "retrieval_s": answer.retrieval_s,
    })
    return row


def _retrieval_block(rows: list[dict], mode: str) -> dict:
    ranks = [r["retrieval"][mode]["rank"] for r in rows if r["answerable"]]
    latencies = [r["retrieval"][mode]["seconds"] for r in rows]
    return {
        "questions": len(ranks),
        "recall_at_1": mean([recall_at(x, 1) for x in ranks]),
        "recall_at_5": mean([recall_at(x, 5) for x in ranks]),
        "recall_at_10": mean([recall_at(x, 10) for x in ranks]),
        "mrr_at_10": mean([reciprocal_rank(x, 10) for x in ranks]),
        "latency_median_s": med(latencies),
    }


def aggregate(rows: list[dict]) -> dict:
    """report.json's content for these rows."""
    answered = [r for r in rows if "answer" in r]
    answerable = [r for r in answered if r["answerable"]]
    unanswerable = [r for r in answered if not r["answerable"]]
    with_citations = [r for r in answerable if not r["abstained"]]
    report: dict = {"questions": len(rows)}
    if rows and "retrieval" in rows[0]:
        report["retrieval"] = _retrieval_block(rows, "hybrid")
        report["baselines"] = {mode: {"retrieval": _retrieval_block(rows, mode)} for mode in ("dense", "bm25")}
    if answered:
        report.update({
            "answer": {
                "questions": len(answerable),
                "correctness": mean([r["facts"] for r in answerable]),
                "all_facts_rate": mean([float(r["facts"] == 1.0) for r in answerable]),
                "f1": mean([r["f1"] for r in answerable if r["f1"] is not None]),
            },
            "citation": {
                "answers": len(with_citations),
                "recall": mean([r["citation"]["recall"] for r in with_citations]),
                "precision": mean([r["citation"]["precision"] for r in with_citations if r["citation"]["citations"]]),
                "dangling_rate": (sum(r["citation"]["dangling"] for r in answered)
                                  / max(1, sum(r["citation"]["citations"] for r in answered))),
            },
            "abstention": {
                "unanswerable": len(unanswerable),
                "correct_rate": mean([float(r["abstained"]) for r in unanswerable]),
                "false_rate": mean([float(r["abstained"]) for r in answerable]),
            },
            "language": {"match_rate": mean([float(r["answer_language"] == r["lang"]) for r in answered])},
            "latency": {
                "ttft_median_s": med([r["ttft_s"] for r in answered]),
                "ttft_p90_s": percentile([r["ttft_s"] for r in answered], 0.9),
                "total_median_s": med([r["total_s"] for r in answered]),
                "total_p90_s": percentile([r["total_s"] for r in answered], 0.9),
                # only the questions the model was asked (code abstentions answer at once)
                "ttft_generated_median_s": med([r["ttft_s"] for r in answered if r["completion_tokens"]]),
                "total_generated_median_s": med([r["total_s"] for r in answered if r["completion_tokens"]]),
                "prompt_tokens_median": med([r["prompt_tokens"] for r in answered if r["prompt_tokens"]]),
                "completion_tokens_median": med([r["completion_tokens"] for r in answered]),
            },
        })
    return report


def report_with_splits(rows: list[dict]) -> dict:
    report = aggregate(rows)
    report["by_language"] = {lang: aggregate([r for r in rows if r["lang"] == lang])
                             for lang in ("id", "en") if any(r["lang"] == lang for r in rows)}
    return report


def run_eval(bot: Assistant, items: list[EvalItem], out: Path, judge: Judge, *, answers: bool = True,
             progress: bool = True, meta: dict | None = None) -> dict:
    """Evaluate ``items`` and write the run folder ``out``; returns the report."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for item in tqdm(items, desc="Eval", unit="question", disable=not progress):
            row = evaluate_item(bot, item, judge, answers)
            rows.append(row)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
    report = report_with_splits(rows)
    report["meta"] = {**(meta or {}), "judge": describe(judge)}
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    from eval.report import write_markdown

    write_markdown(report, rows, out)
    return report


def vanilla_baseline(our_rows: list[dict], vanilla_rows: list[dict], every: int) -> dict:
    """The report's vanilla llama-index block: both pipelines aggregated over the same questions."""
    ids = {r["id"] for r in vanilla_rows}
    return {"questions": len(vanilla_rows), "every": every,
            "ours": aggregate([r for r in our_rows if r["id"] in ids]), "vanilla": aggregate(vanilla_rows)}


def rescore(run: Path, judge: Judge) -> dict:
    """Score a run's stored answers again (citations with the current judge; language) and rewrite
    its report: for changes to the judge or metrics, without asking the model again."""
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        if "answer" not in row:
            continue
        cited = {c["number"]: c["text"] for c in row["citations"]}
        row["citation"] = citation_scores(row["answer"], cited, lambda s, p: judge.judge(s, p).supported)
        row["answer_language"] = answer_language(row["answer"])
        score_abstention_as_wrong(row)
    (run / "results.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                       encoding="utf-8")
    old = json.loads((run / "report.json").read_text(encoding="utf-8"))
    report = report_with_splits(rows)
    report["meta"] = {**old.get("meta", {}), "rescored": time.strftime("%Y-%m-%d %H:%M"),
                      "judge": describe(judge)}
    vanilla = old.get("baselines", {}).get("vanilla_llamaindex")
    if vanilla:
        from eval.vanilla import rescore_vanilla

        vanilla_rows = rescore_vanilla(run / "vanilla", judge)
        if vanilla_rows is None:  # stored before vanilla rows kept their passages: left as it was scored
            vanilla = {**vanilla, "not_rescored": True}
        else:
            vanilla = vanilla_baseline(rows, vanilla_rows, vanilla.get("every", 1))
        report.setdefault("baselines", {})["vanilla_llamaindex"] = vanilla
    (run / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    from eval.report import write_markdown

    write_markdown(report, rows, run)
    return report
