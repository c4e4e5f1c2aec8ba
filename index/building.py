"""Index article files: read, clean, chunk, embed and store, with a progress bar.

Idempotent: an article whose content hash is already in the store is skipped, a
changed one is replaced in place, so running it twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.articles import Article, find_article_files, load_article
from index.chunking import chunk_article
from index.embedding import Embedder
from index.errors import ArticleError
from index.store import ChunkStore


@dataclass
class IndexReport:
    """What one indexing run did, article by article."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks_written: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged",
                 f"{len(self.skipped)} skipped", f"{self.chunks_written} chunks written"]
        lines = [", ".join(parts)]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def index_articles(paths: list[Path], store: ChunkStore, embedder: Embedder, *, chunk_size: int = 160,
                   chunk_overlap: int = 24, progress: bool = True) -> IndexReport:
    """Index every supported article file under ``paths`` into ``store``."""
    return index_documents(find_article_files(paths), store, embedder, chunk_size=chunk_size,
                           chunk_overlap=chunk_overlap, progress=progress)


def index_documents(documents: list[Path | Article], store: ChunkStore, embedder: Embedder, *,
                    chunk_size: int = 160, chunk_overlap: int = 24, progress: bool = True) -> IndexReport:
    """Index article files or already-made :class:`Article` records (benchmarks, other sources)."""
    from tqdm import tqdm

    report = IndexReport()
    known = store.document_hashes()
    bar = tqdm(documents, desc="Indexing", unit="article", disable=not progress)
    for item in bar:
        if isinstance(item, Article):
            article = item
        else:
            bar.set_postfix_str(item.name[:40])
            try:
                article = load_article(item)
            except ArticleError as exc:
                report.skipped.append((str(item), str(exc)))
                continue
        previous = known.get(article.doc_id)
        if previous == article.content_hash:
            report.unchanged.append(article.doc_id)
            continue
        chunks = chunk_article(article, chunk_size, chunk_overlap)
        sentences = [s for c in chunks for s in c.sentences]
        embeddings = embedder.embed_passages([c.text for c in chunks] + sentences)
        store.replace_document(article.doc_id, chunks, embeddings[:len(chunks)], embeddings[len(chunks):])
        report.chunks_written += len(chunks)
        (report.updated if previous is not None else report.added).append(article.doc_id)
        known[article.doc_id] = article.content_hash
    return report
