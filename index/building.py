"""Index article files: read, clean, chunk, embed and store, with a progress bar.

Incremental and idempotent. A document is known by its path (and, in a JSONL
file, its line or url) and by a hash of what is stored for it:

- unchanged documents are skipped, changed ones replaced in place, new ones added;
- when a folder is indexed, documents indexed from that folder whose file is gone
  are removed (indexing single files never removes anything else);
- an article already indexed under another name (same text) is skipped as a
  duplicate of it;
- an article removed from the library (``ChunkStore.record_removal``, by its text) is
  skipped when its file is found in a folder, under any name and in any file (the
  other articles of a ``.jsonl`` file are indexed); a file given by name is indexed
  whole, and its removed articles come back;
- every chunk records the hash and the chunk count of its document, so a document
  half written when indexing was killed is found and written again on the next run;
- documents are embedded and written in batches of about :data:`EMBED_BATCH` texts
  (chunks and their sentences, across documents): one call to the model and one write
  to each collection a batch. The progress bar counts files whose documents are all
  written, so a file shown as done survives a kill; beside it, how many texts of the
  batch under way are embedded.
- unreadable files are reported and skipped; what was indexed from them stays;
- at the end of a completed run (not after each batch: at 100,000 chunks a rebuild takes
  13-16 s) the store's keyword index is brought up to date, built and saved if the run
  changed anything (``ChunkStore.refresh_keyword_index``), so that the next process loads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.articles import Article, load_articles, scan_paths
from index.chunking import Chunk, chunk_article
from index.errors import ArticleError
from index.readers import SUPPORTED_SUFFIXES, SkippedRecord
from index.sentence_vectors import PassageEmbedder, embed_chunks
from index.store import ChunkStore, DocumentWrite

#: An embedder, or a function that loads one: then the model is loaded only if something needs embedding.
EmbedderSource = PassageEmbedder | Callable[[], PassageEmbedder]
#: Texts (chunks and sentences) embedded in one call and written in one batch. The model sorts a
#: batch by length, so bigger batches pad less: 512 embeds ~9% more tokens a second than 128
#: (docs/lab-notes.md, "Ingestion speed").
EMBED_BATCH = 512


@dataclass
class IndexReport:
    """What one indexing run did, document by document (doc ids, and paths for what was not indexed)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, why)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, note), e.g. read as Windows-1252
    chunks_written: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged",
                 f"{len(self.removed)} removed", f"{len(self.skipped)} skipped",
                 f"{self.chunks_written} chunks written"]
        lines = [", ".join(parts)]
        lines += [f"  removed {doc_id}: {why}" for doc_id, why in self.removed]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        lines += [f"  note {doc_id}: {note}" for doc_id, note in self.notes]
        return "\n".join(lines)


@dataclass
class _Pending:
    """A document chunked and waiting to be embedded and written with the next batch."""

    doc_id: str
    chunks: list[Chunk]
    texts: int


@dataclass
class DocumentState:
    """What the store holds for one document, read from its chunks' metadata."""

    doc_id: str
    source_path: str = ""
    source_location: str = ""
    content_hash: str = ""
    text_hash: str = ""
    chunking: str = ""
    chunks: int = 0
    expected_chunks: int | None = None
    consistent: bool = True

    @property
    def complete(self) -> bool:
        """All chunks written by one run for one version of the document."""
        return self.consistent and (self.expected_chunks is None or self.chunks == self.expected_chunks)


def document_states(store: ChunkStore) -> dict[str, DocumentState]:
    """doc_id -> :class:`DocumentState` of every document in the store."""
    states: dict[str, DocumentState] = {}
    for chunk_id, meta in store.chunk_metadatas().items():
        doc_id = str(meta.get("doc_id") or chunk_id.split("#")[0])
        expected = meta.get("chunk_count")
        expected = int(expected) if isinstance(expected, (int, float)) else None
        version = (str(meta.get("content_hash", "")), expected, str(meta.get("source_path", "")))
        state = states.get(doc_id)
        if state is None:
            states[doc_id] = DocumentState(
                doc_id=doc_id, source_path=version[2], source_location=str(meta.get("source_location", "")),
                content_hash=version[0], text_hash=str(meta.get("text_hash", "")),
                chunking=str(meta.get("chunking", "")), chunks=1, expected_chunks=expected)
            continue
        state.chunks += 1
        if (state.content_hash, state.expected_chunks, state.source_path) != version:
            state.consistent = False
    return states


