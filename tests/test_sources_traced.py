"""Every claim traced to its original: the article's URL kept from indexing to the citation, the file it
came from, a PDF citation's pages; and questions restricted to chosen articles, publishers or dates,
with an abstention that says when the restriction is why nothing was found. Fake models (tests/fakes.py)."""

from __future__ import annotations

import shutil

import pytest
from fakes import fake_assistant
from pdf_maker import make_pdf

from index import ChunkStore, index_articles
from index.articles import load_article
from index.chunking import PageFinder, chunk_article
from rag import FilterError
from rag.abstention import Reason
from rag.retrieval import chroma_where

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"

WEB_ARTICLE = """---
title: Kim Menerima Rompi Antipeluru dari Gubernur Primorye
url: https://berita.example/kim-rompi
publisher: Contoh Berita
date: 2023-09-17
---
Gubernur Primorye Oleg Kozhemyako memberikan rompi antipeluru kepada Kim Jong Un di Artyom.

Kim Jong Un juga menerima enam drone dari Kozhemyako sebelum pulang.
"""

PAGE_ONE = ["Laporan Kunjungan Kim", "", "Kim Jong Un tiba di stasiun Khasan pada hari Selasa pagi.",
            "Dia disambut oleh pejabat setempat di peron stasiun."]
PAGE_TWO = ["Di Artyom, gubernur memberikan rompi antipeluru kepada Kim Jong Un sebagai hadiah.",
            "Kereta lapis baja itu berangkat pada Minggu sore menuju Pyongyang."]


@pytest.fixture(scope="module")
def library(tmp_path_factory, seed_articles):
    folder = tmp_path_factory.mktemp("traced-articles")
    for f in seed_articles.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    (folder / "kim-rompi.md").write_text(WEB_ARTICLE, encoding="utf-8")
    (folder / "laporan.pdf").write_bytes(make_pdf([PAGE_ONE, PAGE_TWO], title="Laporan Kunjungan Kim"))
    return folder


@pytest.fixture(scope="module")
def bot(tmp_path_factory, library):
    return fake_assistant(tmp_path_factory.mktemp("traced-home"), library)


def test_a_pdf_chunk_knows_its_pages(library):
    article = load_article(library / "laporan.pdf")
    assert len(article.pages) == 2
    chunks = chunk_article(article, chunk_size=30, chunk_overlap=0)
    assert len(chunks) >= 2
    spans = [(c.metadata["page"], c.metadata["page_end"]) for c in chunks]
    assert spans[0][0] == 1 and spans[-1][1] == 2 and all(1 <= a <= b <= 2 for a, b in spans)
    vest = next(c for c in chunks if "rompi" in c.text)
    assert vest.metadata["page_end"] == 2
    text_only = load_article(library / "kim-rompi.md")
    assert "page" not in chunk_article(text_only)[0].metadata  # only paged documents have pages


def test_page_finder_ignores_wrapping_and_hyphens():
    finder = PageFinder(("Satu dua tiga empat-\nlima.", "Enam tujuh delapan sembilan sepuluh."))
    assert finder.span("empat-lima. Enam tujuh") == (1, 2)
    assert finder.span("delapan sembilan") == (2, 2)
    assert finder.span("tidak ada di sini") == (0, 0)


def test_the_url_reaches_the_citation(bot):
    answer = bot.ask(QUESTION, filters={"doc_id": "kim-rompi"})
    assert not answer.abstained and answer.citations
    cited = answer.citations[0]
    assert cited.doc_id == "kim-rompi" and cited.url == "https://berita.example/kim-rompi"
    assert cited.file.endswith("kim-rompi.md") and cited.pages == ()
    assert cited.publisher == "Contoh Berita" and cited.date == "2023-09-17"


def test_a_pdf_citation_carries_its_page(bot):
    answer = bot.ask("Apa yang diberikan gubernur kepada Kim di Artyom?", filters={"doc_id": "laporan"})
    assert answer.citations and answer.citations[0].doc_id == "laporan"
    assert answer.citations[0].pages and set(answer.citations[0].pages) <= {1, 2}
    assert answer.citations[0].url is None and answer.citations[0].file.endswith("laporan.pdf")


