"""Split an article into sentence-aware chunks with stable ids."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from index.articles import Article
from index.sentences import split_sentences


@dataclass(frozen=True)
class Chunk:
    """A passage of one article. ``id`` is ``<doc_id>#<position>``: the same text always gets the same id."""

    id: str
    doc_id: str
    position: int
    text: str
    metadata: dict[str, str | int] = field(default_factory=dict)
    #: The chunk's sentences, embedded and stored one by one for sentence-level evidence.
    sentences: tuple[str, ...] = ()


def chunk_id(doc_id: str, position: int) -> str:
    return f"{doc_id}#{position:04d}"


def date_number(iso_date: str | None) -> int:
    """``"2023-09-17"`` -> ``20230917`` (0 when unknown): a number Chroma can filter by range."""
    digits = (iso_date or "").replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: Characters of a chunk's start and end looked up in its pages.
PAGE_PROBE_CHARS = 48


class PageFinder:
    """The pages of a paged document (a PDF) a passage of it lies on, found by its words.

    The article text is unwrapped and cleaned, so a passage is looked up with only its letters and
    digits (line breaks, hyphens and spaces differ), its start from where the previous passage
    started; a passage not found has no page.
    """

    def __init__(self, pages: tuple[str, ...]) -> None:
        squeezed = [_NOT_WORD.sub("", page).lower() for page in pages]
        self.starts = [0]
        for page in squeezed:
            self.starts.append(self.starts[-1] + len(page))
        self.text = "".join(squeezed)
        self._from = 0

    def _page(self, at: int) -> int:
        return bisect_right(self.starts, at)  # 1-based: the page whose span holds ``at``

    def span(self, passage: str) -> tuple[int, int]:
        """(first page, last page) of ``passage``, 1-based; (0, 0) when it is not found."""
        words = _NOT_WORD.sub("", passage).lower()
        if not words or not self.text:
            return 0, 0
        head, tail = words[:PAGE_PROBE_CHARS], words[-PAGE_PROBE_CHARS:]
        start = self.text.find(head, self._from)
        if start < 0:
            start = self.text.find(head)
        if start < 0:
            return 0, 0
        self._from = start
        end = self.text.find(tail, start)
        last = end + len(tail) - 1 if end >= 0 else start
        return self._page(start), self._page(last)


#: Chunks of about this many tokens, each sharing this many with the one before (``TANYA_CHUNK_SIZE``, ``_OVERLAP``).
CHUNK_SIZE = 160
CHUNK_OVERLAP = 24


def chunk_article(article: Article, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """Sentence-aware chunks of about ``chunk_size`` tokens that never cut a sentence unless it is longer."""
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        paragraph_separator="\n\n",
    )
    texts = [t.strip() for t in splitter.split_text(article.text) if t.strip()]
    base: dict[str, str | int] = {
        "doc_id": article.doc_id,
        "title": article.title,
        "publisher": article.publisher or "",
        "date": article.date or "",
        "date_num": date_number(article.date),
        "date_text": article.date_text or "",
        "url": article.url or "",
        "source_path": str(article.path),
        "source_location": article.location or "",
        "content_hash": article.content_hash,
        "text_hash": article.text_hash,
        "chunk_count": len(texts),  # lets a half-written article (indexing killed mid-way) be detected
        "chunking": f"{chunk_size}/{chunk_overlap}",
    }
    pages = PageFinder(article.pages) if article.pages else None
    chunks = []
    for i, text in enumerate(texts):
        metadata = {**base, "position": i}
        if pages is not None:  # "page"/"page_end": 1-based, 0 when the passage was not found on a page
            metadata["page"], metadata["page_end"] = pages.span(text)
        chunks.append(Chunk(id=chunk_id(article.doc_id, i), doc_id=article.doc_id, position=i, text=text,
                            metadata=metadata, sentences=tuple(split_sentences(text))))
    return chunks
