"""Read article files, one reader per format, into raw records: text plus what the file says about itself.

Readers do not remove boilerplate (that is `index.cleaning`); they only turn a file
into text and metadata:

- ``.txt``: the text; UTF-8 (with or without BOM) or UTF-16 with a BOM, else
  Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined).
- ``.md`` / ``.markdown``: rendered to plain text with markdown-it-py (links keep
  their words, images are dropped); a YAML front matter block gives
  ``title``, ``url``, ``publisher``, ``date``; else the first ``# heading`` is the title.
- ``.html`` / ``.htm``: main text and metadata (title, site name, date, canonical
  URL) extracted with trafilatura.
- ``.pdf``: the text of every page with pypdf, wrapped lines joined back into
  paragraphs; the document's title metadata when it has a real one; each page's text kept too, so
  that a chunk knows its page (`index.chunking.page_span`). Pages without a text layer (scans) are
  read by OCR with Tesseract (:mod:`index.ocr`) where it is installed.
- ``.docx``: the paragraphs and table rows of a Word document in their order, with python-docx; the
  document's title property when it has a real one, else its first Title or Heading 1 paragraph.
- ``.jsonl``: one article per line, a JSON object with ``text`` and optional
  ``title``, ``url``, ``publisher``, ``date``. A bad line is skipped on its own.

Every size limit is checked with ``stat`` before a byte is read.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.errors import ArticleError

#: Largest file read, per type. News articles are far smaller; a JSONL file holds many.
MAX_FILE_BYTES = {
    ".txt": 5_000_000,
    ".md": 5_000_000,
    ".markdown": 5_000_000,
    ".html": 10_000_000,
    ".htm": 10_000_000,
    ".pdf": 50_000_000,
    ".docx": 20_000_000,
    ".jsonl": 500_000_000,
}
#: Longest line of a JSONL file (one article).
MAX_JSONL_LINE_BYTES = 5_000_000
#: File types `tanya index` reads.
SUPPORTED_SUFFIXES = frozenset(MAX_FILE_BYTES)


@dataclass(frozen=True)
class RawRecord:
    """One article as a file gives it, boilerplate not yet removed.

    ``key`` tells articles of one file apart (JSONL only; ``None`` for one-article
    files); ``location`` says where in the file it is, e.g. ``"line 17"``.
    """

    text: str
    key: str | None = None
    location: str | None = None
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    date: str | None = None
    note: str | None = None  # something worth telling the user, e.g. the text was not UTF-8
    #: The text of each page, for a paged document (a PDF): what a chunk's page number is found in.
    pages: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkippedRecord:
    """A part of a file that could not be used (a bad JSONL line), and why."""

    location: str
    reason: str


def supported_types() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def check_size(path: Path) -> int:
    """The file's size; :class:`ArticleError` when it is over the limit for its type (nothing is read)."""
    limit = MAX_FILE_BYTES.get(path.suffix.lower())
    if limit is None:
        raise ArticleError(f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {supported_types()}.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if size > limit:
        raise ArticleError(f"{path} is {size / 1e6:.1f} MB; {path.suffix.lower()} files over "
                           f"{limit / 1e6:.0f} MB are not indexed.")
    return size


def _read_bytes(path: Path) -> bytes:
    check_size(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"Cannot read {path}: {exc.strerror or exc}") from None


# Text decoding ---------------------------------------------------------------------------------------------
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_LATIN1_FALLBACK = "tanya-latin1"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """The five bytes Windows-1252 leaves undefined are read as Latin-1 (control characters)."""
    if not isinstance(error, UnicodeDecodeError):  # registered for decoding only
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


def looks_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes, or many control characters, in its first 8 KB."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a BOM: NUL bytes are expected
    if b"\x00" in head:
        return True
    if not head:
        return False
    return sum(head.count(bytes([c])) for c in _CONTROL) / len(head) > 0.05


def decode_text(data: bytes, path: Path | str = "") -> tuple[str, str | None]:
    """(text, note): UTF-8 / UTF-16 with BOM as is; else Windows-1252, with a note saying so.

    Raises :class:`ArticleError` for binary data.
    """
    if looks_binary(data):
        raise ArticleError(f"{path} looks like a binary file, not text.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            raise ArticleError(f"{path} starts like UTF-16 text but is not valid UTF-16.") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors=_LATIN1_FALLBACK), "not UTF-8: read as Windows-1252"


# One reader per format -------------------------------------------------------------------------------------
def read_txt(path: Path) -> Iterator[RawRecord]:
    text, note = decode_text(_read_bytes(path), path)
    yield RawRecord(text=text, note=note)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(match.group(1))
    except Exception:  # not YAML after all: read it as text
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def markdown_to_text(markdown: str) -> tuple[str, str | None]:
    """(plain text with one block per line, the first level-1 heading or None)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    blocks: list[str] = []
    title = None
    in_h1 = False
    for token in tokens:
        if token.type == "heading_open":
            in_h1 = token.tag == "h1"
        elif token.type == "heading_close":
            in_h1 = False
        elif token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type == "softbreak":
                    parts.append(" ")
                elif child.type == "hardbreak":
                    parts.append("\n")
                # images, raw HTML and link markup carry no article words
            line = "".join(parts).strip()
            if in_h1 and title is None and line:
                title = line
                continue
            if line:
                blocks.append(line)
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    return "\n\n".join(blocks), title


def _text_field(meta: dict, key: str) -> str | None:
    value = meta.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value or None


def read_markdown(path: Path) -> Iterator[RawRecord]:
    raw, note = decode_text(_read_bytes(path), path)
    meta, body = _front_matter(raw)
    text, heading = markdown_to_text(body)
    yield RawRecord(text=text, title=_text_field(meta, "title") or heading, url=_text_field(meta, "url"),
                    publisher=_text_field(meta, "publisher"), date=_text_field(meta, "date"), note=note)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode_html(data: bytes, path: Path) -> tuple[str, str | None]:
    if looks_binary(data):
        raise ArticleError(f"{path} looks like a binary file, not HTML.")
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii"))
        except LookupError:
            codec = None
        if codec is not None and codec.name not in ("utf-8", "utf-8-sig"):
            try:
                return data.decode(codec.name), None
            except UnicodeDecodeError:
                pass
    return decode_text(data, path)


def read_html(path: Path) -> Iterator[RawRecord]:
    """Main text and metadata of a web page, with trafilatura (comments, menus, footers left out)."""
    import trafilatura
    from trafilatura.settings import Document

    html, note = _decode_html(_read_bytes(path), path)
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True,
                                          include_images=False, include_links=False)
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        raise ArticleError(f"{path}: cannot extract text from this HTML ({type(exc).__name__}: {exc}).") from None
    # None when nothing was found (a dict comes only with as_dict=True, not asked for here)
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        raise ArticleError(f"{path} holds no article text (trafilatura found no main text in the page).")
    yield RawRecord(text=doc.text or "", title=doc.title or None, url=doc.url or None,
                    publisher=doc.sitename or None, date=doc.date or None, note=note)


_SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")


def unwrap_pdf_text(text: str) -> str:
    """Join the hard-wrapped lines of PDF text back into paragraphs (one per line).

    A line break is kept where a sentence ends and the next line starts a new one
    with a capital letter, digit or quote, or where the page has a blank line;
    elsewhere it was wrapping and becomes a space. A word split after a hyphen is
    joined without a space, keeping the hyphen (Indonesian "negara-negara").
    """
    paragraphs: list[str] = []
    current = ""
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if not current:
            current = line
        elif current.endswith("-") and line[:1].islower():
            current += line
        elif _SENTENCE_END.search(current) and (line[:1].isupper() or line[:1].isdigit() or line[:1] in "\"“‘("):
            paragraphs.append(current)
            current = line
        elif len(current) < 80 and not _SENTENCE_END.search(current) and line[:1].isupper() and not paragraphs:
            paragraphs.append(current)  # a short first line: the headline
            current = line
        else:
            current += " " + line
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


_JUNK_PDF_TITLE = re.compile(r"^(?:microsoft\s+word\s*-|untitled\b)|\.(?:docx?|odt|pdf|rtf|txt)$", re.IGNORECASE)


def _pages(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


def read_pdf(path: Path) -> Iterator[RawRecord]:
    """The text of every page (pypdf), unwrapped; the PDF's own title when it is a real one. A page without a text
    layer (a scan) is read by OCR (:mod:`index.ocr`) where Tesseract is installed, and the record's note says so."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    check_size(path)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArticleError(f"{path} is a password-protected PDF.")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except ArticleError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        kind = "is not a readable PDF" if isinstance(exc, PyPdfError) else "cannot be read as a PDF"
        raise ArticleError(f"{path} {kind} ({type(exc).__name__}: {exc}).") from None
    scanned = [n for n, text in enumerate(pages, start=1) if not text.strip()]
    note = why = None
    if scanned:
        from index import ocr

        why = ocr.unavailable()
        if why is None:
            for n in scanned:
                try:
                    pages[n - 1] = ocr.page_text(reader.pages[n - 1])
                except Exception as exc:  # an image pypdf cannot decode, Tesseract failing on it
                    raise ArticleError(f"{path}: OCR failed on page {n} ({type(exc).__name__}: {exc}).") from None
            note = f"{_pages(scanned)} read by OCR (Tesseract)"
        elif len(scanned) < len(pages):
            note = f"{_pages(scanned)} without a text layer left out: {why}"
    text = unwrap_pdf_text("\n\n".join(pages))
    if not text.strip():
        raise ArticleError(f"{path} has no text layer (a scanned PDF?) and OCR found no text in it." if why is None
                           else f"{path} has no text layer (a scanned PDF?); it cannot be indexed without OCR: {why}.")
    title = str(info.title).strip() if info is not None and info.title else None
    if title and _JUNK_PDF_TITLE.search(title):
        title = None
    yield RawRecord(text=text, title=title, note=note, pages=tuple(pages))


_TITLE_STYLES = ("title", "heading 1")


def read_docx(path: Path) -> Iterator[RawRecord]:
    """A Word document's paragraphs and table rows (cells joined by " | "), one per line, in the document's order
    (python-docx); the title from its properties, else its first Title or Heading 1 paragraph."""
    import zipfile

    from docx import Document
    from docx.opc.exceptions import OpcError
    from docx.table import Table

    check_size(path)
    try:
        document = Document(str(path))
        lines: list[str] = []
        heading = None
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))  # merged: once
                    if cells:
                        lines.append(" | ".join(cells))
                continue
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "").lower()
            if text and heading is None and not lines and style in _TITLE_STYLES:
                heading = text
            elif text:
                lines.append(text)
        title = (document.core_properties.title or "").strip() or None
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArticleError(f"{path} is not a readable Word (.docx) document ({type(exc).__name__}: {exc}).") from None
    if not lines:
        raise ArticleError(f"{path} holds no text (a Word document of images only?).")
    if title and _JUNK_PDF_TITLE.search(title):
        title = None
    yield RawRecord(text="\n".join(lines), title=title or heading)