def test_an_index_built_before_pages_is_brought_up_to_date(tmp_path, library):
    """A PDF's content hash counts its pages, so an index made before chunks had pages re-indexes it."""
    from fakes import WordEmbedder

    store = ChunkStore.open(path=tmp_path / "index", embed_model="fake")
    index_articles([library / "laporan.pdf"], store, WordEmbedder(), progress=False)
    assert all(c.metadata.get("page") for c in store.all_chunks())
    article = load_article(library / "laporan.pdf")
    assert article.content_hash != load_article(library / "kim-rompi.md").content_hash


def test_a_list_of_values_restricts_to_any_of_them():
    assert chroma_where({"doc_id": ["a", "b"]}) == {"doc_id": {"$in": ["a", "b"]}}
    assert chroma_where({"publisher": ["Kompas"]}) == {"publisher": "Kompas"}
    with pytest.raises(FilterError, match="empty list"):
        chroma_where({"doc_id": []})
    with pytest.raises(FilterError, match="not a list"):
        chroma_where({"date_from": ["2023-09-01"]})


def test_a_restricted_question_cites_only_the_chosen_articles(bot):
    chosen = ["000_f6ccf7329cada5fc", "003_ed3a9f055e0eb795"]
    answer = bot.ask(QUESTION, filters={"doc_id": chosen})
    assert answer.citations and {c.doc_id for c in answer.citations} <= set(chosen)
    assert {p.doc_id for p in answer.passages} <= set(chosen)
    assert answer.filters == {"doc_id": chosen}
    by_publisher = bot.ask(QUESTION, filters={"publisher": ["Bisnis.com", "Contoh Berita"]})
    assert {p.publisher for p in by_publisher.passages} <= {"Bisnis.com", "Contoh Berita"}


def test_nothing_matching_the_restriction_says_so(bot):
    answer = bot.ask(QUESTION, filters={"publisher": ["Tidak Ada"]})
    assert answer.abstained and answer.abstention is Reason.NOTHING_CHOSEN
    assert answer.text.startswith("Tidak ada artikel di pustaka yang cocok dengan sumber yang dipilih.")
    assert "tanyakan lagi tanpa batasan itu" in answer.text  # the library does hold evidence
    english = bot.ask("Who gave Kim a bulletproof vest?", filters={"date_from": "2030-01-01"})
    assert english.abstention is Reason.NOTHING_CHOSEN
    assert english.text.startswith("No article in the library matches the chosen sources.")


def test_an_abstention_says_when_the_other_articles_may_answer(bot):
    """The chosen article's evidence falls short; without the restriction there is evidence close enough:
    the abstention says to ask again without it. When nothing anywhere is close enough, it says that."""
    chosen = {"doc_id": "002_e0a871338f087d8a"}
    everywhere, there = bot.ask(QUESTION).evidence_score, bot.ask(QUESTION, filters=chosen).evidence_score
    assert everywhere > there  # (the web article says it in the question's words)
    between = bot.with_settings(min_evidence_score=(everywhere + there) / 2)
    answer = between.ask(QUESTION, filters=chosen)
    assert answer.abstained and answer.abstention is Reason.WEAK_EVIDENCE
    assert answer.text == ("Sumber yang tersedia tidak menyebutkan jawabannya. Pertanyaan ini dibatasi pada "
                           "sumber yang dipilih; artikel lain di pustaka mungkin menjawabnya: tanyakan lagi tanpa "
                           "batasan itu.")
    assert between.ask(QUESTION).abstained is False  # and indeed, unrestricted, it answers
    above = bot.with_settings(min_evidence_score=min(1.0, everywhere + 0.01))
    nowhere = above.ask(QUESTION, filters=chosen)
    assert nowhere.abstained and nowhere.text.endswith("Artikel lain di pustaka juga tidak menjawabnya.")
