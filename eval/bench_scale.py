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

Against a Chroma server (``--chroma-url``, default ``TANYA_CHROMA_URL``; started with ``chroma run --path DIR
--port PORT``) each size goes into a collection of its own, ``scale-<size>``, emptied first; the keyword index
is saved on this machine under ``--work``. The result records which store was used (``store``): for a server,
its URL, its version, the chromadb client's version, and, when the server runs on this machine as this user,
its process id and resident memory now and at its peak (``VmRSS``, ``VmHWM``); with ``--chroma-path DIR`` also
the size of its data folder.

A big index is built once and timed later, apart (building takes hours; timing wants an idle machine):

    python -m eval.bench_scale --phase index --sizes 100000 --reuse-above 10000 --chroma-url URL --work W
    python -m eval.bench_scale --phase retrieval --sizes 100000 --answers 0 --chroma-url URL --work W

``--phase index`` builds and keeps the index (and measures ingestion); ``--phase retrieval`` only times
retrieval (and answers, if asked) on it, and refuses an index that does not hold the size asked.
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
from typing import TYPE_CHECKING

from eval.metrics import milliseconds, percentile

if TYPE_CHECKING:
    from index import ChunkStore

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


PHASES = ("all", "index", "retrieval")


def server_collection(size: int) -> str:
    """The collection a size is indexed into on a Chroma server (one per size, so several can be kept)."""
    return f"scale-{size}"


def _store_facts(settings, chroma_path: Path | None) -> dict:
    """Which store the run used; for a Chroma server, its version and its process's memory (see eval.chroma_server)."""
    if not settings.chroma_url:
        return {"kind": "embedded", "path": str(settings.index_path), "collection": settings.collection}
    import chromadb

    from eval.chroma_server import server_facts

    facts = {"kind": "chroma server", "collection": settings.collection, "client_version": chromadb.__version__,
             **server_facts(settings.chroma_url)}
    if chroma_path is not None:  # the server's whole data folder, as `chroma run --path` was given it
        facts["server_path"] = str(chroma_path)
        facts["server_disk_mb"] = disk_mb(chroma_path)
    return facts


def _ingest(corpus: Path, settings, real, *, reuse: bool, result: dict):
    """Index ``corpus`` from scratch into the store of ``settings`` (a server's collection is emptied first)."""
    from eval.reusing_embedder import TimedEmbedder
    from index import ChunkStore, index_articles

    _warm_up_imports()
    embedder = TimedEmbedder(real, reuse=reuse)
    store = ChunkStore.open(path=settings.index_path, url=settings.chroma_url, collection=settings.collection,
                            embed_model=settings.embed_model_name, reset=bool(settings.chroma_url),
                            sentence_vectors=settings.index_sentence_vectors,
                            keyword_cache=settings.keyword_cache_path)
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
        # the folder of an embedded index; on a server, see store.server_disk_mb (with --chroma-path)
        "disk_mb": disk_mb(settings.index_path) if settings.index_path.exists() else None,
        "vector_mb": (report.chunks_written + sentences) * real.dimension * 4 / 1e6,
        "keyword_index_s": keyword["wall_s"],  # built from the store's texts and saved, at the end of the run
    })
    return store


def built_chunks(settings, size: int) -> tuple[ChunkStore, int]:
    """The store of ``settings`` (opened, never created anew) and its sentence count, if it holds ``size`` chunks.

    Raises IndexDirectoryError, saying how to build it, when it holds another number (none included)."""
    from index import ChunkStore, IndexDirectoryError

    where = settings.chroma_url or settings.index_path
    if not settings.chroma_url and not settings.index_path.exists():
        raise IndexDirectoryError(f"No index of {size:,} chunks at {where}: build it first with "
                                  f"`python -m eval.bench_scale --phase index --sizes {size}` (same --work).")
    store = ChunkStore.open(path=settings.index_path, url=settings.chroma_url, collection=settings.collection,
                            embed_model=settings.embed_model_name, keyword_cache=settings.keyword_cache_path,
                            sentence_vectors=settings.index_sentence_vectors)
    held = store.count()
    if held != size:
        raise IndexDirectoryError(
            f"Collection {settings.collection!r} at {where} holds {held:,} chunks, not {size:,}: build it first with "
            f"`python -m eval.bench_scale --phase index --sizes {size}` (same --work and --chroma-url), and "
            "wait for it to finish.")
    return store, int(store._sentences.count())


def _time_retrieval(settings, real, store, data: Path, *, questions: int, answers: int, result: dict) -> None:
    """Load the saved keyword index as a later process would, then time retrieval (and answers, if asked)."""
    from index import ChunkStore
    from rag import Assistant
    from rag.language import detect_language

    bot = Assistant(settings, embedder=real, store=store)
    later = ChunkStore.open(path=settings.index_path, url=settings.chroma_url, collection=settings.collection,
                            embed_model=settings.embed_model_name, keyword_cache=settings.keyword_cache_path,
                            sentence_vectors=settings.index_sentence_vectors)
    started = time.perf_counter()
    later.keyword_index()  # as a process started later: loaded from disk (built anew if missing or stale)
    result["keyword_load_s"] = time.perf_counter() - started
    if later.keyword_dir is None:  # saved in the index folder, or for a server in the keyword cache
        raise RuntimeError(f"{later.location}: no keyword index folder")
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


