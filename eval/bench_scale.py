"""Scale benchmark: ingestion, disk, RAM and query latency on synthetic corpora of N chunks.

    python -m eval.bench_scale --sizes 1000 10000 100000 [--reuse-above 10000] [--answers 5] [--out DIR]

For each size, a corpus of exactly N chunks is recombined from the benchmark passages
(``eval/synthetic_corpus.py``), written as JSONL files and indexed from scratch by the real
indexing code (``index_articles``: read, clean, chunk, embed chunks and sentences, write to
Chroma) in a fresh process, which then reports:

- ingestion: chunks/s overall, and the time inside the embedding model vs everything else
  (the keyword index the run builds and saves at its end is timed apart: see below);
- the index's size on disk, and the bytes of its vectors alone ((chunks + sentences) x dim x 4);
- peak RAM (``ru_maxrss``) after loading the models, after ingestion (the keyword index's
  build at its end included), after retrieval and after answers, next to the vector bytes;
- retrieval latency (hybrid, warm, ``--questions`` FacQA test questions, question embedding
  included); the time the indexing run takes at its end to build the keyword index and save
  it, and to load the saved one in a process opened later, with its size on disk;
- full-answer latency for ``--answers`` FacQA questions with the default language model
  (after one warm-up answer; ``--answers 0`` skips it).

Sizes above ``--reuse-above`` are not embedded in full (it would take hours on 2 cores):
each distinct sentence is embedded for real once and reused, and a chunk's vector is the
normalised mean of its sentences' vectors (an approximation, said in the output). Their
embedding time is then projected from the per-text cost measured on the largest size
embedded in full; everything else (reading, chunking, Chroma writes, BM25, queries, RAM,
disk) is measured for real. Results: ``scale.json`` and ``scale.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from math import nan
from pathlib import Path

from eval.metrics import milliseconds, percentile

DEFAULT_WORK = Path("/tmp/tanya-bench-scale")


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(folder: Path) -> float:
    """Space the files under ``folder`` take on disk, in MB."""
    blocks = sum(p.stat().st_blocks for p in folder.rglob("*") if p.is_file())
    return blocks * 512 / 1e6


def facqa_questions(data: Path, n: int) -> list[str]:
    """The first ``n`` FacQA test questions."""
    from eval.benchmarks import load_facqa

    return [item.question for item in load_facqa(data / "facqa", "test")[:n]]


def _warm_up_imports() -> None:
    """Import what indexing imports on first use (llama-index's splitter: ~10 s), so it is not timed."""
    from index import Article, chunk_article

    chunk_article(Article(doc_id="warm", path=Path("warm.txt"), title="Pemanasan", content_hash="0",
                          text="Kalimat pertama untuk pemanasan. Kalimat kedua juga."))


def _time_keyword_refresh(store) -> dict[str, float]:
    """Time what ``store.refresh_keyword_index()`` takes (an indexing run calls it once, at its end, to
    build and save the keyword index) apart from the rest of ingestion: seconds of wall and CPU time."""
    refresh, spent = store.refresh_keyword_index, {"wall_s": 0.0, "cpu_s": 0.0}

    def timed() -> bool:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return refresh()
        finally:
            spent["wall_s"] += time.perf_counter() - started
            spent["cpu_s"] += time.process_time() - cpu

    store.refresh_keyword_index = timed
    return spent


def measure_size(corpus: Path, home: Path, data: Path, *, reuse: bool, questions: int, answers: int) -> dict:
    """Index ``corpus`` into a fresh index under ``home`` and measure; runs in its own process."""
    from eval.reusing_embedder import TimedEmbedder
    from index import ChunkStore, index_articles
    from rag import Assistant, load_settings
    from rag.embedding import load_embedder_for
    from rag.language import detect_language

    settings = load_settings(home=home)
    started_load = time.perf_counter()
    real = load_embedder_for(settings)  # on this machine, or the server of TANYA_EMBED_BASE_URL
    real.embed_passages(["pemanasan"])
    result: dict = {"embed_backend": settings.embed_backend, "embed_base_url": settings.embed_base_url,
                    "threads": settings.threads,
                    "model_load_s": time.perf_counter() - started_load, "rss_mb": {"models_loaded": _rss_mb()}}
    _warm_up_imports()
    embedder = TimedEmbedder(real, reuse=reuse)
    store = ChunkStore.open(path=settings.index_path, collection=settings.collection,
                            embed_model=settings.embed_model_name)
    keyword = _time_keyword_refresh(store)
    started, cpu = time.perf_counter(), time.process_time()
    report = index_articles([corpus], store, embedder, chunk_size=settings.chunk_size,
                            chunk_overlap=settings.chunk_overlap, progress=False)
    wall = time.perf_counter() - started - keyword["wall_s"]
    ledger = embedder.ledger
    sentences = int(store._sentences.count())
    result["rss_mb"]["after_ingestion"] = _rss_mb()
    result.update({
        "articles": len(report.added), "chunks": report.chunks_written, "sentences": sentences,
        "skipped": len(report.skipped),
        "ingest": {"wall_s": wall, "cpu_s": time.process_time() - cpu - keyword["cpu_s"], "embed_s": ledger.seconds,
                   "other_s": wall - ledger.seconds, "chunks_per_s": report.chunks_written / wall,
                   "texts_embedded": ledger.texts_embedded, "texts_reused": ledger.texts_reused,
                   "chunks_approximated": ledger.chunks_approximated,
                   "texts": report.chunks_written + sentences},
        "disk_mb": disk_mb(settings.index_path),
        "vector_mb": (report.chunks_written + sentences) * real.dimension * 4 / 1e6,
    })

    bot = Assistant(settings, embedder=real, store=store)
    result["keyword_index_s"] = keyword["wall_s"]  # built from the store's texts and saved, at the end of the run
    later = ChunkStore.open(path=settings.index_path, collection=settings.collection,
                            embed_model=settings.embed_model_name)
    started = time.perf_counter()
    later.keyword_index()  # as a process started later: loaded from disk
    result["keyword_load_s"] = time.perf_counter() - started
    if later.keyword_dir is None:  # an on-disk store always keeps its keyword index in its folder
        raise RuntimeError(f"{settings.index_path}: no keyword index folder")
    result["keyword_disk_mb"] = disk_mb(later.keyword_dir)
    asked = facqa_questions(data, questions)
    bot.retriever.retrieve(asked[0], 5, "id")  # warm
    times = []
    for q in asked:
        language = detect_language(q)
        t = time.perf_counter()
        bot.retriever.retrieve(q, 5, language)
        times.append(time.perf_counter() - t)
    result["retrieval"] = {"queries": len(times), "p50_ms": milliseconds(percentile(times, 0.5)),
                           "p95_ms": milliseconds(percentile(times, 0.95))}
    result["rss_mb"]["after_retrieval"] = _rss_mb()
    if answers:
        bot.ask(asked[-1])  # warm: loads the language model
        seconds = []
        for q in asked[:answers]:
            t = time.perf_counter()
            bot.ask(q)
            seconds.append(time.perf_counter() - t)
        result["answers"] = {"questions": len(seconds), "p50_s": percentile(seconds, 0.5),
                             "p95_s": percentile(seconds, 0.95), "llm": settings.llm}
        result["rss_mb"]["after_answers"] = _rss_mb()
    result["load_avg"] = os.getloadavg()[0]
    return result


def project(results: list[dict], earlier: Sequence[dict] = ()) -> None:
    """For sizes whose embeddings were reused: the embedding time of a full run, from the per-text cost measured
    on the largest size embedded in full (in this run, or in ``earlier`` results)."""
    full = [r for r in list(earlier) + results if not r["reused_embeddings"]]
    if not full:
        return
    base = max(full, key=lambda r: r["chunks"])
    per_text = base["ingest"]["embed_s"] / base["ingest"]["texts_embedded"]
    for r in results:
        if r["reused_embeddings"]:
            ingest = r["ingest"]
            ingest["projected_embed_s"] = ingest["texts"] * per_text
            ingest["projected_chunks_per_s"] = r["chunks"] / (ingest["other_s"] + ingest["projected_embed_s"])
            ingest["projected_from"] = f"{base['chunks']} chunks: {1000 * per_text:.1f} ms a text"


def markdown(results: list[dict], command: str) -> str:
    lines = [f"Measured {date.today().isoformat()}: `{command}`", "",
             "| chunks | sentences | ingestion chunks/s | embedding s / other s (CPU s) | disk MB | vectors MB | "
             "peak RSS MB (models / +ingest / +retrieval) | BM25 build / load s | retrieval p50 / p95 ms | "
             "answer p50 / p95 s | load avg |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        i, rss = r["ingest"], r["rss_mb"]
        if r["reused_embeddings"]:
            speed = (f"{i.get('projected_chunks_per_s', float('nan')):.1f} projected\\*"
                     if "projected_chunks_per_s" in i else "n/a\\*")
            embed = f"{i['embed_s']:.0f} (reused\\*) / {i['other_s']:.0f} ({i.get('cpu_s', 0):.0f})"
        else:
            speed = f"{i['chunks_per_s']:.1f}"
            embed = f"{i['embed_s']:.0f} / {i['other_s']:.0f} ({i.get('cpu_s', 0):.0f})"
        answer = (f"{r['answers']['p50_s']:.1f} / {r['answers']['p95_s']:.1f}" if "answers" in r else "skipped")
        lines.append(f"| {r['chunks']:,} | {r['sentences']:,} | {speed} | {embed} | {r['disk_mb']:.0f} | "
                     f"{r['vector_mb']:.0f} | {rss['models_loaded']:.0f} / {rss['after_ingestion']:.0f} / "
                     f"{rss['after_retrieval']:.0f} | {r['keyword_index_s']:.1f} / "
                     f"{r.get('keyword_load_s', nan):.2f} | "
                     f"{r['retrieval']['p50_ms']:.0f} / {r['retrieval']['p95_ms']:.0f} | {answer} | "
                     f"{r.get('load_avg', float('nan')):.1f} |")
    reused = [r for r in results if r["reused_embeddings"]]
    if reused:
        lines += ["", "\\* Not embedded in full: each distinct sentence was embedded for real once and its vector "
                  "reused; each chunk's vector is the normalised mean of its sentences' real vectors (not the "
                  "model's vector of the chunk). Projected chunks/s = chunks / (measured other time + texts x the "
                  "per-text embedding cost measured on the largest size embedded in full). Everything else "
                  "(reading, chunking, Chroma writes, BM25, queries, RAM, disk) was measured for real."]
        for r in reused:
            i = r["ingest"]
            lines.append(f"  {r['chunks']:,} chunks: {i['texts_embedded']:,} texts embedded for real, "
                         f"{i['texts_reused']:,} reused, {i['chunks_approximated']:,} chunk vectors approximated; "
                         f"projection from {i.get('projected_from', 'no size embedded in full')}.")
    return "\n".join(lines) + "\n"


def _child(args: argparse.Namespace) -> int:
    result = measure_size(args.corpus, args.home, args.data, reuse=args.reuse, questions=args.questions,
                          answers=args.answers)
    args.result.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def run_size(size: int, args: argparse.Namespace, passages: list[str]) -> dict:
    from eval.synthetic_corpus import build_corpus, write_corpus

    folder = args.work / f"size-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    articles = build_corpus(passages, size, seed=args.seed)
    write_corpus(articles, folder / "corpus")
    print(f"[{size}] corpus: {len(articles)} articles, {size} chunks ({time.perf_counter() - started:.0f} s to make)",
          flush=True)
    reuse = args.reuse_above is not None and size > args.reuse_above
    cmd = [sys.executable, "-m", "eval.bench_scale", "--child", "--corpus", str(folder / "corpus"),
           "--home", str(folder / "home"), "--data", str(args.data), "--result", str(folder / "result.json"),
           "--questions", str(args.questions), "--answers", str(args.answers)] + (["--reuse"] if reuse else [])
    # A fresh index, the usual models (not converted again under the scratch folder).
    env = {**os.environ, "TANYA_HOME": str(folder / "home"), "TANYA_MODELS_DIR": str(args.models_dir)}
    subprocess.run(cmd, check=True, env=env)
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    result.update({"size": size, "reused_embeddings": reuse, "articles_made": len(articles)})
    print(f"[{size}] {json.dumps(result)}", flush=True)
    if not args.keep:
        shutil.rmtree(folder / "home", ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    from eval.benchmarks import DEFAULT_ROOT

    p = argparse.ArgumentParser(prog="python -m eval.bench_scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], help="chunks per corpus")
    p.add_argument("--reuse-above", type=int, default=None,
                   help="sizes above this reuse sentence vectors instead of embedding everything (see above)")
    p.add_argument("--questions", type=int, default=40, help="FacQA test questions timed for retrieval")
    p.add_argument("--answers", type=int, default=5, help="questions answered by the language model (0: skip)")
    p.add_argument("--embed-cost-from", type=Path, default=None,
                   help="a scale.json whose sizes embedded in full give the per-text cost for the projection")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="the benchmarks folder (facqa/, idk_mrc/)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder for corpora and indexes")
    p.add_argument("--out", type=Path, default=Path("eval/runs") / f"{date.today().isoformat()}-scale")
    p.add_argument("--keep", action="store_true", help="keep the indexes built")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args)

    from eval.synthetic_corpus import benchmark_passages
    from rag import load_settings

    args.models_dir = load_settings().models_path
    command = "python -m eval.bench_scale " + " ".join(argv if argv is not None else sys.argv[1:])
    passages = benchmark_passages(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    earlier = (json.loads(args.embed_cost_from.read_text(encoding="utf-8"))["results"]
               if args.embed_cost_from else [])
    results = []
    for size in sorted(args.sizes):
        results.append(run_size(size, args, passages))
        project(results, earlier)
        (args.out / "scale.json").write_text(json.dumps({"command": command, "date": date.today().isoformat(),
                                                         "cpus": os.cpu_count(), "results": results}, indent=2)
                                             + "\n", encoding="utf-8")
        (args.out / "scale.md").write_text(markdown(results, command), encoding="utf-8")
    print(markdown(results, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
