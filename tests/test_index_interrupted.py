"""`tanya index` killed mid-way (SIGKILL) leaves a usable index; the next run completes it exactly."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import ChunkStore, chunk_article, load_article

REPO = Path(__file__).resolve().parent.parent
#: ~7 texts an article: ~1,800 texts, so indexing writes 4 batches of EMBED_BATCH (512) texts, and each kill
#: below lands while a batch is being embedded, after at least one was written.
N_ARTICLES = 250
PROGRESS = re.compile(rb"\|\s*(\d+)/(\d+)\s*\[")
SUMMARY = re.compile(r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) removed, (\d+) skipped")


def article_text(n: int) -> str:
    sentences = " ".join(f"Kalimat ke-{i} tentang proyek nomor {n} di kota {n} berjalan lancar."
                         for i in range(n % 7 + 1))
    return (f"Berita Proyek Kota {n}\n\nKOMPAS.com, JAKARTA - Pemerintah kota nomor {n} membangun {n} jembatan pada "
            f"Senin (18/9/2023). {sentences}\n\nWarga kota {n} menyambut baik rencana itu, kata tokoh masyarakat.")


def cli(args, env, **kw):
    return subprocess.Popen([sys.executable, "-m", "tanya", *args], env=env, cwd=REPO, **kw)


def index_until_killed(folder: Path, env: dict, at: int) -> int:
    """Run `tanya index folder`, SIGKILL it once its progress bar shows ``at`` files done; the count seen."""
    proc = cli(["index", str(folder)], env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, buffer, deadline = 0, b"", time.time() + 240
    try:
        while time.time() < deadline:
            data = os.read(proc.stderr.fileno(), 4096)
            if not data:
                break
            buffer = (buffer + data)[-4096:]
            counts = [int(m.group(1)) for m in PROGRESS.finditer(buffer)]
            seen = max([seen, *counts])
            if seen >= at:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"indexing ended by itself (status {proc.returncode}) before {at}"
    return seen


def check_usable(index_dir: Path, env: dict) -> int:
    """In a fresh process: the index opens, counts, reads and answers a nearest-neighbour query."""
    code = ("import sys, numpy as np\nfrom index import ChunkStore\n"
            f"s = ChunkStore.open(path=__import__('pathlib').Path({str(index_dir)!r}), "
            "embed_model='multilingual-e5-small')\n"
            "n = s.count(); chunks = s.all_chunks(); hits = s.query(np.ones(384, dtype=np.float32) / 384 ** 0.5, 3)\n"
            "assert n == len(chunks) > 0 and len(hits) == min(3, n)\nprint(n)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


@pytest.mark.slow  # three `tanya index` processes, each loading the embedding model (~20 s)
def test_killed_indexing_is_completed_without_duplicates_or_losses(tmp_path, models_dir):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(N_ARTICLES):
        (folder / f"kota_{n:03d}.txt").write_text(article_text(n), encoding="utf-8")
    env = {**os.environ, "TANYA_HOME": str(tmp_path / "home"), "TANYA_MODELS_DIR": str(models_dir),
           "TANYA_THREADS": "1"}
    index_dir = tmp_path / "home" / "index"

    first = index_until_killed(folder, env, at=1)  # once the first batch is written
    after_first = check_usable(index_dir, env)
    # Those already there pass quickly (the file that filled the first batch is written but was not yet
    # shown as done), then one batch more: ~70 files.
    second = index_until_killed(folder, env, at=first + 10)
    after_second = check_usable(index_dir, env)
    assert 0 < first < second < N_ARTICLES and 0 < after_first < after_second

    done = subprocess.run([sys.executable, "-m", "tanya", "index", str(folder)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    added, updated, unchanged, removed, skipped = (int(x) for x in SUMMARY.search(done.stdout).groups())
    assert added + updated + unchanged == N_ARTICLES and removed == skipped == 0
    assert unchanged >= second  # what the killed runs showed as done was kept, not redone

    store = ChunkStore.open(path=index_dir, embed_model="multilingual-e5-small")
    stored = store.all_chunks()
    expected = {}
    for path in sorted(folder.glob("*.txt")):
        for chunk in chunk_article(load_article(path)):
            expected[chunk.id] = chunk.text
    assert len(stored) == len(expected) == store.count()  # no chunk twice, none missing
    assert {c.id: c.text for c in stored} == expected
    assert {c.doc_id for c in stored} == {f"kota_{n:03d}" for n in range(N_ARTICLES)}
