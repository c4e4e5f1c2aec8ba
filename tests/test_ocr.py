"""Scanned PDFs read by OCR (index/ocr.py, from index/readers.py's read_pdf): PDFs of page images the tests draw
(tests/pdf_maker.py, make_scanned_pdf). The OCR tests are skipped, saying why, where Tesseract or its Indonesian
data is missing (scripts/setup.sh installs them where it can); the messages for that case are tested everywhere."""

from __future__ import annotations

import pytest
from fakes import fake_assistant
from pdf_maker import make_scanned_pdf

from index import ocr
from index.articles import load_article
from index.errors import ArticleError

HEADLINE = "Kim Jong-un Pulang dari Rusia"
LEAD = ("Bisnis.com, JAKARTA - Pemimpin Korea Utara (Korut) Kim Jong-un mengakhiri kunjungannya ke Rusia dengan "
        "ucapan terima kasih yang tulus kepada Presiden Vladimir Putin, Senin (18/9/2023).")
PAGE_2 = "Sebelum berangkat dari Vladivostok, Kim dihadiahi lima drone peledak dan rompi antipeluru."

needs_tesseract = pytest.mark.skipif(ocr.unavailable() is not None, reason=f"no OCR here: {ocr.unavailable()}")


@pytest.fixture()
def no_tesseract(monkeypatch):
    """Tesseract missing, as on a machine without it: pytesseract pointed at a program that does not exist."""
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr._languages.cache_clear()
    yield
    ocr._languages.cache_clear()


@needs_tesseract
def test_a_scanned_pdf_is_read_by_ocr_page_by_page(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_scanned_pdf([[HEADLINE, LEAD], [PAGE_2]]))
    article = load_article(path)
    assert article.title == HEADLINE and article.publisher == "Bisnis.com" and article.date == "2023-09-18"
    assert "Vladimir Putin" in article.text and "rompi antipeluru" in article.text
    assert article.text.index("Putin") < article.text.index("Vladivostok")  # the pages in order
    assert article.note == "pages 1, 2 read by OCR (Tesseract)"


@needs_tesseract
def test_a_scanned_pdf_can_be_uploaded_and_answered_from(tmp_path):
    bot = fake_assistant(tmp_path)
    upload = tmp_path / "upload-1.pdf"
    upload.write_bytes(make_scanned_pdf([[HEADLINE, LEAD, PAGE_2]]))
    [outcome] = bot.add_files([upload], names=["pindaian.pdf"])
    assert outcome.status == "added", outcome.message
    [passage] = bot.retrieve("Kim dihadiahi lima drone peledak dan rompi antipeluru di Vladivostok", k=1)
    assert passage.title == HEADLINE and "rompi antipeluru" in passage.text


@needs_tesseract
def test_a_scan_of_a_blank_page_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(make_scanned_pdf([[]]))
    with pytest.raises(ArticleError, match="no text layer .* OCR found no text in it"):
        load_article(path)


def test_without_tesseract_a_scanned_pdf_is_skipped_saying_how_to_read_it(tmp_path, no_tesseract):
    assert ocr.unavailable().startswith("Tesseract is not installed: install Tesseract with its Indonesian data")
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_scanned_pdf([[HEADLINE, LEAD]]))
    with pytest.raises(ArticleError, match="without OCR: Tesseract is not installed.*tesseract-ocr-ind"):
        load_article(path)


def test_without_indonesian_data_ocr_is_not_used(monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": ["eng", "osd"])
    ocr._languages.cache_clear()
    try:
        assert ocr.unavailable().startswith("Tesseract has no Indonesian data (ind)")
    finally:
        ocr._languages.cache_clear()


def test_a_pdf_with_a_text_layer_never_asks_for_ocr(tmp_path, no_tesseract):
    from pdf_maker import make_pdf

    path = tmp_path / "text.pdf"
    path.write_bytes(make_pdf([[HEADLINE, LEAD]]))
    article = load_article(path)
    assert "Vladimir Putin" in article.text and article.note is None


def _mixed_pdf(path):
    """Page 1 with a text layer, page 2 a scan."""
    import io

    from pdf_maker import make_pdf
    from pypdf import PdfWriter

    writer = PdfWriter()
    for data in (make_pdf([[HEADLINE, LEAD]]), make_scanned_pdf([[PAGE_2]])):
        writer.append(io.BytesIO(data))
    writer.write(path)
    return path


@needs_tesseract
def test_only_the_pages_without_a_text_layer_are_read_by_ocr(tmp_path):
    article = load_article(_mixed_pdf(tmp_path / "mixed.pdf"))
    assert article.note == "page 2 read by OCR (Tesseract)"
    assert article.text.index("Putin") < article.text.index("rompi antipeluru")


def test_without_tesseract_the_pages_with_text_are_kept_and_the_note_says_what_was_left_out(tmp_path, no_tesseract):
    article = load_article(_mixed_pdf(tmp_path / "mixed.pdf"))
    assert "Vladimir Putin" in article.text and "rompi" not in article.text
    assert article.note.startswith("page 2 without a text layer left out: Tesseract is not installed")