def measure_size(corpus: Path | None, home: Path, data: Path, *, reuse: bool, questions: int, answers: int,
                 phase: str = "all", size: int | None = None, chroma_path: Path | None = None) -> dict:
    """Measure one size in this process (the benchmark runs it in a fresh one), in the store that the
    settings name (``TANYA_CHROMA_URL``: a Chroma server; else an index under ``home``).

    ``phase``: "all" indexes ``corpus`` from scratch and times retrieval; "index" only indexes; "retrieval"
    only times retrieval on the index an "index" run left, which must hold ``size`` chunks."""
    from rag import load_settings
    from rag.embedding import load_embedder_for

    if phase not in PHASES:
        raise ValueError(f"phase {phase!r}: one of {', '.join(PHASES)}")
    settings = load_settings(home=home)
    store = None
    if phase == "retrieval":  # before loading the models: a missing index is said at once
        assert size is not None
        store, sentences = built_chunks(settings, size)
    started_load = time.perf_counter()
    real = load_embedder_for(settings)  # on this machine, or the server of TANYA_EMBED_BASE_URL
    real.embed_passages(["pemanasan"])
    result: dict = {"phase": phase, "embed_backend": settings.embed_backend, "embed_base_url": settings.embed_base_url,
                    "threads": settings.threads, "sentence_vectors": settings.index_sentence_vectors,
                    "model_load_s": time.perf_counter() - started_load, "rss_mb": {"models_loaded": _rss_mb()}}
    if phase == "retrieval":
        result.update({"chunks": size, "sentences": sentences})  # built_chunks checked the count
    else:
        assert corpus is not None
        store = _ingest(corpus, settings, real, reuse=reuse, result=result)
    if phase != "index":
        _time_retrieval(settings, real, store, data, questions=questions, answers=answers, result=result)
    result["store"] = _store_facts(settings, chroma_path)
    result["load_avg"] = os.getloadavg()[0]
    return result


def project(results: list[dict], earlier: Sequence[dict] = ()) -> None:
    """For sizes whose embeddings were reused: the embedding time of a full run, from the per-text cost measured
    on the largest size embedded in full (in this run, or in ``earlier`` results). Results without ingestion
    (``--phase retrieval``) are left as they are."""
    full = [r for r in list(earlier) + results if r.get("reused_embeddings") is False and "ingest" in r]
    if not full:
        return
    base = max(full, key=lambda r: r["chunks"])
    per_text = base["ingest"]["embed_s"] / base["ingest"]["texts_embedded"]
    for r in results:
        if r.get("reused_embeddings") and "ingest" in r:
            ingest = r["ingest"]
            ingest["projected_embed_s"] = ingest["texts"] * per_text
            ingest["projected_chunks_per_s"] = r["chunks"] / (ingest["other_s"] + ingest["projected_embed_s"])
            ingest["projected_from"] = f"{base['chunks']} chunks: {1000 * per_text:.1f} ms a text"


def _f(value: float | None, spec: str = ".0f") -> str:
    """A figure for the table; "-" for one this phase did not measure."""
    return "-" if value is None else format(value, spec)


def _store_cell(r: dict) -> str:
    store = r.get("store") or {"kind": "embedded"}
    if store["kind"] != "chroma server":
        return "embedded"
    return f"Chroma server {store.get('server_version') or '(version unknown)'}"


