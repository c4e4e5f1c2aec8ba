"""Find article files and read them into clean :class:`Article` records.

Reading each format is `index.readers`; removing boilerplate is `index.cleaning`.
This module finds the files under the given paths (reporting what it will not
read, such as symlinks that lead out of the folder) and turns each raw record
into an :class:`Article` with a stable ``doc_id``:

- one-article files (``.txt``, ``.md``, ``.html``, ``.pdf``): the file name
  without its extension, e.g. ``000_f6ccf7329cada5fc``;
- ``.jsonl`` files: ``<file stem>-<line number>``, or ``<file stem>-<10 hex
  digits of the SHA-1 of the url>`` when the line has a ``url``.

(`index.building` adds a suffix when two different files would get the same id.)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.cleaning import clean_article, find_date
from index.errors import ArticleError
from index.readers import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, RawRecord, SkippedRecord, read_records, supported_types
from index.readers import decode_text as _decode_text

#: Larger files are refused (see `index.readers.MAX_FILE_BYTES` for each type).
MAX_ARTICLE_BYTES = MAX_FILE_BYTES[".txt"]
#: Longer cleaned texts are refused: no news article is this long.
MAX_ARTICLE_CHARS = 2_000_000

__all__ = ["Article", "MAX_ARTICLE_BYTES", "SUPPORTED_SUFFIXES", "Scan", "find_article_files", "load_article",
           "load_articles", "scan_paths"]


@dataclass(frozen=True)
class Article:
    """One cleaned news article. ``doc_id`` is the file stem, e.g. ``000_f6ccf7329cada5fc`` (see module doc)."""

    doc_id: str
    path: Path
    title: str
    text: str
    content_hash: str
    publisher: str | None = None
    place: str | None = None
    date: str | None = None
    date_text: str | None = None
    url: str | None = None
    location: str | None = None  # where in its file, for files of many articles, e.g. "line 17"
    note: str | None = None  # e.g. "not UTF-8: read as Windows-1252"
    #: The text of each page of a paged file (a PDF), for the page numbers of its chunks; () otherwise.
    pages: tuple[str, ...] = field(default=(), repr=False)

    @property
    def text_hash(self) -> str:
        """Hash of the article text alone: equal for the same article under two names."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Scan:
    """The files found under some paths, what was left out and why, and the folders searched."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    folders: list[Path] = field(default_factory=list)
    #: The files given by name (not found in a folder): indexing them brings back articles removed before.
    named: set[Path] = field(default_factory=set)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def scan_paths(paths: list[Path]) -> Scan:
    """Article files under ``paths``: files as given, folders searched recursively, sorted, no repeats.

    In folders, hidden files and folders are ignored; files of other types, and
    symlinks, are reported in ``skipped`` (a symlink's target is read under its own
    name when it is inside the folder, and never when it is outside).
    Raises :class:`ArticleError` for a path that does not exist.
    """
    scan = Scan()
    found: dict[Path, None] = {}
    for given in paths:
        given = Path(given).expanduser()
        if given.is_dir():
            root = given.resolve()
            scan.folders.append(root)
            for folder, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                here = Path(folder)
                entries = [here / name for name in filenames if not name.startswith(".")]
                entries += [here / d for d in dirnames if (here / d).is_symlink()]
                for entry in sorted(entries):
                    if entry.is_symlink():
                        _symlink(entry, root, scan)
                    elif entry.suffix.lower() not in SUPPORTED_SUFFIXES:
                        scan.skipped.append((str(entry), f"unsupported file type {entry.suffix or '(none)'} "
                                                         f"(supported: {supported_types()})"))
                    elif entry.is_file():
                        found.setdefault(entry, None)
                    else:
                        scan.skipped.append((str(entry), "not a regular file"))
        elif given.is_file():
            found.setdefault(given.resolve(), None)
            scan.named.add(given.resolve())
        elif given.is_symlink():
            raise ArticleError(f"{given} is a broken symlink.")
        else:
            raise ArticleError(f"No such file or folder: {given}")
    scan.files = list(found)
    return scan


def _symlink(entry: Path, root: Path, scan: Scan) -> None:
    target = entry.resolve()
    if not target.exists():
        scan.skipped.append((str(entry), "broken symlink"))
    elif not _inside(target, root):
        scan.skipped.append((str(entry), f"symlink to {target}, outside {root}: not followed"))
    elif target.is_dir():
        return  # a folder inside the tree: its files are found under their own names
    elif target.suffix.lower() in SUPPORTED_SUFFIXES:
        scan.skipped.append((str(entry), f"symlink to {target}, which is read under its own name"))
    else:
        scan.skipped.append((str(entry), f"symlink to {target}, unsupported file type"))


def find_article_files(paths: list[Path]) -> list[Path]:
    """Article files under ``paths`` (files as given, folders searched recursively), sorted, no repeats."""
    return scan_paths(paths).files


def decode_text(data: bytes, path: Path) -> str:
    """Bytes to text: UTF-8 (with or without BOM), else Windows-1252; binary data is refused."""
    return _decode_text(data, path)[0]


def content_hash(title: str, text: str, **metadata: str | None) -> str:
    """Hash of everything stored for an article: any change to it means re-indexing."""
    payload = json.dumps([title, text, sorted((k, v or "") for k, v in metadata.items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _iso_date(value: str | None) -> str | None:
    """yyyy-mm-dd from a metadata date (ISO, with or without time, or Indonesian words)."""
    if not value:
        return None
    value = value.strip()
    if len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        return value[:10]
    return find_date(value)[0]


def article_from_record(record: RawRecord, path: Path, doc_id: str) -> Article:
    """Clean one raw record into an :class:`Article`. Raises :class:`ArticleError` when no text is left."""
    where = f"{path}" + (f" ({record.location})" if record.location else "")
    clean = clean_article(record.text, fallback_title=path.stem, title=record.title)
    if not clean.text.strip():
        raise ArticleError(f"{where} holds no article text (empty, or only boilerplate).")
    if len(clean.text) > MAX_ARTICLE_CHARS:
        raise ArticleError(f"{where} has {len(clean.text):,} characters of text; articles over "
                           f"{MAX_ARTICLE_CHARS:,} are not indexed.")
    publisher = record.publisher or clean.publisher
    date = _iso_date(record.date) or clean.date
    date_text = clean.date_text if clean.date_text else record.date
    meta = {"publisher": publisher, "place": clean.place, "date": date, "date_text": date_text, "url": record.url}
    if record.pages:  # (only then: the hashes of other articles, and so their indexing, are unchanged)
        meta["pages"] = str(len(record.pages))
    return Article(doc_id=doc_id, path=path, title=clean.title, text=clean.text,
                   content_hash=content_hash(clean.title, clean.text, **meta), publisher=publisher,
                   place=clean.place, date=date, date_text=date_text, url=record.url, location=record.location,
                   note=record.note, pages=record.pages)


def load_articles(path: Path) -> Iterator[Article | SkippedRecord]:
    """Every article of one file, in order, each cleaned; unusable parts of it as :class:`SkippedRecord`.

    Raises :class:`ArticleError` when the file as a whole cannot be used.
    """
    path = Path(path)
    for record in read_records(path):
        if isinstance(record, SkippedRecord):
            yield record
            continue
        doc_id = path.stem if record.key is None else f"{path.stem}-{record.key}"
        try:
            yield article_from_record(record, path, doc_id)
        except ArticleError as exc:
            if record.location is None:
                raise
            yield SkippedRecord(record.location, str(exc))


def load_article(path: Path) -> Article:
    """Read and clean a one-article file. Raises :class:`ArticleError` when it cannot be used."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        raise ArticleError(f"{path} holds many articles: read it with load_articles().")
    for item in load_articles(path):
        if isinstance(item, Article):
            return item
    raise ArticleError(f"{path} holds no article text (empty, or only boilerplate).")  # pragma: no cover
