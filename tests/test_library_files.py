"""The library with files of many articles, duplicates and odd names, through the public API.

Fake models (tests/fakes.py): word vectors and a chat model that must not be called: only what is indexed,
removed and reported matters here, and no model is loaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fakes import NoChatModel, fake_assistant

from rag import ArticleError
from rag.library import safe_name

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"
ONE = "000_f6ccf7329cada5fc"
TWO = "001_c3097b6ce2799c8a"


def _line(title: str, text: str, url: str | None = None) -> str:
    return json.dumps({"title": title, "text": text, **({"url": url} if url else {})}, ensure_ascii=False)


ARTICLES = [
    ("Banjir Rob Rendam Muara Angke", "Banjir rob merendam permukiman warga di Muara Angke, Jakarta Utara. "
     "Ketinggian air mencapai 40 sentimeter di beberapa ruas jalan."),
    ("Harga Beras Naik di Pasar Induk", "Harga beras medium di Pasar Induk Cipinang naik menjadi Rp 13.500 per "
     "kilogram. Pedagang menyebut pasokan dari Jawa Tengah berkurang."),
    ("Kereta Cepat Angkut Sejuta Penumpang", "Kereta cepat Jakarta-Bandung telah mengangkut sejuta penumpang "
     "sejak beroperasi. Operator menambah jadwal perjalanan pada akhir pekan."),
]


@pytest.fixture()
def folder(tmp_path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEEDS / f"{ONE}.txt", articles / f"{ONE}.txt")
    return articles


def _ids(bot) -> set[str]:
    return {a.doc_id for a in bot.articles()}


def test_removing_one_article_of_a_jsonl_file_keeps_the_others(folder, tmp_path):
    feed = folder / "feed.jsonl"
    feed.write_text("\n".join(_line(t, x) for t, x in ARTICLES) + "\n", encoding="utf-8")
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    assert _ids(bot) == {ONE, "feed-1", "feed-2", "feed-3"}

    removed = bot.remove_article("feed-2")
    assert removed.moved_to is None and removed.kept_in == feed and feed.is_file()
    assert _ids(bot) == {ONE, "feed-1", "feed-3"}

    report = bot.index(progress=False)  # `tanya index`: the folder again
    assert _ids(bot) == {ONE, "feed-1", "feed-3"}
    assert report.removed == [] and report.added == []
    assert any("line 2" in where and "removed from the library" in why for where, why in report.skipped)
    assert all(p.doc_id != "feed-2" for p in bot.retrieve("harga beras Pasar Induk Cipinang", k=5))


def test_a_removed_article_does_not_come_back_under_a_duplicates_name(folder, tmp_path):
    shutil.copy(folder / f"{ONE}.txt", folder / "salinan.txt")  # the same article under another name
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    assert _ids(bot) == {ONE}  # the copy is a duplicate, indexed once

    bot.remove_article(ONE)
    assert _ids(bot) == set()
    report = bot.index(progress=False)
    assert _ids(bot) == set(), "the duplicate brought the removed article back"
    assert any("salinan.txt" in where and "removed from the library" in why for where, why in report.skipped)


def test_adding_a_removed_article_again_brings_it_back(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    removed = bot.remove_article(ONE)
    assert removed.moved_to is not None and removed.moved_to.is_file()
    [outcome] = bot.add_files([removed.moved_to])  # the user adds it back on purpose
    assert outcome.status == "added" and outcome.doc_id == ONE
    assert _ids(bot) == {ONE}
    bot.index(progress=False)  # and it stays
    assert _ids(bot) == {ONE}


def test_a_jsonl_upload_indexes_every_article_and_reports_bad_lines(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    upload = tmp_path / "kiriman.jsonl"
    lines = [_line(t, x, url=f"https://berita.example/{n}") for n, (t, x) in enumerate(ARTICLES)]
    upload.write_text("\n".join(lines[:2] + ["{not json", json.dumps({"title": "tanpa teks"})] + lines[2:]) + "\n",
                      encoding="utf-8")
    [outcome] = bot.add_files([upload], names=["kiriman.jsonl"])
    assert outcome.ok and outcome.status == "added", outcome.message
    assert len(outcome.doc_ids) == 3 and outcome.doc_id == outcome.doc_ids[0]
    assert "3 articles: 3 added" in outcome.message
    assert "2 skipped" in outcome.message and "line 3" in outcome.message and "line 4" in outcome.message
    assert str(tmp_path) not in outcome.message
    assert (folder / "kiriman.jsonl").is_file()
    titles = {a.title for a in bot.articles()}
    assert {t for t, _ in ARTICLES} <= titles

    [again] = bot.add_files([upload], names=["kiriman.jsonl"])
    assert again.ok and again.status == "unchanged" and "3 already indexed" in again.message


def test_a_jsonl_upload_with_no_usable_article_is_refused_and_not_kept(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    upload = tmp_path / "rusak.jsonl"
    upload.write_text("{not json\n[1, 2]\n", encoding="utf-8")
    before = sorted(folder.iterdir())
    [outcome] = bot.add_files([upload], names=["rusak.jsonl"])
    assert outcome.status == "refused" and "rusak.jsonl holds no article that can be indexed" in outcome.message
    assert "line 1" in outcome.message and str(tmp_path) not in outcome.message
    assert sorted(folder.iterdir()) == before


@pytest.mark.parametrize(("name", "saved"), [(".txt", "article.txt"), (".MD", "article.md"),
                                             (".hidden.txt", "hidden.txt"), ("..txt", "article.txt")])
def test_safe_name_of_a_name_that_is_only_an_extension(name, saved):
    assert safe_name(name) == saved


def test_a_file_named_only_by_its_extension_is_added_with_a_name(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    upload = tmp_path / "upload" / ".txt"  # as the page hands it over: the user's own name
    upload.parent.mkdir()
    shutil.copy(SEEDS / f"{TWO}.txt", upload)
    [outcome] = bot.add_files([upload])
    assert outcome.ok and outcome.status == "added", outcome.message
    assert outcome.doc_id == "article" and "saved as article.txt" in outcome.message
    assert (folder / "article.txt").is_file()


def test_a_file_with_an_unsupported_hidden_name_says_why(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    upload = tmp_path / ".bashrc"
    upload.write_text("export PATH=/bin\n", encoding="utf-8")
    [outcome] = bot.add_files([upload])
    assert outcome.status == "refused" and "cannot be indexed; supported: .docx, .htm" in outcome.message


def test_removing_an_unknown_article_is_a_readable_error(folder, tmp_path):
    bot = fake_assistant(tmp_path / "home", folder, chat_model=NoChatModel())
    with pytest.raises(ArticleError, match="not in the library"):
        bot.remove_article("tidak-ada")
