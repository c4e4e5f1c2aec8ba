"""Indexing while questions are being answered: neither breaks the other.

Two threads keep asking (streamed events, as the page does: questions the model
answers, and one abstained before the model, which keeps retrieval busy) while another
adds articles through ``Assistant.add_files``, re-indexes the folder and removes one.
Both must finish without an exception, every answer must be well formed, and the
index afterwards must hold exactly the expected articles, each chunk once, with
its sentences. Tiny model: structure only, never its wording.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter

import pytest

from rag import Answer, Final, Token
from rag.citations import cited_numbers

QUESTIONS = [
    "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
    "Berapa ketinggian banjir rob di Muara Angke?",
    "When did Kim Jong Un arrive in Russia?",
    "Berapa harga beras medium di Pasar Induk Cipinang?",
]
#: Abstained before the model is called: asked in a loop, it keeps retrieval busy while articles change.
OFF_TOPIC = "Berapa skor pertandingan Persija melawan Persib di Jakarta?"

NEW_ARTICLES = {
    "banjir-rob.txt": """Banjir Rob Rendam Pesisir Utara Jakarta

Kompas.com, JAKARTA - Banjir rob kembali merendam permukiman warga di Muara Angke, Jakarta Utara, pada Selasa \
(3/10/2023).

Ketinggian air mencapai 40 sentimeter di beberapa ruas jalan. Petugas Dinas Sumber Daya Air menyiagakan pompa \
portabel di tiga titik.

Warga berharap tanggul laut segera diperbaiki sebelum puncak pasang bulan depan.
""",
    "harga-beras.txt": """Harga Beras Medium Naik di Pasar Induk Cipinang

Bisnis.com, JAKARTA - Harga beras medium di Pasar Induk Beras Cipinang naik menjadi Rp12.500 per kilogram pada Senin \
(2/10/2023).

Pedagang menyebut pasokan dari Jawa Tengah berkurang karena musim kemarau panjang. Badan Pangan Nasional menyiapkan \
operasi pasar di 20 titik.

Pemerintah menargetkan harga kembali stabil dalam dua pekan.
""",
    "kereta-cepat.txt": """Penumpang Kereta Cepat Whoosh Tembus 10.000 Orang Sehari

Detik.com, BANDUNG - Jumlah penumpang kereta cepat Jakarta-Bandung mencapai 10.000 orang dalam sehari pada akhir \
pekan pertama operasi komersial.

PT Kereta Cepat Indonesia China menambah jadwal perjalanan menjadi 28 kali sehari. Tiket kelas premium ekonomi dijual \
Rp150.000.