def _reason(message: str, path: Path, location: str | None = None) -> str:
    """An error message without the path it starts with (the summary shows the path already)."""
    for prefix in ([f"{path} ({location})"] if location else []) + [str(path)]:
        if message.startswith(prefix):
            return message[len(prefix):].lstrip(" :")
    return message


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class _Run:
    """One indexing run over a store."""

    def __init__(self, store: ChunkStore, embedder: EmbedderSource, chunk_size: int, chunk_overlap: int,
                 report: IndexReport, embed_batch: int = EMBED_BATCH) -> None:
        self.store, self._embedder, self.report = store, embedder, report
        self.embed_batch = embed_batch
        self.pending: list[_Pending] = []
        self.written_callbacks: list[Callable[[], None]] = []  # called after each batch is written
        self.embedding_progress: Callable[[int, int], None] | None = None  # (texts embedded, in the batch)
        self.chunk_size, self.chunk_overlap = chunk_size, chunk_overlap
        self.chunking = f"{chunk_size}/{chunk_overlap}"
        self.states = document_states(store)
        self.claimed: dict[str, str] = {}  # doc_id -> source path, this run
        self.confirmed: set[str] = set()  # doc ids written or found unchanged this run
        self.by_text: dict[str, str] = {}  # text hash -> doc_id holding that text
        self.removals = store.removals()  # text hash -> an article removed from the library
        self.restore = False  # the file being read was given by name: its removed articles come back
        for state in sorted(self.states.values(), key=lambda s: s.doc_id):
            if state.complete and state.text_hash:
                self.by_text.setdefault(state.text_hash, state.doc_id)

    @property
    def embedder(self) -> PassageEmbedder:
        if not isinstance(self._embedder, PassageEmbedder):  # (has no embed_passages): the function that loads one
            self._embedder = self._embedder()
        return self._embedder

    # Removing -----------------------------------------------------------------------------------------------
    def remove(self, doc_id: str, why: str) -> None:
        if any(p.doc_id == doc_id for p in self.pending):
            self.flush()
        self.store.delete_document(doc_id, refresh_keywords=False)  # refreshed once, at the end of the run
        state = self.states.pop(doc_id, None)
        if state is not None and self.by_text.get(state.text_hash) == doc_id:
            del self.by_text[state.text_hash]
        self.report.removed.append((doc_id, why))

    def remove_gone(self, folders: list[Path], found: set[str]) -> None:
        """Documents indexed from ``folders`` whose file is not among ``found`` any more."""
        for doc_id, state in sorted(self.states.items()):
            source = Path(state.source_path)
            if not state.source_path or state.source_path in found or source.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue  # (records added in memory, e.g. from a benchmark's .csv, are not files of the folder)
            if any(_inside(source, folder) for folder in folders):
                self.remove(doc_id, f"{source} is gone" if not source.exists() else f"{source} is no longer indexed")

    # Adding -------------------------------------------------------------------------------------------------
    def assign_id(self, article: Article) -> str:
        """The article's doc_id, unless another existing file already has it: then the id plus a path hash."""
        source = str(article.path)
        claimed = self.claimed.get(article.doc_id)
        state = self.states.get(article.doc_id)
        if claimed is not None:
            taken = claimed != source
        else:
            taken = state is not None and state.source_path not in ("", source) and Path(state.source_path).exists()
        doc_id = article.doc_id
        if taken:
            doc_id = f"{article.doc_id}-{hashlib.sha1(source.encode('utf-8')).hexdigest()[:6]}"
        self.claimed[doc_id] = source
        return doc_id

    def _alive(self, doc_id: str) -> bool:
        state = self.states.get(doc_id)
        return state is not None and (doc_id in self.confirmed or Path(state.source_path).exists())

    def _where(self, article: Article) -> str:
        return f"{article.path}" + (f" ({article.location})" if article.location else "")

    def index_article(self, article: Article, *, check_identity: bool = True) -> str | None:
        """Index one article unless unchanged or a duplicate; its doc_id, or None when skipped."""
        if check_identity and self._removed(article):
            return None
        if check_identity:
            article = replace(article, doc_id=self.assign_id(article))
        doc_id = article.doc_id
        state = self.states.get(doc_id)
        if (state is not None and state.complete and state.content_hash == article.content_hash
                and state.chunking == self.chunking and (not check_identity or state.source_path == str(article.path))):
            self.report.unchanged.append(doc_id)
            self.confirmed.add(doc_id)
            self.by_text.setdefault(article.text_hash, doc_id)
            return doc_id
        if check_identity:
            holder = self.by_text.get(article.text_hash)
            if holder is not None and holder != doc_id:
                if self._alive(holder):
                    where = self.states[holder].source_path
                    self.report.skipped.append((self._where(article), f"duplicate of {holder} ({where})"))
                    return None
                self.remove(holder, f"{self.states[holder].source_path} is gone; the same article is now "
                                    f"indexed as {doc_id}")
        chunks = chunk_article(article, self.chunk_size, self.chunk_overlap)
        # (the same id twice in one run: the later version replaces the earlier, as when written one by one)
        self.pending = [p for p in self.pending if p.doc_id != doc_id]
        self.pending.append(_Pending(doc_id, chunks, len(chunks) + sum(len(c.sentences) for c in chunks)))
        (self.report.updated if state is not None else self.report.added).append(doc_id)
        if article.note:
            self.report.notes.append((doc_id, article.note))
        self.states[doc_id] = DocumentState(
            doc_id=doc_id, source_path=str(article.path), source_location=article.location or "",
            content_hash=article.content_hash, text_hash=article.text_hash, chunking=self.chunking,
            chunks=len(chunks), expected_chunks=len(chunks))
        self.confirmed.add(doc_id)
        self.by_text[article.text_hash] = doc_id
        if sum(p.texts for p in self.pending) >= self.embed_batch:
            self.flush()
        return doc_id

    def _removed(self, article: Article) -> bool:
        """Whether ``article`` was removed from the library and stays out (skipped, and reported); a file
        given by name brings it back."""
        removal = self.removals.get(article.text_hash)
        if removal is None:
            return False
        if self.restore:
            self.store.forget_removal(article.text_hash)
            del self.removals[article.text_hash]
            self.report.notes.append((self._where(article), f"brought back: it had been removed from the "
                                                            f"library (as {removal.doc_id})"))
            return False
        for doc_id, state in list(self.states.items()):  # (a removal recorded, then killed before the delete)
            if state.text_hash == article.text_hash and state.source_path == str(article.path):
                self.remove(doc_id, "removed from the library")
        self.report.skipped.append((self._where(article), f"removed from the library (as {removal.doc_id}); "
                                                          "index this file by name to bring it back"))
        return True

    def flush(self) -> None:
        """Embed the pending documents' chunks and sentences in one call, and write them all."""
        if not self.pending:
            return
        chunks = [c for p in self.pending for c in p.chunks]
        vectors, sentences = embed_chunks(self.embedder, chunks, self.store.sentence_vectors,
                                          progress=self.embedding_progress)
        writes, at, sentence_at = [], 0, 0
        for p in self.pending:
            n, m = len(p.chunks), sum(len(c.sentences) for c in p.chunks)
            writes.append(DocumentWrite(p.doc_id, p.chunks, vectors[at:at + n], sentences[sentence_at:sentence_at + m]))
            at, sentence_at = at + n, sentence_at + m
        # chunk metadata: hash and count, checked next run
        self.store.replace_documents(writes)
        self.report.chunks_written += sum(len(p.chunks) for p in self.pending)
        self.pending = []
        for callback in self.written_callbacks:
            callback()

    def index_file(self, path: Path, *, restore: bool = False) -> None:
        """Every article of one file; then drop what was indexed from this file and is no longer in it.
        ``restore``: the file was given by name, so articles of it removed from the library come back."""
        self.restore = restore
        produced: set[str] = set()
        items = load_articles(path)
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except Exception as exc:  # ArticleError, or a library failing on odd input: this file only
                why = _reason(str(exc), path) if isinstance(exc, ArticleError) else \
                    f"cannot be read ({type(exc).__name__}: {exc})"
                kept = any(s.source_path == str(path) for s in self.states.values())
                self.report.skipped.append((str(path), why + (" What was indexed from it before is kept."
                                                              if kept else "")))
                return
            if isinstance(item, SkippedRecord):
                where = f"{path} ({item.location})"
                self.report.skipped.append((where, _reason(item.reason, path, item.location)))
                continue
            doc_id = self.index_article(item)
            if doc_id is not None:
                produced.add(doc_id)
        if path.suffix.lower() == ".jsonl":
            why = f"no longer in {path}"
        elif produced:
            why = f"{path} is now indexed as {', '.join(sorted(produced))}"
        else:
            why = f"{path} now holds a duplicate of another article"
        for doc_id, state in sorted(self.states.items()):
            if state.source_path == str(path) and doc_id not in produced:
                self.remove(doc_id, why)