def markdown(results: list[dict], command: str) -> str:
    lines = [f"Measured {date.today().isoformat()}: `{command}`", "",
             "| chunks | sentences | store | phase | ingestion chunks/s | embedding s / other s (CPU s) | disk MB | "
             "vectors MB | peak RSS MB (models / +ingest / +retrieval) | server RSS MB now / peak | "
             "BM25 build / load s | retrieval p50 / p95 ms | answer p50 / p95 s | load avg |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        i, rss, store = r.get("ingest"), r["rss_mb"], r.get("store") or {}
        if i is None:
            speed = embed = "-"
        elif r.get("reused_embeddings"):
            speed = (f"{i.get('projected_chunks_per_s', float('nan')):.1f} projected\\*"
                     if "projected_chunks_per_s" in i else "n/a\\*")
            embed = f"{i['embed_s']:.0f} (reused\\*) / {i['other_s']:.0f} ({i.get('cpu_s', 0):.0f})"
        else:
            speed = f"{i['chunks_per_s']:.1f}"
            embed = f"{i['embed_s']:.0f} / {i['other_s']:.0f} ({i.get('cpu_s', 0):.0f})"
        answer = (f"{r['answers']['p50_s']:.1f} / {r['answers']['p95_s']:.1f}" if "answers" in r else "skipped")
        disk = r.get("disk_mb") if r.get("disk_mb") is not None else store.get("server_disk_mb")
        retrieval = r.get("retrieval") or {}
        lines.append(f"| {r['chunks']:,} | {r['sentences']:,} | {_store_cell(r)} | {r.get('phase', 'all')} | "
                     f"{speed} | {embed} | {_f(disk)} | {_f(r.get('vector_mb'))} | "
                     f"{_f(rss['models_loaded'])} / {_f(rss.get('after_ingestion'))} / "
                     f"{_f(rss.get('after_retrieval'))} | "
                     f"{_f(store.get('server_rss_mb'))} / {_f(store.get('server_peak_rss_mb'))} | "
                     f"{_f(r.get('keyword_index_s'), '.1f')} / {_f(r.get('keyword_load_s'), '.2f')} | "
                     f"{_f(retrieval.get('p50_ms'))} / {_f(retrieval.get('p95_ms'))} | {answer} | "
                     f"{r.get('load_avg', nan):.1f} |")
    reused = [r for r in results if r.get("reused_embeddings") and "ingest" in r]
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
    if any(r.get("reused_embeddings") and "ingest" not in r for r in results):
        lines += ["", "Retrieval timed on an index built earlier (`--phase index`) whose chunk vectors were made "
                  "from reused sentence vectors (see that run's result)."]
    return "\n".join(lines) + "\n"


def _child(args: argparse.Namespace) -> int:
    result = measure_size(args.corpus, args.home, args.data, reuse=args.reuse, questions=args.questions,
                          answers=args.answers, phase=args.phase, size=args.size, chroma_path=args.chroma_path)
    args.result.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def child_command(size: int, folder: Path, args: argparse.Namespace, reuse: bool) -> list[str]:
    """The command that measures one size in a fresh process."""
    return ([sys.executable, "-m", "eval.bench_scale", "--child", "--phase", args.phase, "--size", str(size),
             "--corpus", str(folder / "corpus"), "--home", str(folder / "home"), "--data", str(args.data),
             "--result", str(folder / f"result-{args.phase}.json"),
             "--questions", str(args.questions), "--answers", str(args.answers)]
            + (["--reuse"] if reuse else [])
            + (["--chroma-path", str(args.chroma_path)] if args.chroma_path else []))


def child_env(size: int, folder: Path, args: argparse.Namespace) -> dict[str, str]:
    """The child's environment: its own home, the usual models (not converted again under the scratch folder),
    and with ``--chroma-url`` the server and a collection of its own for the size."""
    env = {**os.environ, "TANYA_HOME": str(folder / "home"), "TANYA_MODELS_DIR": str(args.models_dir)}
    if args.chroma_url:
        env.update({"TANYA_CHROMA_URL": args.chroma_url, "TANYA_COLLECTION": server_collection(size)})
    else:
        env.pop("TANYA_CHROMA_URL", None)
    return env


def run_size(size: int, args: argparse.Namespace, passages: list[str]) -> dict:
    from eval.synthetic_corpus import build_corpus, write_corpus

    folder = args.work / f"size-{size}"
    made: dict = {}
    if args.phase == "retrieval":  # on what an earlier `--phase index` left in this folder (and on the server)
        built = folder / "result-index.json"
        if built.exists():
            earlier = json.loads(built.read_text(encoding="utf-8"))
            made = {"reused_embeddings": earlier.get("reused_embeddings"),
                    "articles_made": earlier.get("articles_made"), "built": str(built)}
        reuse = bool(made.get("reused_embeddings"))
    else:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        articles = build_corpus(passages, size, seed=args.seed)
        write_corpus(articles, folder / "corpus")
        print(f"[{size}] corpus: {len(articles)} articles, {size} chunks "
              f"({time.perf_counter() - started:.0f} s to make)", flush=True)
        reuse = args.reuse_above is not None and size > args.reuse_above
        made = {"reused_embeddings": reuse, "articles_made": len(articles)}
    subprocess.run(child_command(size, folder, args, reuse), check=True, env=child_env(size, folder, args))
    result = json.loads((folder / f"result-{args.phase}.json").read_text(encoding="utf-8"))
    result.update({"size": size, **made})
    (folder / f"result-{args.phase}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"[{size}] {json.dumps(result)}", flush=True)
    if args.phase == "all" and not args.keep:  # a later `--phase retrieval` needs the index (or its keyword cache)
        shutil.rmtree(folder / "home", ignore_errors=True)
    return result


def build_parser() -> argparse.ArgumentParser:
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
    p.add_argument("--keep", action="store_true", help="keep the indexes built (always kept by --phase index)")
    p.add_argument("--phase", choices=PHASES, default="all",
                   help="all: index each size from scratch, then time retrieval; index: only build (and keep) the "
                        "index; retrieval: only time retrieval on the index a `--phase index` run left (same --work "
                        "and --chroma-url), which must hold the size asked")
    p.add_argument("--chroma-url", default=os.environ.get("TANYA_CHROMA_URL") or None,
                   help="a Chroma server (`chroma run`) to index into, one collection per size (scale-<size>), "
                        "instead of an index on disk; default: TANYA_CHROMA_URL")
    p.add_argument("--chroma-path", type=Path, default=None,
                   help="that server's data folder (its `chroma run --path`), to report its size on disk")
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