Stasiun Padalarang menjadi titik pindah ke kereta pengumpan menuju pusat Kota Bandung.
""",
}
REMOVED = "kereta-cepat"
UPDATED = "harga-beras.txt"
UPDATE = ("\nPedagang di Pasar Induk Cipinang juga melaporkan kenaikan harga beras premium menjadi Rp14.000 "
          "per kilogram.\n")

#: An asking thread stops after this many answers even if indexing has not finished (bounded loop).
MAX_ANSWERS = 200


@pytest.fixture()
def busy_bot(tmp_path, models_dir, seed_articles, embedder):
    """An Assistant of its own (it adds and removes articles) on the seeds, tiny model, index built."""
    from rag import Assistant, load_settings

    articles = tmp_path / "articles"
    articles.mkdir()
    for f in seed_articles.glob("*.txt"):
        shutil.copy(f, articles / f.name)
    bot = Assistant(load_settings(home=tmp_path / "home", models_dir=models_dir, articles_dir=articles,
                                  llm="smollm2-135m", threads=2, max_answer_tokens=24), embedder=embedder)
    bot.prepare()  # index the seeds, load the models
    return bot


def _well_formed(answer: Answer, known_docs: set[str]) -> list[str]:
    """What is wrong with an answer (empty when nothing is)."""
    problems = []
    if not answer.text.strip():
        problems.append("empty text")
    numbers = [c.number for c in answer.citations]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"citations numbered {numbers}")
    if set(cited_numbers(answer.text)) != set(numbers):
        problems.append(f"[n] in the text {cited_numbers(answer.text)} do not match citations {numbers}")
    for c in answer.citations:
        if c.doc_id not in known_docs or not c.text:
            problems.append(f"citation [{c.number}] of unknown article {c.doc_id!r} or without text")
    return problems


def _asker(bot, questions: list[str], stop: threading.Event, started: threading.Event, answers: list,
           errors: list) -> None:
    """Ask ``questions`` in turn, streamed as the page does, until ``stop`` (and each at least once)."""
    for i in range(MAX_ANSWERS):
        if stop.is_set() and i >= len(questions):
            return
        question = questions[i % len(questions)]
        asked = time.monotonic()
        try:
            final, tokens = None, 0
            for event in bot.events(question):
                started.set()
                if isinstance(event, Token):
                    tokens += 1
                elif isinstance(event, Final):
                    final = event.answer
            answers.append((question, final, tokens, asked, time.monotonic()))
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(("ask", question, exc))
            started.set()


def _indexer(bot, folder, started: threading.Event, log: list, errors: list) -> None:
    started.wait(timeout=120)
    log.append(("began", time.monotonic()))
    try:
        for name, text in NEW_ARTICLES.items():  # one upload at a time, as the library tab does
            upload = folder / name
            upload.write_text(text, encoding="utf-8")
            log.append(("add", bot.add_files([upload])))
        changed = bot.settings.articles_dir / UPDATED  # edited in place: replaced, never duplicated
        changed.write_text(changed.read_text(encoding="utf-8") + UPDATE, encoding="utf-8")
        log.append(("update", bot.index([changed], progress=False)))
        log.append(("index", bot.index(progress=False)))  # the whole folder again: all unchanged
        log.append(("remove", bot.remove_article(REMOVED)))
        log.append(("index", bot.index(progress=False)))  # does not bring the removed one back
    except Exception as exc:  # noqa: BLE001
        errors.append(("index", None, exc))
    log.append(("ended", time.monotonic()))


def _chunk_layout(bot) -> dict[str, list[tuple[int, str]]]:
    """doc_id -> (position, chunk id) of every stored chunk."""
    layout: dict[str, list[tuple[int, str]]] = {}
    for chunk in bot.store.all_chunks():
        layout.setdefault(chunk.doc_id, []).append((int(chunk.metadata.get("position", -1)), chunk.id))
    return layout


def test_answers_keep_coming_while_articles_are_added_and_removed(busy_bot, tmp_path):
    from index import load_article
    from index.chunking import chunk_article

    seeds = {a.doc_id for a in busy_bot.articles()}
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    stop, started = threading.Event(), threading.Event()
    answers, log, errors = [], [], []
    askers = [threading.Thread(target=_asker, args=(busy_bot, questions, stop, started, answers, errors))
              for questions in (QUESTIONS, [OFF_TOPIC])]
    indexer = threading.Thread(target=_indexer, args=(busy_bot, uploads, started, log, errors))
    for thread in (*askers, indexer):
        thread.start()
    indexer.join(timeout=600)
    stop.set()
    for asker in askers:
        asker.join(timeout=600)
    assert not any(t.is_alive() for t in (*askers, indexer)), "a thread is stuck"
    assert not errors, errors
    assert {q for q, *_ in answers} == set(QUESTIONS) | {OFF_TOPIC}

    # Every answer is well formed and cites only articles that were in the library at some point.
    known = seeds | {n.removesuffix(".txt") for n in NEW_ARTICLES}
    for question, answer, tokens, _, _ in answers:
        assert isinstance(answer, Answer) and tokens >= 1, question
        assert _well_formed(answer, known) == [], (question, answer.text)
    times = dict(log[:1] + log[-1:])
    during = [q for q, _, _, asked, done in answers if times["began"] < asked and done < times["ended"]]
    assert during, "no question was asked and answered while the articles were being indexed: nothing was tested"

    # The library tab's operations reported what they did.
    log = log[1:-1]
    added = [o for kind, result in log if kind == "add" for o in result]
    assert [o.status for o in added] == ["added"] * len(NEW_ARTICLES), [o.message for o in added]
    reindex = [result for kind, result in log if kind == "index"]
    assert not reindex[0].added and not reindex[0].removed and not reindex[0].updated and not reindex[1].added
    assert [kind for kind, _ in log] == ["add"] * len(NEW_ARTICLES) + ["update", "index", "remove", "index"]
    assert log[len(NEW_ARTICLES)][1].updated == [UPDATED.removesuffix(".txt")]

    # The index holds exactly the expected articles, each chunk once, each with its sentences.
    expected = seeds | {n.removesuffix(".txt") for n in NEW_ARTICLES} - {REMOVED}
    assert {a.doc_id for a in busy_bot.articles()} == expected
    layout = _chunk_layout(busy_bot)
    assert set(layout) == expected
    folder = busy_bot.settings.articles_dir
    settings = busy_bot.settings
    for doc_id, chunks in layout.items():
        positions = [p for p, _ in chunks]
        assert len(set(positions)) == len(positions), f"{doc_id}: duplicate chunks at {Counter(positions)}"
        article = load_article(folder / f"{doc_id}.txt")
        made = chunk_article(article, settings.chunk_size, settings.chunk_overlap)
        assert sorted(cid for _, cid in chunks) == sorted(c.id for c in made), doc_id
        stored = busy_bot.store.sentences([cid for _, cid in chunks])
        for chunk in made:
            assert [s.text for s, _ in stored.get(chunk.id, [])] == list(chunk.sentences), chunk.id
    assert busy_bot.store.sentence_chunk_ids() == {cid for chunks in layout.values() for _, cid in chunks}
    # Retrieval sees the final state: the removed article is gone, an added one is found.
    assert busy_bot.retrieve("banjir rob Muara Angke", k=1)[0].doc_id == "banjir-rob"
    assert all(p.doc_id != REMOVED for p in busy_bot.retrieve("kereta cepat Whoosh penumpang", k=5))
    keyword = busy_bot.retriever.retrieve("harga beras premium Rp14.000", 1, "id", mode="bm25")
    assert "Rp14.000" in keyword[0].text  # the keyword index has the edited article's new text


# The two races the test above can hit, made deterministic ------------------------------------------------
@pytest.fixture()
def small_store(tmp_path, embedder):
    """A store of its own with the three new articles (a few chunks each)."""
    from index import ChunkStore, index_articles

    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in NEW_ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = ChunkStore.open(path=tmp_path / "index", embed_model="multilingual-e5-small")
    index_articles([folder], store, embedder, chunk_size=48, chunk_overlap=8, progress=False)
    return store


class _RemovedMeanwhile:
    """A store whose best-ranked chunk is deleted between ranking and reading the embeddings."""

    def __init__(self, store) -> None:
        self._store = store
        self.dropped: list[str] = []

    def __getattr__(self, name):
        return getattr(self._store, name)

    def embeddings(self, ids):
        self.dropped.append(ids[0])
        return {i: v for i, v in self._store.embeddings(ids).items() if i != ids[0]}


def test_a_chunk_removed_after_ranking_is_skipped_and_the_others_still_returned(small_store, embedder):
    from rag.retrieval import HybridRetriever

    racing = _RemovedMeanwhile(small_store)
    passages = HybridRetriever(racing, embedder).retrieve("Berapa ketinggian banjir rob di Muara Angke?", 3, "id")
    assert racing.dropped and len(passages) == 3
    assert racing.dropped[0] not in {p.id for p in passages}


def test_the_keyword_index_sees_a_change_that_keeps_the_chunk_count(small_store, embedder):
    from index import Chunk
    from rag.retrieval import HybridRetriever

    retriever = HybridRetriever(small_store, embedder)
    word = "zamrudkhatulistiwa"
    assert retriever.retrieve(word, 3, "id", mode="bm25") == []
    old = small_store.all_chunks({"doc_id": "harga-beras"})
    vectors = small_store.embeddings([c.id for c in old])
    changed = [Chunk(id=c.id, doc_id=c.doc_id, position=int(c.metadata["position"]),
                     text=c.text + (f" Julukan pasar itu {word}." if n == 0 else ""), metadata=c.metadata,
                     sentences=(c.text,)) for n, c in enumerate(old)]
    rows = [vectors[c.id] for c in old]
    count = small_store.count()
    small_store.replace_document("harga-beras", changed, rows, rows)  # same number of chunks, new text
    assert small_store.count() == count
    assert [p.id for p in retriever.retrieve(word, 3, "id", mode="bm25")] == [old[0].id]
