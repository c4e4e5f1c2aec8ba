"""The keyword (BM25) index at scale, outside Chroma: building it vs loading the saved one, and the cost
of the store checks that decide whether a saved one is current.

    python -m eval.bench_keyword_index [--chunks 100000] [--questions 40] [--chroma] [--work DIR]

Chunk texts: articles of 3-6 benchmark passages (as ``eval/synthetic_corpus.py`` makes them)
cut into overlapping word windows as long as the real chunker's chunks (mean words per chunk and
per step measured on 200 such articles chunked for real): the real chunker would take minutes at
100k chunks, and BM25's cost depends on the words, not on where chunks end.

Each measurement runs in a fresh process, its RSS read from /proc (the peak sampled while it runs):
``build`` tokenises and indexes the texts and saves the index; ``load`` loads it from disk
(memory-mapped, as the app does; ``--no-mmap`` too: read into RAM) and answers FacQA test
questions, checking the results equal the built index's. ``--chroma`` also writes the texts to
a scratch Chroma collection (8-dim random vectors) and times the calls a process makes to decide
whether a saved index is current (the generation: one ``get_collection``), against ``count()``
and against reading every id, content hash or text (what a content digest would cost).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from eval.bench_scale import disk_mb, facqa_questions
from eval.metrics import milliseconds, percentile
from eval.synthetic_corpus import MAX_PASSAGES, MIN_PASSAGES

DEFAULT_WORK = Path("/tmp/tanya-bench-keyword-index")


def rss_mb() -> float:
    """Resident memory now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PeakSampler:
    """The highest resident memory seen while the block runs (sampled every 20 ms): ``ru_maxrss`` keeps the
    process's peak so far, which reading the texts or importing may have set before the block."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, rss_mb())
            self._stop.wait(0.02)

    def __enter__(self) -> PeakSampler:
        self.peak_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb())


# Texts ---------------------------------------------------------------------------------------------------
def _articles(passages: list[str], rng: random.Random):
    """Endless synthetic articles: benchmark passages recombined as :mod:`eval.synthetic_corpus` does."""
    while True:
        yield "\n\n".join(rng.sample(passages, rng.randint(MIN_PASSAGES, MAX_PASSAGES)))


def calibrate(passages: list[str], seed: int, articles: int = 200) -> tuple[int, int]:
    """Mean words per chunk and per step between chunks, of articles chunked by the real chunker."""
    from index import Article, chunk_article

    rng = random.Random(seed + 1)
    chunks = words = article_words = 0
    # _articles is endless: range(articles) is what stops the loop.
    for n, text in zip(range(articles), _articles(passages, rng), strict=False):
        made = chunk_article(Article(doc_id=f"c{n}", path=Path("c.txt"), title="", content_hash=str(n), text=text))
        chunks += len(made)
        words += sum(len(c.text.split()) for c in made)
        article_words += len(text.split())
    return round(words / chunks), round(article_words / chunks)


def chunk_texts(passages: list[str], n: int, seed: int, size: int, step: int) -> tuple[list[str], list[str]]:
    """``n`` ids and texts: word windows of ``size`` words every ``step`` words over synthetic articles."""
    rng = random.Random(seed)
    ids: list[str] = []
    texts: list[str] = []
    for number, text in enumerate(_articles(passages, rng)):
        words = text.split()
        for position, start in enumerate(range(0, max(1, len(words) - (size - step)), step)):
            if len(texts) == n:
                return ids, texts
            ids.append(f"synthetic-{number:07d}#{position:04d}")
            texts.append(" ".join(words[start:start + size]))
    raise AssertionError("unreachable")


# Children --------------------------------------------------------------------------------------------------
def child_build(work: Path, questions: list[str]) -> dict:
    from index.keyword_index import BM25Index, SavedKeywordIndex

    rows = [json.loads(line) for line in (work / "texts.jsonl").read_text(encoding="utf-8").splitlines()]
    ids, texts = [r[0] for r in rows], [r[1] for r in rows]
    del rows
    import bm25s  # noqa: F401  (imports are not part of the build)
    import Stemmer  # noqa: F401

    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with PeakSampler() as peak:
        index = BM25Index.build(ids, texts, generation="done-bench")
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    after = rss_mb()
    started = time.perf_counter()
    saved = SavedKeywordIndex(work / "saved")
    shutil.rmtree(saved.folder, ignore_errors=True)
    assert saved.save(index)
    save_s = time.perf_counter() - started
    (work / "expected.json").write_text(json.dumps([index.search(q, 20) for q in questions]), encoding="utf-8")
    return {"chunks": len(ids), "build_s": build_s, "build_cpu_s": build_cpu, "save_s": save_s,
            "rss_before_mb": before, "rss_after_build_mb": after, "peak_during_build_mb": peak.peak_mb,
            "disk_mb": disk_mb(saved.folder)}


def child_load(work: Path, questions: list[str], mmap: bool) -> dict:
    import bm25s  # noqa: F401
    import Stemmer  # noqa: F401

    from index.keyword_index import BM25Index, SavedKeywordIndex

    saved = SavedKeywordIndex(work / "saved")
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with PeakSampler() as peak:
        if mmap:
            index = saved.load("done-bench")  # exactly what the app does
        else:
            index = BM25Index.read(saved.folder, json.loads((saved.folder / "keyword-index.json").read_text()),
                                   mmap=False)
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert index is not None
    after_load = rss_mb()
    times, got = [], []
    for q in questions:
        t = time.perf_counter()
        got.append(index.search(q, 20))
        times.append(time.perf_counter() - t)
    expected = [[tuple(hit) for hit in hits] for hits in json.loads((work / "expected.json").read_text())]
    return {"mmap": mmap, "load_s": load_s, "load_cpu_s": load_cpu, "rss_before_mb": before,
            "rss_after_load_mb": after_load, "rss_after_queries_mb": rss_mb(), "peak_during_load_mb": peak.peak_mb,
            "query_p50_ms": milliseconds(percentile(times, 0.5)),
            "query_p95_ms": milliseconds(percentile(times, 0.95)), "same_results": got == expected}


def _scratch_store(work: Path):
    """The scratch store holding the texts, made once (kept in ``work/chroma`` while it holds as many)."""
    import numpy as np

    from index import ChunkStore

    path = work / "chroma"
    rows = [json.loads(line) for line in (work / "texts.jsonl").read_text(encoding="utf-8").splitlines()]
    if path.exists():
        store = ChunkStore.open(path=path, embed_model="bench")
        if store.count() == len(rows):
            return store, None
        shutil.rmtree(path)
    store = ChunkStore.open(path=path, embed_model="bench")
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, len(rows), 5000):
        part = rows[start:start + 5000]
        store._collection.add(
            ids=[r[0] for r in part], documents=[r[1] for r in part],
            embeddings=rng.normal(size=(len(part), 8)).astype(np.float32),
            metadatas=[{"doc_id": r[0].split("#")[0], "content_hash": r[0].split("#")[0][-7:]} for r in part])
    return store, time.perf_counter() - started


def _timed_ms(call, times: int) -> float:
    call()
    started = time.perf_counter()
    for _ in range(times):
        call()
    return 1000 * (time.perf_counter() - started) / times


def child_chroma(work: Path, repeat: int) -> dict:
    """The store calls at the size of ``texts.jsonl``, on the scratch Chroma collection."""
    store, ingest_s = _scratch_store(work)
    col, rows = store._collection, store.count()

    def paged(include: list[str], page: int = 20_000) -> None:
        # chromadb 1.5.9 cannot read the metadata of ~100k rows in one get() ("too many SQL variables")
        for offset in range(0, rows, page):
            col.get(include=include, limit=page, offset=offset)

    generation = store.generation()
    result = {"rows": rows, "ingest_s": ingest_s,
              "count_ms": _timed_ms(store.count, repeat), "generation_ms": _timed_ms(store.generation, repeat),
              "set_generation_ms": _timed_ms(lambda: store._set_generation(generation), 20),
              "get_ids_ms": _timed_ms(lambda: col.get(include=[]), 3),
              "get_content_hashes_paged_ms": _timed_ms(lambda: paged(["metadatas"]), 3),
              "get_texts_paged_ms": _timed_ms(lambda: paged(["documents"]), 3)}
    for name, call in (("get_content_hashes_ms", lambda: col.get(include=["metadatas"])),
                       ("chunk_texts_ms", store.chunk_texts)):  # (ids, then texts by id batches)
        try:
            result[name] = _timed_ms(call, 3)
        except Exception as exc:  # noqa: BLE001  (reported, not hidden)
            result[name] = f"fails: {type(exc).__name__}: {exc}"
    return result


def child_start(work: Path, saved: bool) -> dict:
    """What a process opening the store pays for its keyword index: built from the store's texts (and saved),
    or, when ``saved``, loaded (its generation and count checked)."""
    import bm25s  # noqa: F401  (imports are not part of the start)
    import Stemmer  # noqa: F401

    from index import ChunkStore

    store = ChunkStore.open(path=work / "chroma", embed_model="bench")
    store.count()
    if store.keyword_dir is None:  # an on-disk store always keeps its keyword index in its folder
        raise RuntimeError(f"{work / 'chroma'}: no keyword index folder")
    if not saved:
        shutil.rmtree(store.keyword_dir, ignore_errors=True)
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with PeakSampler() as peak:
        index = store.keyword_index()
    return {"saved": saved, "chunks": index.size, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu, "rss_before_mb": before, "rss_after_mb": rss_mb(),
            "peak_mb": peak.peak_mb}


def _run_child(args: argparse.Namespace, what: str, *extra: str) -> dict:
    cmd = [sys.executable, "-m", "eval.bench_keyword_index", "--child", what, "--work", str(args.work),
           "--questions", str(args.questions), "--data", str(args.data), *extra]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(report: dict, questions: int) -> str:
    """The figures in a few sentences."""
    b, lo = report["build"], report["load"]
    lines = [
        f"{report['chunks']:,} chunks ({report['words_per_chunk']} words, a new one every "
        f"{report['words_per_step']}): build {b['build_s']:.1f} s ({b['build_cpu_s']:.1f} CPU s), "
        f"RSS +{b['rss_after_build_mb'] - b['rss_before_mb']:.0f} MB after, "
        f"peak +{b['peak_during_build_mb'] - b['rss_before_mb']:.0f} MB; "
        f"save {b['save_s']:.2f} s, {b['disk_mb']:.0f} MB on disk.",
        f"Load (mmap) {lo['load_s']:.3f} s, RSS +{lo['rss_after_load_mb'] - lo['rss_before_mb']:.0f} MB after "
        f"loading, +{lo['rss_after_queries_mb'] - lo['rss_before_mb']:.0f} MB after {questions} questions "
        f"(p50 {lo['query_p50_ms']:.1f} ms, p95 {lo['query_p95_ms']:.1f} ms); same results as built: "
        f"{lo['same_results']}."]
    if "load_ram" in report:
        ram = report["load_ram"]
        lines.append(f"Load into RAM {ram['load_s']:.3f} s, RSS +{ram['rss_after_load_mb'] - ram['rss_before_mb']:.0f} "
                     f"MB after loading; same results: {ram['same_results']}.")
    if "chroma" in report:
        c, sb, sl = report["chroma"], report["start_build"], report["start_load"]
        lines += [
            f"In Chroma ({c['rows']:,} chunks): count() {c['count_ms']:.2f} ms, generation() "
            f"{c['generation_ms']:.2f} ms, setting it {c['set_generation_ms']:.1f} ms; every id "
            f"{c['get_ids_ms']:.0f} ms, every content hash {c['get_content_hashes_paged_ms']:.0f} ms (paged), "
            f"every text {c['get_texts_paged_ms']:.0f} ms (paged).",
            f"A process opening the store: keyword index read from Chroma and built {sb['seconds']:.1f} s "
            f"({sb['cpu_s']:.1f} CPU s, peak RSS +{sb['peak_mb'] - sb['rss_before_mb']:.0f} MB, "
            f"+{sb['rss_after_mb'] - sb['rss_before_mb']:.0f} MB after); loaded {sl['seconds']:.2f} s "
            f"(RSS +{sl['rss_after_mb'] - sl['rss_before_mb']:.0f} MB)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from eval.benchmarks import DEFAULT_ROOT

    p = argparse.ArgumentParser(prog="python -m eval.bench_keyword_index", description=__doc__.split("\n\n")[0])
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--questions", type=int, default=40, help="FacQA test questions searched after loading")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--chroma", action="store_true", help="also time the store calls on a scratch Chroma collection")
    p.add_argument("--repeat", type=int, default=200, help="calls timed for count() and generation()")
    p.add_argument("--no-mmap", action="store_true", help="also load the arrays into RAM, for comparison")
    p.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="the benchmarks folder (facqa/, idk_mrc/)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder")
    p.add_argument("--child", choices=["build", "load", "load-ram", "chroma", "start-build", "start-load"],
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    questions = facqa_questions(args.data, args.questions)
    if args.child:
        result = {"build": lambda: child_build(args.work, questions),
                  "load": lambda: child_load(args.work, questions, mmap=True),
                  "load-ram": lambda: child_load(args.work, questions, mmap=False),
                  "chroma": lambda: child_chroma(args.work, args.repeat),
                  "start-build": lambda: child_start(args.work, saved=False),
                  "start-load": lambda: child_start(args.work, saved=True)}[args.child]()
        print(json.dumps(result))
        return 0

    from eval.synthetic_corpus import benchmark_passages

    passages = benchmark_passages(args.data)
    size, step = calibrate(passages, args.seed)
    ids, texts = chunk_texts(passages, args.chunks, args.seed, size, step)
    args.work.mkdir(parents=True, exist_ok=True)
    with (args.work / "texts.jsonl").open("w", encoding="utf-8") as f:
        for row in zip(ids, texts, strict=True):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    report = {"chunks": len(ids), "words_per_chunk": size, "words_per_step": step,
              "build": _run_child(args, "build"), "load": _run_child(args, "load")}
    if args.no_mmap:
        report["load_ram"] = _run_child(args, "load-ram")
    if args.chroma:
        report["chroma"] = _run_child(args, "chroma")
        report["start_build"] = _run_child(args, "start-build")
        report["start_load"] = _run_child(args, "start-load")
    print(json.dumps(report, indent=2))
    print("\n" + summary(report, args.questions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
