"""The library: which articles are indexed, their text, and adding or removing them.

Plain functions over the chunk store; `Assistant` exposes them as ``articles()``,
``article_text()``, ``add_files()`` and ``remove_article()``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from index import ChunkStore, IndexReport, StoredChunk, load_article, load_articles
from index.articles import MAX_ARTICLE_BYTES, SUPPORTED_SUFFIXES
from index.readers import SkippedRecord
from index.store import Removal
from rag.errors import ArticleError

__all__ = [
    "ArticleInfo", "FileOutcome", "MAX_FILE_BYTES", "OUTCOME_KEYS", "RemovedArticle", "SUPPORTED_SUFFIXES",
    "UploadRefused", "add_files",
    "article_text", "list_articles", "remove_article",
]

#: Largest article file accepted (bytes); the index refuses larger ones.
MAX_FILE_BYTES = MAX_ARTICLE_BYTES

#: Reports progress: (files done, files in all, name of the file now being read).
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ArticleInfo:
    """One indexed article, as the library lists it."""

    doc_id: str
    title: str
    publisher: str | None
    date: str | None
    chunks: int
    source_path: str | None = None


@dataclass(frozen=True)
class FileOutcome:
    """What adding one file did. ``status`` "refused" means nothing was changed for it.

    ``message`` says it in English; ``key`` and ``values`` say the same as data, for an interface that
    speaks another language: ``key`` is one of :data:`OUTCOME_KEYS`, ``values`` fill its sentence (``name``
    always; ``saved_as`` and ``renamed`` ("taken": another file had the name, "safe": the name was made
    safe, "") for a file kept; ``reason``, English, for a refusal the reader gave)."""

    name: str
    status: Literal["added", "updated", "unchanged", "refused"]
    message: str
    doc_id: str | None = None
    #: Every article indexed from the file (one, or many for a ``.jsonl`` file).
    doc_ids: tuple[str, ...] = ()
    key: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != "refused"


@dataclass(frozen=True)
class RemovedArticle:
    """What removing an article did: its chunks left the index, and its text is recorded as removed, so
    that indexing a folder does not bring it back under any name. Its file, if it was in the articles
    folder and holds only this article, was moved to ``moved_to``; a file that holds other articles too
    (``.jsonl``) stays where it is (``kept_in``), and only this one is left out."""

    doc_id: str
    title: str
    chunks: int
    moved_to: Path | None = None
    kept_in: Path | None = None


#: The kinds of :class:`FileOutcome`, each a sentence with its own values (besides ``name``).
OUTCOME_KEYS = {
    "added": ("saved_as", "renamed"), "updated": ("saved_as", "renamed"), "unchanged": ("saved_as", "renamed"),
    "duplicate": ("doc_id",),
    "many": ("articles", "added", "updated", "unchanged", "skipped", "skips", "saved_as", "renamed"),
    "refused_type": ("suffix", "supported"), "refused_unreadable": ("error",), "refused_empty": (),
    "refused_too_large": ("mb", "limit_mb"), "refused_unsaved": ("folder", "error"),
    "refused_none_indexed": ("reason",), "refused": ("reason",),
}


class UploadRefused(ArticleError):
    """An upload the library refuses, with its :class:`FileOutcome` key and values."""

    def __init__(self, message: str, key: str, **values: Any) -> None:
        super().__init__(message)
        self.key, self.values = key, values


# Reading -------------------------------------------------------------------------------
def _info(doc_id: str, chunks: list[StoredChunk]) -> ArticleInfo:
    meta = chunks[0].metadata
    return ArticleInfo(doc_id=doc_id, title=str(meta.get("title") or doc_id), publisher=meta.get("publisher") or None,
                       date=meta.get("date") or None, chunks=len(chunks), source_path=meta.get("source_path") or None)


def _chunks_by_doc(store: ChunkStore, doc_id: str | None = None) -> dict[str, list[StoredChunk]]:
    groups: dict[str, list[StoredChunk]] = {}
    for chunk in store.all_chunks({"doc_id": doc_id} if doc_id else None):
        groups.setdefault(chunk.doc_id, []).append(chunk)
    for chunks in groups.values():
        chunks.sort(key=lambda c: (int(c.metadata.get("position", 0)), c.id))
    return groups


def list_articles(store: ChunkStore) -> list[ArticleInfo]:
    """Every indexed article, by title."""
    infos = [_info(doc_id, chunks) for doc_id, chunks in _chunks_by_doc(store).items()]
    return sorted(infos, key=lambda a: (a.title.lower(), a.doc_id))


def article_info(store: ChunkStore, doc_id: str) -> ArticleInfo:
    chunks = _chunks_by_doc(store, doc_id).get(doc_id)
    if not chunks:
        raise ArticleError(f"The article {doc_id} is not in the library (it may have been removed).")
    return _info(doc_id, chunks)


def _overlap(left: str, right: str) -> int:
    """Length of the longest end of ``left`` that starts ``right`` (chunks overlap by a few sentences)."""
    for size in range(min(len(left), len(right), 4000), 0, -1):
        if left.endswith(right[:size]):
            return size
    return 0


def join_chunks(texts: Sequence[str]) -> str:
    """The text of consecutive overlapping chunks, each overlap kept once."""
    out = ""
    for text in texts:
        size = _overlap(out, text) if out else 0
        out = out + text[size:] if size >= 20 else (out + "\n\n" + text if out else text)
    return out


def article_text(store: ChunkStore, doc_id: str) -> str:
    """The cleaned full text of an indexed article.

    Read again from its file when the file is unchanged since indexing; otherwise
    (moved, edited, deleted) pieced together from its indexed chunks, so that the
    text always holds the passages that answers cite.
    """
    chunks = _chunks_by_doc(store, doc_id).get(doc_id)
    if not chunks:
        raise ArticleError(f"The article {doc_id} is not in the library (it may have been removed).")
    meta = chunks[0].metadata
    path = meta.get("source_path")
    if path:
        try:
            article = load_article(Path(path))
        except ArticleError:
            article = None
        if article is not None and article.content_hash == meta.get("content_hash"):
            return article.text
    return join_chunks([c.text for c in chunks])


# Removing --------------------------------------------------------------------------------
def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def _free_path(folder: Path, name: str) -> Path:
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = folder / name, 2
    while candidate.exists():
        candidate, n = folder / f"{stem}-{n}{suffix}", n + 1
    return candidate


def remove_article(store: ChunkStore, doc_id: str, *, articles_dir: Path, removed_dir: Path,
                   library_dir: Path | None = None) -> RemovedArticle:
    """Drop an article's chunks from the index and record its text as removed (indexing a folder skips it,
    whichever file holds it: a duplicate under another name does not take its place). If its file is in
    ``articles_dir`` (or ``library_dir``, the uploads' folder) and holds only this article, move it to
    ``removed_dir`` (kept, not deleted); a file
    of many articles (``.jsonl``) stays, its other articles indexed. Indexing the file by name (or adding
    it again in the library) brings the article back."""
    chunks = _chunks_by_doc(store, doc_id).get(doc_id)
    if not chunks:
        raise ArticleError(f"The article {doc_id} is not in the library (it may have been removed).")
    info, meta = _info(doc_id, chunks), chunks[0].metadata
    if meta.get("text_hash"):
        store.record_removal(Removal(text_hash=str(meta["text_hash"]), doc_id=doc_id, title=info.title,
                                     source_path=str(meta.get("source_path") or ""),
                                     source_location=str(meta.get("source_location") or "")))
    removed = store.delete_document(doc_id)
    moved_to = kept_in = None
    source = Path(info.source_path) if info.source_path else None
    if source is not None and source.is_file() and meta.get("source_location"):
        kept_in = source  # one article of a file of many: the others stay
    elif source is not None and source.is_file() and any(
            _inside(source, folder) for folder in (articles_dir, library_dir) if folder is not None):
        try:
            removed_dir.mkdir(parents=True, exist_ok=True)
            moved_to = _free_path(removed_dir, source.name)
            shutil.move(str(source), moved_to)
        except OSError:
            moved_to = None
    return RemovedArticle(doc_id=doc_id, title=info.title, chunks=removed, moved_to=moved_to, kept_in=kept_in)


# Adding ------------------------------------------------------------------------------------
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def safe_name(name: str) -> str:
    """A file name that is safe in the articles folder: no folders, no odd characters, not hidden.

    A name that is only an extension (".txt") is an article of that type with no name: "article.txt"."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if not suffix and base.startswith(".") and base.count(".") == 1:
        stem, suffix = "", base.lower()  # (pathlib reads ".txt" as a hidden file with no extension)
    stem = _UNSAFE.sub("_", stem).strip("._-")[:100] or "article"
    return stem + suffix


def _destination(name: str, data: bytes, content_hash: str, articles_dir: Path,
                 known: dict[str, str]) -> tuple[Path, bool]:
    """Where an upload goes: its own name unless a different file or indexed article already has it
    (then ``name-2``, ``name-3``...). Returns the path and whether it exists already with these bytes."""
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while True:
        candidate = articles_dir / (stem + suffix if n == 1 else f"{stem}-{n}{suffix}")
        n += 1
        if candidate.exists():
            try:
                if candidate.is_file() and candidate.read_bytes() == data:
                    return candidate, True
            except OSError:
                pass
            continue
        indexed = known.get(candidate.stem)
        if indexed is not None and indexed != content_hash:
            continue  # another article with this id is indexed from elsewhere
        return candidate, False


def _check_upload(path: Path, name: str, label: str) -> tuple[bytes, str]:
    """The upload's bytes and content hash, or :class:`ArticleError` saying why it cannot be indexed.
    ``name`` is the name it is saved under (its type), ``label`` the name the user knows it by."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRefused(f"{label}: files of type {suffix or '(none)'} cannot be indexed; supported: {supported}.",
                            "refused_type", suffix=suffix or "(-)", supported=supported)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(label, exc) from None
    if size == 0:
        raise UploadRefused(f"{label} is empty.", "refused_empty")
    if size > MAX_FILE_BYTES:
        mb, limit = f"{size / 1e6:.1f}", f"{MAX_FILE_BYTES / 1e6:.0f}"
        raise UploadRefused(f"{label} is {mb} MB; the limit is {limit} MB per article.", "refused_too_large",
                            mb=mb, limit_mb=limit)
    try:
        if suffix == ".jsonl":  # many articles: at least one must be usable
            _check_many(path)
        else:
            load_article(path)  # the checks indexing makes: readable text, an article left after cleaning
    except ArticleError as exc:
        message = str(exc).replace(str(path), label)
        if not isinstance(exc, UploadRefused):
            raise UploadRefused(message, "refused", reason=message) from None
        values = {k: v.replace(str(path), label) if isinstance(v, str) else v for k, v in exc.values.items()}
        raise UploadRefused(message, exc.key, **values) from None
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _check_many(path: Path) -> None:
    """:class:`ArticleError` unless the file of many articles holds at least one that can be indexed."""
    skipped: list[SkippedRecord] = []
    for item in load_articles(path):
        if not isinstance(item, SkippedRecord):
            return
        skipped.append(item)
    why = "; ".join(f"{s.location}: {s.reason}" for s in skipped[:3]) + (" ..." if len(skipped) > 3 else "")
    raise UploadRefused(f"{path} holds no article that can be indexed" + (f" ({why})." if why else " (it is empty).")
                        + ' Each line must be a JSON object with the article in "text".', "refused_none_indexed",
                        reason=why)


def add_files(paths: Sequence[Path | str], *, articles_dir: Path, known: dict[str, str],
              index: Callable[[list[Path]], IndexReport], names: Sequence[str] | None = None,
              progress: ProgressCallback | None = None) -> list[FileOutcome]:
    """Check each file, copy it into ``articles_dir`` and index it with ``index``.

    ``known`` maps indexed doc ids to content hashes. ``names`` are the files' own
    names when ``paths`` are temporary copies (uploads). A file that cannot be
    indexed is refused with a reason and changes nothing; an existing different file
    or article with the same name is never overwritten: the new one gets another name.
    """
    files = [Path(p) for p in paths]
    names = list(names) if names is not None else [f.name for f in files]
    outcomes: list[FileOutcome] = []
    for i, (path, original) in enumerate(zip(files, names, strict=True)):
        if progress:
            progress(i, len(files), original)
        name = safe_name(original)
        try:
            outcomes.append(_add_one(path, original, name, articles_dir, known, index))
        except ArticleError as exc:
            key, values = (exc.key, exc.values) if isinstance(exc, UploadRefused) else ("refused", {"reason": str(exc)})
            outcomes.append(FileOutcome(name=original, status="refused", message=str(exc), key=key,
                                        values={**values, "name": original}))
    if progress:
        progress(len(files), len(files), "")
    return outcomes


def _add_one(path: Path, original: str, name: str, articles_dir: Path, known: dict[str, str],
             index: Callable[[list[Path]], IndexReport]) -> FileOutcome:
    if path.suffix.lower() != Path(name).suffix:  # e.g. an upload named ".txt": read it as the type of its name
        with tempfile.TemporaryDirectory(prefix="tanya-upload-") as folder:
            typed = Path(folder) / name
            try:
                shutil.copyfile(path, typed)
            except OSError as exc:
                raise _unreadable(original, exc) from None
            return _add_one(typed, original, name, articles_dir, known, index)
    data, content_hash = _check_upload(path, name, original)
    duplicate = next((doc for doc, h in known.items() if h == content_hash), None)
    if duplicate is not None:
        return FileOutcome(name=original, status="unchanged", doc_id=duplicate,
                           message=f"{original} is already in the library (as {duplicate}); nothing changed.",
                           key="duplicate", values={"name": original, "doc_id": duplicate})
    try:
        articles_dir.mkdir(parents=True, exist_ok=True)
        dest, present = _destination(name, data, content_hash, articles_dir, known)
        if not present:
            partial = dest.with_name(f".{dest.name}.partial")  # hidden: a folder scan skips it
            partial.write_bytes(data)
            os.replace(partial, dest)
    except OSError as exc:
        error = str(exc.strerror or exc)
        raise UploadRefused(f"Cannot save {original} into the library folder {articles_dir} ({error}); "
                            "set TANYA_ARTICLES_DIR to a folder you can write.", "refused_unsaved",
                            folder=str(articles_dir), error=error) from None
    report = index([dest])
    if dest.suffix == ".jsonl":
        return _many_added(report, dest, original, name, present)
    if report.skipped:
        if not present:
            dest.unlink(missing_ok=True)
        reason = report.skipped[0][1].replace(str(dest), original)
        raise UploadRefused(reason, "refused", reason=reason)
    doc_id = dest.stem
    known[doc_id] = content_hash
    kept = _kept_as(dest, name, original)
    renamed = f" (a different article is already called {name}, so it was saved as {dest.name})" \
        if kept["renamed"] == "taken" else f" (saved as {dest.name})" if kept["renamed"] else ""
    status: Literal["added", "updated", "unchanged"] = (
        "updated" if report.updated else "unchanged" if report.unchanged else "added")
    verb = {"added": "added", "updated": "updated", "unchanged": "already indexed"}[status]
    return FileOutcome(name=original, status=status, doc_id=doc_id, message=f"{original}: {verb}{renamed}.",
                       doc_ids=(doc_id,), key=status, values={"name": original, **kept})


def _kept_as(dest: Path, name: str, original: str) -> dict[str, str]:
    """The outcome's ``saved_as`` and ``renamed``: "taken" when another file had the name, "safe" when the
    name was made safe, "" when the file kept its own name."""
    renamed = "taken" if dest.name != name else "safe" if dest.name != Path(original).name else ""
    return {"saved_as": dest.name, "renamed": renamed}


def _unreadable(label: str, exc: OSError) -> UploadRefused:
    error = str(exc.strerror or exc)
    return UploadRefused(f"{label}: the upload cannot be read ({error}).", "refused_unreadable", error=error)


def _many_added(report: IndexReport, dest: Path, original: str, name: str, present: bool) -> FileOutcome:
    """The outcome of a file of many articles: each indexed, skipped lines reported; refused (and not
    kept) only when none of its articles is in the library."""
    def where(text: str) -> str:
        return text.replace(str(dest), original)

    indexed = report.added + report.updated + report.unchanged
    skips = [f"{where(path)}: {reason}" for path, reason in report.skipped]
    if not indexed:
        if not present:
            dest.unlink(missing_ok=True)
        reason = "; ".join(skips[:3]) + (" ..." if len(skips) > 3 else "")
        raise UploadRefused(f"{original}: no article of it was indexed ({reason}).", "refused_none_indexed",
                            reason=reason)
    counts = [f"{len(ids)} {verb}" for ids, verb in ((report.added, "added"), (report.updated, "updated"),
                                                      (report.unchanged, "already indexed")) if ids]
    kept = _kept_as(dest, name, original)
    renamed = f" (a different file is already called {name}, so it was saved as {dest.name})" \
        if kept["renamed"] == "taken" else f" (saved as {dest.name})" if kept["renamed"] else ""
    message = f"{original}: {len(indexed)} articles: {', '.join(counts)}{renamed}."
    shown = "; ".join(skips[:5]) + (" ..." if len(skips) > 5 else "")
    if skips:
        message += f" {len(skips)} skipped: {shown}"
    status: Literal["added", "updated", "unchanged"] = (
        "added" if report.added else "updated" if report.updated else "unchanged")
    values = {"name": original, "articles": len(indexed), "added": len(report.added), "updated": len(report.updated),
              "unchanged": len(report.unchanged), "skipped": len(skips), "skips": shown, **kept}
    return FileOutcome(name=original, status=status, message=message, doc_id=indexed[0], doc_ids=tuple(indexed),
                       key="many", values=values)
