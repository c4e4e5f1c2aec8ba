"""Retrieval latency in a warm process: every eval question, retrieval only, timed.

    python -m eval.bench_retrieval [--repeat 3] [--k 5] [--json]

Uses the index and models the settings name (TANYA_HOME etc.), building the index
from the articles folder if it is empty. Prints p50/p95 per retrieval mode.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from eval.dataset import load_questions
from eval.metrics import med, milliseconds, percentile
from rag import Assistant
from rag.language import detect_language


def measure(bot: Assistant, questions: list[str], k: int, repeat: int) -> dict:
    bot.retriever.retrieve(questions[0], k, "id")  # warm: models loaded, keyword index built
    results = {}
    for mode in ("hybrid", "dense", "bm25"):
        times = []
        for _ in range(repeat):
            for q in questions:
                language = detect_language(q)
                started = time.perf_counter()
                bot.retriever.retrieve(q, k, language, mode=mode)
                times.append(time.perf_counter() - started)
        results[mode] = {"queries": len(times), "p50_ms": milliseconds(med(times)),
                         "p95_ms": milliseconds(percentile(times, 0.95)), "mean_ms": 1000 * sum(times) / len(times)}
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_retrieval", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3, help="passes over the questions (default 3)")
    p.add_argument("--k", type=int, default=5, help="passages per query (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    bot = Assistant()
    questions = [item.question for item in load_questions()]
    results = measure(bot, questions, args.k, args.repeat)
    meta = {"chunks": bot.store.count(), "threads": bot.settings.threads, "cpus": os.cpu_count(), "k": args.k}
    if args.json:
        print(json.dumps({"meta": meta, "retrieval": results}, indent=2))
        return 0
    print(f"Retrieval latency, warm process: {meta['chunks']} chunks, k={args.k}, "
          f"{meta['threads']} threads on {meta['cpus']} CPUs (question embedding included)")
    print(f"{'mode':8s} {'queries':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'mean ms':>8s}")
    for mode, r in results.items():
        print(f"{mode:8s} {r['queries']:8d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['mean_ms']:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
