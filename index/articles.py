"""Find article files and read them into clean :class:`Article` records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import clean_article
from index.errors import ArticleError

#: File types `tanya index` reads.
SUPPORTED_SUFFIXES = frozenset({".txt"})
#: Larger files are refused: no news article is this long.
MAX_ARTICLE_BYTES = 5_000_000


@dataclass(frozen=True)
class Article:
    """One cleaned news article. ``doc_id`` is the file stem, e.g. ``000_f6ccf7329cada5fc``."""

    doc_id: str
    path: Path
    title: str
    text: str
    content_hash: str
    publisher: str | None = None
    place: str | None = None
    date: str | None = None
    date_text: str | None = None


def find_article_files(paths: list[Path]) -> list[Path]:
    """Article files under ``paths`` (files as given, folders searched recursively), sorted, no repeats."""
    found: dict[Path, None] = {}
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not child.name.startswith("."):
                    found.setdefault(child.resolve(), None)
        elif path.is_file():
            found.setdefault(path.resolve(), None)
        else:
            raise ArticleError(f"No such file or folder: {path}")
    return list(found)


def decode_text(data: bytes, path: Path) -> str:
    """Bytes to text: UTF-8 (with or without BOM), else Windows-1252; binary data is refused."""
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{path} looks like a binary file, not text; only {', '.join(sorted(SUPPORTED_SUFFIXES))} articles can be indexed.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_article(path: Path) -> Article:
    """Read and clean one article file. Raises :class:`ArticleError` when it cannot be used."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ArticleError(f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}.")
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{path} is {size / 1e6:.1f} MB; articles over {MAX_ARTICLE_BYTES / 1e6:.0f} MB are not indexed.")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"Cannot read {path}: {exc.strerror or exc}") from None
    clean = clean_article(decode_text(data, path), fallback_title=path.stem)
    if not clean.text.strip():
        raise ArticleError(f"{path} holds no article text (empty, or only boilerplate).")
    return Article(
        doc_id=path.stem,
        path=path,
        title=clean.title,
        text=clean.text,
        content_hash=hashlib.sha256(data).hexdigest()[:16],
        publisher=clean.publisher,
        place=clean.place,
        date=clean.date,
        date_text=clean.date_text,
    )
