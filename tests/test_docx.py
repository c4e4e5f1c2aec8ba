""".docx articles (index/readers.py, read_docx): Word files the tests build with python-docx; no model is loaded."""

from __future__ import annotations

import pytest
from docx import Document
from fakes import fake_assistant

from index.articles import load_article
from index.errors import ArticleError

HEADLINE = "Kim Jong-un Pulang dari Rusia"
LEAD = ("Bisnis.com, JAKARTA - Pemimpin Korea Utara (Korut) Kim Jong-un mengakhiri kunjungannya ke Rusia dengan "
        "ucapan terima kasih yang tulus kepada Presiden Vladimir Putin, Senin (18/9/2023).")
SECOND = ("Sebelum berangkat dari Vladivostok, Kim dihadiahi lima drone peledak, sebuah drone pengintai, dan rompi "
          "antipeluru sebagai hadiah dari gubernur wilayah Primorye.")
THIRD = "Kereta lapis baja itu tiba di Pyongyang dua hari kemudian, menurut kantor berita KCNA."


def _docx(path, *, heading=HEADLINE, style="Title", paragraphs=(LEAD, SECOND, THIRD), table=None, title=None):
    document = Document()
    if heading:
        document.add_paragraph(heading, style=style)
    for i, text in enumerate(paragraphs):
        document.add_paragraph(text)
        if i == 1 and table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    if title is not None:
        document.core_properties.title = title
    document.save(path)
    return path


def test_a_word_article_reads_as_the_same_article_in_plain_text(tmp_path):
    docx = load_article(_docx(tmp_path / "kim.docx"))
    (tmp_path / "kim.txt").write_text("\n\n".join([HEADLINE, LEAD, SECOND, THIRD]), encoding="utf-8")
    txt = load_article(tmp_path / "kim.txt")
    assert (docx.title, docx.text, docx.publisher, docx.date) == (txt.title, txt.text, txt.publisher, txt.date)
    assert docx.title == HEADLINE and docx.publisher == "Bisnis.com" and docx.date == "2023-09-18"
    assert docx.text.index("Vladivostok") < docx.text.index("Pyongyang")  # the document's order


def test_a_heading_1_is_the_title_too(tmp_path):
    assert load_article(_docx(tmp_path / "h.docx", style="Heading 1")).title == HEADLINE


def test_tables_are_read_in_their_place_row_by_row(tmp_path):
    table = [["Hadiah", "Jumlah"], ["drone peledak", "5"], ["rompi antipeluru", "1"]]
    article = load_article(_docx(tmp_path / "t.docx", table=table))
    assert "drone peledak | 5" in article.text and "rompi antipeluru | 1" in article.text
    assert article.text.index("Vladivostok") < article.text.index("drone peledak | 5") < article.text.index("KCNA")


@pytest.mark.parametrize(("title", "expected"), [("Kim Kembali ke Pyongyang", "Kim Kembali ke Pyongyang"),
                                                 ("Microsoft Word - draft3.docx", HEADLINE)])
def test_the_documents_title_property_is_used_when_it_is_a_real_one(tmp_path, title, expected):
    assert load_article(_docx(tmp_path / "p.docx", title=title)).title == expected


def test_a_broken_or_empty_word_file_is_refused_with_the_reason(tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 this is not really a docx")
    with pytest.raises(ArticleError, match="not a readable Word"):
        load_article(broken)
    with pytest.raises(ArticleError, match="holds no text"):
        load_article(_docx(tmp_path / "empty.docx", heading=None, paragraphs=()))


def test_a_word_file_can_be_uploaded_indexed_and_cited(tmp_path):
    """The upload box's way (Assistant.add_files, as the page calls it): checked, copied, indexed, answered from."""
    from rag.library import SUPPORTED_SUFFIXES
    from ui.library_tab import upload_label

    bot = fake_assistant(tmp_path)
    [outcome] = bot.add_files([_docx(tmp_path / "upload.docx", heading="Kereta Kim Tiba di Pyongyang")],
                              names=["kereta.docx"])
    assert outcome.ok and outcome.status == "added", outcome.message
    assert (bot.settings.articles_dir / "kereta.docx").is_file()
    assert "Kereta Kim Tiba di Pyongyang" in [a.title for a in bot.articles()]
    answer = bot.ask("Kapan kereta lapis baja tiba di Pyongyang menurut kantor berita KCNA?")
    assert any(c.title == "Kereta Kim Tiba di Pyongyang" for c in answer.citations)
    assert ".docx" in SUPPORTED_SUFFIXES and ".docx" in upload_label("en")
    broken = tmp_path / "upload-1234.docx"
    broken.write_bytes(b"PK\x03\x04 not an article")
    [refused] = bot.add_files([broken], names=["laporan.docx"])
    assert refused.status == "refused" and "laporan.docx is not a readable Word (.docx) document" in refused.message
