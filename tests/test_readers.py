"""Reading each supported format, and finding files: no model needed."""

import hashlib
import json
import os
from pathlib import Path

import pytest
from pdf_maker import make_pdf

from index.articles import load_article, load_articles, scan_paths
from index.errors import ArticleError
from index.readers import SkippedRecord, decode_text, looks_binary, read_records, unwrap_pdf_text

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"
SEED_001 = SEEDS / "001_c3097b6ce2799c8a.txt"
PARAGRAPH = ("Bisnis.com, JAKARTA - Pemimpin Korea Utara (Korut) Kim Jong-un mengakhiri kunjungannya ke Rusia "
             "dengan ucapan terima kasih yang tulus kepada Presiden Vladimir Putin, Senin (18/9/2023).")


# Text and encodings --------------------------------------------------------------------------------------------
def test_cp1252_and_latin1_text_is_read_with_a_note(tmp_path):
    path = tmp_path / "cp.txt"
    text = "Judul Berita\n\nKim berkata \u201cterima kasih\u201d kepada Putin di caf\u00e9 itu."
    path.write_bytes(text.encode("cp1252"))
    article = load_article(path)
    assert "\u201cterima kasih\u201d" in article.text and "caf\u00e9" in article.text
    assert article.note == "not UTF-8: read as Windows-1252"
    # A byte Windows-1252 leaves undefined (0x81) does not stop the read.
    assert decode_text(b"Jakarta \x81 caf\xe9", "x")[0] == "Jakarta \x81 caf\u00e9"


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("Judul Berita\n\nKim tiba di Vladivostok pada Selasa.".encode("utf-16"))
    assert load_article(path).text == "Kim tiba di Vladivostok pada Selasa."


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(1, 32)) * 50,
                                  b"\xff\xd8\xff\xe0\x00\x10JFIF"])
def test_binary_data_is_recognised(data):
    assert looks_binary(data)


def test_text_is_not_binary():
    assert not looks_binary(SEED_001.read_bytes())
    assert not looks_binary("Kim\tberkata\r\n\u201cya\u201d".encode("utf-8"))