def _url_key(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def read_jsonl(path: Path) -> Iterator[RawRecord | SkippedRecord]:
    """One record per line, read line by line (the file is never held in memory whole).

    ``key`` is the line number, or a hash of the ``url`` when the line has one (so
    that inserting or removing lines does not change the other articles' ids).
    """
    check_size(path)
    seen_urls: dict[str, int] = {}
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ArticleError(f"Cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        number = 0
        while True:
            line = handle.readline(MAX_JSONL_LINE_BYTES + 1)
            if not line:
                break
            number += 1
            where = f"line {number}"
            if number == 1 and looks_binary(line):
                raise ArticleError(f"{path} looks like a binary file, not JSON lines.")
            if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of an over-long line without keeping it
                yield SkippedRecord(where, f"longer than {MAX_JSONL_LINE_BYTES / 1e6:.0f} MB")
                continue
            if not line.strip():
                continue
            try:
                text, note = decode_text(line, where)
                item = json.loads(text)
            except (ArticleError, ValueError) as exc:
                yield SkippedRecord(where, f"not a JSON object ({exc})")
                continue
            if not isinstance(item, dict):
                yield SkippedRecord(where, "not a JSON object")
                continue
            body = item.get("text")
            if not isinstance(body, str) or not body.strip():
                yield SkippedRecord(where, "no \"text\" field with the article")
                continue
            url = _text_field(item, "url")
            if url is not None:
                if url in seen_urls:
                    yield SkippedRecord(where, f"same url as line {seen_urls[url]}")
                    continue
                seen_urls[url] = number
            yield RawRecord(text=body, key=_url_key(url) if url else str(number), location=where,
                            title=_text_field(item, "title"), url=url, publisher=_text_field(item, "publisher"),
                            date=_text_field(item, "date"), note=note)


READERS = {
    ".txt": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".jsonl": read_jsonl,
}


def read_records(path: Path) -> Iterator[RawRecord | SkippedRecord]:
    """The raw records of one file. Raises :class:`ArticleError` when the whole file cannot be used."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ArticleError(f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {supported_types()}.")
    return reader(path)
