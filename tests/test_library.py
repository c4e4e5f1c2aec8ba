"""The library API behind the UI: list, read, add and remove articles; per-session settings.

Real index and embedder on two of the seed articles; the language model is never
called (the off-topic question is abstained by code before generation).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import ArticleError, ModelError, SettingsError
from rag.library import join_chunks, safe_name

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"

FLAGSHIP = "001_c3097b6ce2799c8a"  # Bisnis.com: "Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"
OTHER = "000_f6ccf7329cada5fc"

NEW_ARTICLE = """Banjir Rob Rendam Pesisir Utara Jakarta

Kompas.com, JAKARTA - Banjir rob kembali merendam permukiman warga di Muara Angke, Jakarta Utara, pada Selasa \
(3/10/2023).

Ketinggian air mencapai 40 sentimeter di beberapa ruas jalan. Petugas Dinas Sumber Daya Air menyiagakan pompa \
portabel di tiga titik.

Warga berharap tanggul laut segera diperbaiki sebelum puncak pasang bulan depan.
"""


@pytest.fixture(scope="module")
def lib_bot(tmp_path_factory, models_dir, embedder):
    from rag import Assistant, load_settings

    articles = tmp_path_factory.mktemp("lib-articles")
    for doc_id in (FLAGSHIP, OTHER):
        shutil.copy(SEEDS / f"{doc_id}.txt", articles / f"{doc_id}.txt")
    bot = Assistant(load_settings(home=tmp_path_factory.mktemp("lib-home"), models_dir=models_dir,
                                  articles_dir=articles, llm="smollm2-135m", threads=2), embedder=embedder)
    bot.prepare(model=False)  # builds the index from the two articles
    return bot


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_articles_lists_each_indexed_article(lib_bot):
    articles = {a.doc_id: a for a in lib_bot.articles()}
    assert set(articles) == {FLAGSHIP, OTHER}
    flagship = articles[FLAGSHIP]
    assert flagship.title == "Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"
    assert flagship.publisher == "Bisnis.com" and flagship.date == "2023-09-18"
    assert sum(a.chunks for a in articles.values()) == lib_bot.store.count()
    assert all(a.chunks > 0 for a in articles.values())


def test_article_text_holds_every_indexed_passage(lib_bot):
    text = _norm(lib_bot.article_text(FLAGSHIP))
    assert text.startswith("Kim Jong-un mengakhiri kunjungannya ke Rusia")
    for chunk in lib_bot.store.all_chunks({"doc_id": FLAGSHIP}):
        assert _norm(chunk.text) in text


def test_article_text_comes_from_the_index_when_the_file_changed(lib_bot, tmp_path):
    path = lib_bot.settings.articles_dir / f"{OTHER}.txt"
    original = path.read_bytes()
    try:
        path.write_text("Judul lain\n\nTeks yang sama sekali berbeda dari yang diindeks.", encoding="utf-8")
        text = _norm(lib_bot.article_text(OTHER))
        assert "sama sekali berbeda" not in text
        for chunk in lib_bot.store.all_chunks({"doc_id": OTHER}):
            assert _norm(chunk.text) in text
    finally:
        path.write_bytes(original)


def test_unknown_article_is_a_readable_error(lib_bot):
    with pytest.raises(ArticleError, match="not in the library"):
        lib_bot.article_text("no_such_article")
    with pytest.raises(ArticleError, match="not in the library"):
        lib_bot.remove_article("no_such_article")


def test_join_chunks_keeps_each_overlap_once():
    assert join_chunks(["Satu dua tiga empat lima enam tujuh delapan.", "lima enam tujuh delapan. Sembilan sepuluh."]) \
        == "Satu dua tiga empat lima enam tujuh delapan. Sembilan sepuluh."
    assert join_chunks(["Awal.", "Tanpa tumpang tindih."]) == "Awal.\n\nTanpa tumpang tindih."


def test_safe_name_strips_folders_and_odd_characters():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\x\\Berita hari ini!.TXT") == "Berita_hari_ini.txt"
    assert safe_name(".hidden.txt") == "hidden.txt"


def test_add_then_remove_an_article(lib_bot, tmp_path):
    upload = tmp_path / "banjir-rob.txt"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    before = lib_bot.store.count()
    steps = []
    [outcome] = lib_bot.add_files([upload], progress=lambda done, total, name: steps.append((done, total, name)))
    assert outcome.ok and outcome.status == "added" and outcome.doc_id == "banjir-rob"
    assert steps[0] == (0, 1, "banjir-rob.txt") and steps[-1] == (1, 1, "")
    assert (lib_bot.settings.articles_dir / "banjir-rob.txt").read_text(encoding="utf-8") == NEW_ARTICLE
    assert lib_bot.store.count() > before
    info = next(a for a in lib_bot.articles() if a.doc_id == "banjir-rob")
    assert info.title == "Banjir Rob Rendam Pesisir Utara Jakarta" and info.publisher == "Kompas.com"
    # The retriever sees it at once (its keyword index was refreshed).
    found = lib_bot.retrieve("banjir rob Muara Angke pompa", k=1)
    assert found[0].doc_id == "banjir-rob"

    # The same file again changes nothing.
    [again] = lib_bot.add_files([upload])
    assert again.status == "unchanged" and "already" in again.message

    removed = lib_bot.remove_article("banjir-rob")
    assert removed.title == info.title and removed.chunks == info.chunks
    assert removed.moved_to == lib_bot.settings.home / "removed" / "banjir-rob.txt" and removed.moved_to.is_file()
    assert not (lib_bot.settings.articles_dir / "banjir-rob.txt").exists()
    assert "banjir-rob" not in {a.doc_id for a in lib_bot.articles()}
    assert lib_bot.store.count() == before
    assert all(p.doc_id != "banjir-rob" for p in lib_bot.retrieve("banjir rob Muara Angke pompa", k=3))


def test_a_different_file_with_a_taken_name_is_saved_under_another(lib_bot, tmp_path):
    upload = tmp_path / f"{OTHER}.txt"  # the name of an indexed article, other content
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    original = (lib_bot.settings.articles_dir / f"{OTHER}.txt").read_bytes()
    [outcome] = lib_bot.add_files([upload])
    try:
        assert outcome.status == "added" and outcome.doc_id == f"{OTHER}-2"
        assert f"saved as {OTHER}-2.txt" in outcome.message
        assert (lib_bot.settings.articles_dir / f"{OTHER}.txt").read_bytes() == original
        assert lib_bot.article_text(OTHER) != lib_bot.article_text(f"{OTHER}-2")
    finally:
        lib_bot.remove_article(f"{OTHER}-2")


@pytest.mark.parametrize("name,content,reason", [
    ("kosong.txt", b"", "is empty"),
    ("gambar.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "binary"),
    ("laporan.odt", b"PK\x03\x04 not an article", "cannot be indexed; supported: .docx, .htm, .html"),
    ("laporan.docx", b"PK\x03\x04 not an article", "not a readable Word (.docx) document"),
    ("laporan.pdf", b"%PDF-1.4 not an article", "not a readable PDF"),
    ("besar.txt", b"a" * 5_000_001, "the limit is 5 MB"),
    ("iklan.txt", b"Baca Juga: berita lain\nTag: politik\n", "no article text"),
])
def test_bad_uploads_are_refused_and_change_nothing(lib_bot, tmp_path, name, content, reason):
    upload = tmp_path / name
    upload.write_bytes(content)
    before_count, before_files = lib_bot.store.count(), sorted(lib_bot.settings.articles_dir.iterdir())
    [outcome] = lib_bot.add_files([upload], names=[name])
    assert outcome.status == "refused" and not outcome.ok
    assert reason in outcome.message and name in outcome.message and str(tmp_path) not in outcome.message
    assert lib_bot.store.count() == before_count
    assert sorted(lib_bot.settings.articles_dir.iterdir()) == before_files


def test_with_settings_shares_the_index_and_changes_top_k(lib_bot):
    variant = lib_bot.with_settings(top_k=2)
    assert variant is not lib_bot and variant.settings.top_k == 2 and lib_bot.settings.top_k == 4
    assert variant.retriever is lib_bot.retriever and variant.store is lib_bot.store
    assert variant.embedder is lib_bot.embedder and variant.llm is lib_bot.llm
    assert lib_bot.with_settings(top_k=2) is variant
    assert lib_bot.with_settings(top_k=4) is lib_bot
    off_topic = "Berapa skor pertandingan Persija melawan Persib di Jakarta?"
    assert len(variant.ask(off_topic).passages) == 2
    assert len(lib_bot.ask(off_topic).passages) == 4


def test_with_settings_applies_retrieval_and_grounding_overrides_with_parts_of_their_own(lib_bot):
    weighted = lib_bot.with_settings(bm25_weight_id=2.0, candidates=7)
    assert weighted.retriever is not lib_bot.retriever and weighted.retriever.store is lib_bot.store
    assert weighted.retriever.candidates == 7 and weighted.retriever.weights["id"].bm25 == 2.0
    assert lib_bot.retriever.candidates == 20 and lib_bot.retriever.weights["id"].bm25 == 0.5
    assert weighted.judge is lib_bot.judge  # its settings are unchanged: shared
    strict = lib_bot.with_settings(support_threshold=0.99)
    assert strict.judge is not lib_bot.judge and strict.judge.threshold == 0.99 and lib_bot.judge.threshold == 0.86
    assert strict.retriever is lib_bot.retriever and strict.model_queue is lib_bot.model_queue


@pytest.mark.parametrize("override", [{"collection": "other"}, {"embed_model": "x/y"}, {"chunk_size": 64}])
def test_with_settings_refuses_what_every_session_shares(lib_bot, override):
    with pytest.raises(SettingsError, match=f"{next(iter(override))} cannot change for one session"):
        lib_bot.with_settings(**override)


def test_with_settings_reports_a_missing_model(lib_bot, tmp_path):
    with pytest.raises(ModelError, match="not found"):
        lib_bot.with_settings(llm=str(tmp_path / "missing.gguf"))
    assert lib_bot.settings.llm == "smollm2-135m"


def test_with_settings_loads_another_model_once_and_shares_the_index(lib_bot):
    from rag.model_files import smollm2_path

    other = str(smollm2_path())  # the same file under another name: a second model instance
    fast = lib_bot.with_settings(llm=other)
    assert fast.settings.llm == other and fast.llm is not lib_bot.llm
    assert fast.retriever is lib_bot.retriever and fast.store is lib_bot.store
    fast_top2 = lib_bot.with_settings(llm=other, top_k=2)
    assert fast_top2.llm is fast.llm and fast_top2.settings.top_k == 2