def test_binary_file_named_txt_is_refused(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    with pytest.raises(ArticleError, match="binary"):
        load_article(path)


def test_huge_file_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # a sparse 100 MB file: takes no disk
        f.truncate(100 * 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(ArticleError, match=r"104\.9 MB; \.txt files over 5 MB are not indexed"):
        load_article(path)


# Markdown -------------------------------------------------------------------------------------------------------
def test_markdown_front_matter_and_syntax(tmp_path):
    path = tmp_path / "kim.md"
    path.write_text(
        "---\ntitle: Kim Pulang ke Korut\nurl: https://contoh.id/kim\npublisher: Contoh News\ndate: 2023-09-18\n---\n\n"
        "# Judul Lain Yang Tidak Dipakai\n\n"
        "![Kim di stasiun](kim.jpg)\n\n"
        f"{PARAGRAPH}\n\n"
        "[Baca juga: Rusia Tuding Barat](https://contoh.id/rusia)\n\n"
        "Kim dihadiahi **rompi antipeluru** dan [enam drone](https://contoh.id/drone)\n"
        "oleh gubernur Primorye.\n\n## Sanksi PBB\n\n- Korut disanksi karena uji coba nuklir.\n",
        encoding="utf-8")
    article = load_article(path)
    assert (article.title, article.url, article.publisher, article.date) == (
        "Kim Pulang ke Korut", "https://contoh.id/kim", "Contoh News", "2023-09-18")
    assert article.text.split("\n\n") == [  # the page's own headline (# ...) is dropped as a title
        PARAGRAPH,
        "Kim dihadiahi rompi antipeluru dan enam drone oleh gubernur Primorye.", "Sanksi PBB",
        "Korut disanksi karena uji coba nuklir."]


def test_markdown_heading_is_the_title_without_front_matter(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(f"# Kim Pulang ke Korut\n\n{PARAGRAPH}\n", encoding="utf-8")
    article = load_article(path)
    assert article.title == "Kim Pulang ke Korut" and article.text == PARAGRAPH
    assert (article.publisher, article.date) == ("Bisnis.com", "2023-09-18")  # from the dateline in the text


# HTML -----------------------------------------------------------------------------------------------------------
def test_html_page_main_text_and_metadata(tmp_path):
    from eval.boilerplate import build_cases

    case = next(c for c in build_cases() if c.name == "html-dev-portal/001_c3097b6ce2799c8a")
    path = tmp_path / "page.html"
    path.write_text(case.content, encoding="utf-8")
    article = load_article(path)
    assert article.title == "Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"
    assert (article.publisher, article.date) == ("Bisnis.com", "2023-09-18")
    assert article.url == "https://www.contoh-berita.id/internasional/001_c3097b6ce2799c8a"
    assert article.text.split("\n\n") == case.paragraphs
    for junk in ("Beranda", "Bagikan", "Baca Juga", "ADVERTISEMENT", "SCROLL", "Berlangganan", "REUTERS/Kim",
                 "Komentar", "Copyright", "Tag:"):
        assert junk not in article.text


def test_html_in_a_declared_legacy_charset(tmp_path):
    path = tmp_path / "old.htm"
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            "<title>Kim dan \u201cSahabat\u201d Lama</title></head>"
            "<body><article><h1>Kim dan \u201cSahabat\u201d Lama</h1>"
            f"<p>{PARAGRAPH} Kim menyebut Putin \u201csahabat lama\u201d.</p>"
            f"<p>{PARAGRAPH.replace('Senin', 'Selasa')}</p></article></body></html>")
    path.write_bytes(page.encode("cp1252"))
    article = load_article(path)
    assert "\u201csahabat lama\u201d" in article.text and article.title == "Kim dan \u201cSahabat\u201d Lama"


def test_html_without_text_is_refused(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav><a>Beranda</a></nav></body></html>", encoding="utf-8")
    with pytest.raises(ArticleError, match="no article text"):
        load_article(path)


# PDF ------------------------------------------------------------------------------------------------------------
def test_pdf_text_is_unwrapped_into_paragraphs(tmp_path):
    path = tmp_path / "kim.pdf"
    path.write_bytes(make_pdf([
        ["Kim Pulang ke Korut",
         "Bisnis.com, JAKARTA - Pemimpin Korea Utara Kim Jong-un mengakhiri",
         "kunjungannya ke Rusia, Senin (18/9/2023). Ia berterima kasih kepada",
         "Putin atas \u201csambutan\u201d yang hangat.",
         "Negara-negara Barat khawatir. Rusia dan negara-",
         "negara tetangganya berselisih soal sanksi."],
        ["Kim naik kereta lapis baja dari Vladivostok ke Pyongyang."],
    ], title="Kim Pulang ke Korut"))
    article = load_article(path)
    assert article.title == "Kim Pulang ke Korut"
    assert article.text.split("\n\n") == [
        "Bisnis.com, JAKARTA - Pemimpin Korea Utara Kim Jong-un mengakhiri kunjungannya ke Rusia, Senin (18/9/2023). "
        "Ia berterima kasih kepada Putin atas \u201csambutan\u201d yang hangat.",
        "Negara-negara Barat khawatir. Rusia dan negara-negara tetangganya berselisih soal sanksi.",
        "Kim naik kereta lapis baja dari Vladivostok ke Pyongyang."]
    assert (article.publisher, article.date) == ("Bisnis.com", "2023-09-18")


def test_pdf_junk_title_metadata_is_ignored(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(make_pdf([["Kim Pulang ke Korut", PARAGRAPH]], title="Microsoft Word - draft3.docx"))
    assert load_article(path).title == "Kim Pulang ke Korut"


def test_broken_pdf_is_refused(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(ArticleError, match="not a readable PDF|cannot be read as a PDF|no text layer"):
        load_article(path)


def test_unwrap_keeps_sentence_ends_and_blank_lines():
    assert unwrap_pdf_text("Satu dua\ntiga.\nEmpat lima.\n\nenam") == "Satu dua tiga.\nEmpat lima.\nenam"


# JSONL ----------------------------------------------------------------------------------------------------------
def test_jsonl_articles_ids_metadata_and_bad_lines(tmp_path):
    path = tmp_path / "berita.jsonl"
    lines = [
        json.dumps({"text": PARAGRAPH, "title": "Kim Pulang", "publisher": "Bisnis.com",
                    "date": "2023-09-18T10:00:00Z"}),
        "",
        json.dumps({"text": "Putin menerima undangan ke Korea Utara, Rabu (13/9/2023).", "url": "https://a.id/putin"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "Kim menerima rompi antipeluru.", "url": "https://a.id/putin"}),
        json.dumps({"text": "Baca Juga: Rusia Tuding Barat"}),
        json.dumps({"text": "Shoigu bertemu Kim, 16 September 2023.", "date": "16 September 2023"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(load_articles(path))
    articles = [i for i in items if not isinstance(i, SkippedRecord)]
    skipped = {i.location: i.reason for i in items if isinstance(i, SkippedRecord)}
    url_id = "berita-" + hashlib.sha1(b"https://a.id/putin").hexdigest()[:10]
    assert [a.doc_id for a in articles] == ["berita-1", url_id, "berita-9"]
    assert (articles[0].title, articles[0].publisher, articles[0].date) == ("Kim Pulang", "Bisnis.com", "2023-09-18")
    assert (articles[1].url, articles[1].location) == ("https://a.id/putin", "line 3")
    assert articles[2].date == "2023-09-16"
    assert set(skipped) == {"line 4", "line 5", "line 6", "line 7", "line 8"}
    assert "not a JSON object" in skipped["line 4"] and "text" in skipped["line 5"]
    assert skipped["line 7"] == "same url as line 3" and "no article text" in skipped["line 8"]


def test_jsonl_overlong_line_is_skipped_and_the_rest_read(tmp_path, monkeypatch):
    import index.readers as readers

    monkeypatch.setattr(readers, "MAX_JSONL_LINE_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": "x " * 5000}) + "\n" + json.dumps({"text": PARAGRAPH}) + "\n")
    items = list(load_articles(path))
    assert isinstance(items[0], SkippedRecord) and "longer than" in items[0].reason
    assert items[1].doc_id == "big-2" and items[1].text == PARAGRAPH


def test_load_article_refuses_jsonl(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"text": PARAGRAPH}) + "\n")
    with pytest.raises(ArticleError, match="many articles"):
        load_article(path)


def test_read_records_refuses_other_types(tmp_path):
    with pytest.raises(ArticleError, match="unsupported file type .odt"):
        read_records(tmp_path / "a.odt")


# Finding files --------------------------------------------------------------------------------------------------
def test_scan_reports_symlinks_and_other_files(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("rahasia")
    (outside / "dir").mkdir()
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "x.txt").write_text("x")
    (root / "a.txt").write_text("a")
    (root / "sub" / "b.md").write_text("b")
    (root / ".hidden.txt").write_text("h")
    (root / "photo.jpg").write_bytes(b"\xff\xd8")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    (root / "outdir").symlink_to(outside / "dir")
    (root / "in.txt").symlink_to(root / "a.txt")
    (root / "broken.txt").symlink_to(root / "nothing.txt")
    (root / "loop").symlink_to(root)
    scan = scan_paths([root])
    assert [p.relative_to(root).as_posix() for p in scan.files] == ["a.txt", "sub/b.md"]
    reasons = {Path(p).name: r for p, r in scan.skipped}
    assert set(reasons) == {"photo.jpg", "out.txt", "outdir", "in.txt", "broken.txt"}
    assert "outside" in reasons["out.txt"] and "outside" in reasons["outdir"]
    assert "read under its own name" in reasons["in.txt"] and reasons["broken.txt"] == "broken symlink"
    assert "unsupported file type .jpg" in reasons["photo.jpg"]
    assert scan.folders == [root.resolve()]
