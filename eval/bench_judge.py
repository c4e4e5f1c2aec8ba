"""What the support judge costs per English answer sentence, with the counterpart check and without.

    python -m eval.bench_judge [--sources 6] [--sentences 3] [--json]

Answers are made of the cross-lingual pairs' supported sentences (``--sentences`` per answer), each
sentence judged against ``--sources`` of their passages, as verification does; every answer gets a fresh
judge (empty caches, as for a new answer's sources). Only the embedding model is loaded.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from eval.dataset import SUPPORT_PAIRS_CROSSLINGUAL, load_support_pairs
from eval.metrics import med, milliseconds, percentile
from index import Embedder
from rag.grounding import GroundingJudge
from rag.settings import default


def measure(embedder: Embedder, sentences: Sequence[str], passages: Sequence[str], per_answer: int = 3,
            sources: int = 6, counterpart_threshold: float = default("support_counterpart_threshold")) -> dict:
    """Milliseconds to judge each sentence against its answer's sources: wall time, and the process's CPU
    time (all threads; steadier than wall time on a machine that other work shares)."""
    times, cpu = [], []
    for start in range(0, len(sentences) - per_answer + 1, per_answer):
        judge = GroundingJudge(embedder, counterpart_threshold=counterpart_threshold)
        first = (start // per_answer * (sources - 2)) % max(1, len(passages) - sources + 1)
        for sentence in sentences[start:start + per_answer]:
            began, began_cpu = time.perf_counter(), time.process_time()
            for passage in passages[first:first + sources]:
                judge.judge(sentence, passage)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    return {"sentences": len(times), "p50_ms": milliseconds(med(times)),
            "p95_ms": milliseconds(percentile(times, 0.95)),
            "mean_ms": 1000 * sum(times) / max(1, len(times)), "cpu_p50_ms": milliseconds(med(cpu)),
            "cpu_mean_ms": 1000 * sum(cpu) / max(1, len(cpu))}


def main(argv: list[str] | None = None) -> int:
    from rag import load_settings
    from rag.embedding import load_embedder_for

    p = argparse.ArgumentParser(prog="python -m eval.bench_judge", description=__doc__.split("\n\n")[0])
    p.add_argument("--sources", type=int, default=6, help="sources each sentence is judged against (default 6)")
    p.add_argument("--sentences", type=int, default=3, help="sentences per answer (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    embedder = load_embedder_for(load_settings())
    pairs = load_support_pairs(SUPPORT_PAIRS_CROSSLINGUAL)
    sentences = [p.sentence for p in pairs if p.supported]
    passages = list(dict.fromkeys(p.passage for p in pairs))
    embedder.embed_queries(["warm up"])
    results = {name: measure(embedder, sentences, passages, args.sentences, args.sources, threshold)
               for name, threshold in (("check off", 0.0), ("check on", default("support_counterpart_threshold")))}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"Support judge, per English answer sentence against {args.sources} sources:")
    print(f"{'':10s} {'sentences':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'mean ms':>8s} {'CPU p50':>8s} {'CPU mean':>8s}")
    for name, r in results.items():
        print(f"{name:10s} {r['sentences']:9d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['mean_ms']:8.1f} "
              f"{r['cpu_p50_ms']:8.1f} {r['cpu_mean_ms']:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