def index_articles(paths: list[Path], store: ChunkStore, embedder: EmbedderSource, *, chunk_size: int = 160,
                   chunk_overlap: int = 24, progress: bool = True, embed_batch: int = EMBED_BATCH) -> IndexReport:
    """Index every supported article file under ``paths`` into ``store`` (see the module doc)."""
    scan = scan_paths(paths)
    report = IndexReport(skipped=list(scan.skipped))
    run = _Run(store, embedder, chunk_size, chunk_overlap, report, embed_batch)
    run.remove_gone(scan.folders, {str(f) for f in scan.files})
    _index_items(run, scan.files, progress, scan.named)
    store.refresh_keyword_index()
    return report


def index_documents(documents: Sequence[Path | Article], store: ChunkStore, embedder: EmbedderSource, *,
                    chunk_size: int = 160, chunk_overlap: int = 24, progress: bool = True,
                    embed_batch: int = EMBED_BATCH) -> IndexReport:
    """Index article files or already-made :class:`Article` records (benchmarks, other sources).

    Records keep the ``doc_id`` they are given; nothing is removed.
    """
    report = IndexReport()
    named = {Path(d).resolve() for d in documents if not isinstance(d, Article)}  # files given by name
    _index_items(_Run(store, embedder, chunk_size, chunk_overlap, report, embed_batch), documents, progress, named)
    store.refresh_keyword_index()
    return report


def _index_items(run: _Run, items: Sequence[Path | Article], progress: bool,
                 named: set[Path] | frozenset[Path] = frozenset()) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(items), desc="Indexing", unit="file", disable=not progress)
    done = [0]  # items read whose documents are not all written yet

    def advance() -> None:
        bar.update(done[0])
        done[0] = 0

    run.written_callbacks.append(advance)

    def embedding(done_texts: int, total: int) -> None:  # a batch (of several files) takes ~10 s: show it move
        bar.set_postfix_str(f"embedding {done_texts}/{total} texts")

    if progress:
        run.embedding_progress = embedding
    try:
        for item in items:
            if isinstance(item, Article):
                run.index_article(item, check_identity=False)
            else:
                bar.set_postfix_str(Path(item).name[:40])
                path = Path(item).resolve()
                run.index_file(path, restore=path in named)
            done[0] += 1
            if not run.pending:
                advance()
        run.flush()
        advance()
    finally:
        bar.close()
