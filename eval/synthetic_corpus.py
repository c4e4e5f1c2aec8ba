"""A synthetic news corpus of exactly N chunks, recombined from real benchmark passages.

Each article is 3 to 6 distinct passages (FacQA news snippets and IDK-MRC Wikipedia
paragraphs, see ../shared/benchmarks) joined as paragraphs, so chunking works as on
real articles: chunks span passage boundaries and overlap. Deterministic: the same
passages, size and seed always give the same corpus. The chunk count is exact: each
article is read and chunked by the real indexing code (``article_from_record``,
``chunk_article``) while the corpus is made, and the last chunks are filled with
one-passage articles of one chunk each.

The corpus is written as JSONL files (``corpus-000.jsonl``, ...) that `tanya index`
reads like any other.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from index.articles import article_from_record
from index.chunking import chunk_article
from index.readers import RawRecord

PUBLISHERS = ("Kompas.com", "Detik.com", "Tempo.co", "Antara", "Bisnis.com", "CNN Indonesia", "Republika")
#: Articles per JSONL file.
FILE_ARTICLES = 1000
MIN_PASSAGES, MAX_PASSAGES = 3, 6


@dataclass(frozen=True)
class SyntheticArticle:
    """One JSONL line: an article of several passages, and how many chunks the indexer makes of it."""

    url: str
    title: str
    text: str
    publisher: str
    date: str
    chunks: int

    def to_json(self) -> str:
        return json.dumps({"url": self.url, "title": self.title, "text": self.text, "publisher": self.publisher,
                           "date": self.date}, ensure_ascii=False)


def benchmark_passages(root: Path) -> list[str]:
    """Every distinct FacQA passage (all splits) and IDK-MRC paragraph (valid, test), in a fixed order."""
    from eval.benchmarks import facqa_articles

    facqa = root / "facqa"
    idk = root / "idk_mrc"
    if not facqa.is_dir() or not idk.is_dir():
        raise FileNotFoundError(f"{root} must hold facqa/ and idk_mrc/ (see eval/README.md, External benchmarks): "
                                "pass --data with that folder.")
    texts = [a.text for a in facqa_articles(facqa)]
    for split in ("valid", "test"):
        texts += [para["context"] for para in json.loads((idk / f"{split}.json").read_text(encoding="utf-8"))]
    seen: set[str] = set()
    passages = []
    for text in (" ".join(t.split()) for t in texts):
        if text and text not in seen:
            seen.add(text)
            passages.append(text)
    return passages


def _title(first_passage: str) -> str:
    words = first_passage.split()[:10]
    return " ".join(words).rstrip(".,;:")


def _article(number: int, passages: list[str], rng: random.Random, chunk_size: int, chunk_overlap: int
             ) -> SyntheticArticle:
    url = f"https://berita.contoh/{number:07d}"
    title = _title(passages[0])
    text = "\n\n".join(passages)
    publisher = PUBLISHERS[rng.randrange(len(PUBLISHERS))]
    day = (date(2023, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
    record = RawRecord(text=text, key=str(number), title=title, url=url, publisher=publisher, date=day)
    article = article_from_record(record, Path("corpus.jsonl"), f"corpus-{number}")
    chunks = len(chunk_article(article, chunk_size, chunk_overlap))
    return SyntheticArticle(url=url, title=title, text=text, publisher=publisher, date=day, chunks=chunks)


def build_corpus(passages: list[str], n_chunks: int, *, seed: int = 7, chunk_size: int = 160,
                 chunk_overlap: int = 24) -> list[SyntheticArticle]:
    """Articles that the indexer cuts into exactly ``n_chunks`` chunks (with these chunk settings)."""
    if n_chunks < 1:
        raise ValueError("n_chunks must be at least 1")
    if len(passages) < MAX_PASSAGES:
        raise ValueError(f"need at least {MAX_PASSAGES} passages to recombine, got {len(passages)}")
    rng = random.Random(seed)
    articles: list[SyntheticArticle] = []
    texts: set[str] = set()  # no two articles alike: the indexer would skip the second as a duplicate
    total = 0
    while n_chunks - total > 2 * MAX_PASSAGES:
        picked = rng.sample(passages, rng.randint(MIN_PASSAGES, MAX_PASSAGES))
        article = _article(len(articles), picked, rng, chunk_size, chunk_overlap)
        if article.text in texts or total + article.chunks > n_chunks:
            continue
        texts.add(article.text)
        articles.append(article)
        total += article.chunks
    # The last few chunks: one-passage articles that make one chunk each, no passage used twice.
    for passage in passages:
        if total == n_chunks:
            break
        article = _article(len(articles), [passage], rng, chunk_size, chunk_overlap)
        if article.chunks != 1 or article.text in texts:
            continue
        texts.add(article.text)
        articles.append(article)
        total += 1
    if total != n_chunks:
        raise ValueError(f"could not make exactly {n_chunks} chunks from {len(passages)} passages "
                         f"(made {total}): give more passages.")
    return articles


def write_corpus(articles: list[SyntheticArticle], folder: Path) -> list[Path]:
    """The articles as JSONL files of :data:`FILE_ARTICLES` lines each in ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for start in range(0, len(articles), FILE_ARTICLES):
        path = folder / f"corpus-{start // FILE_ARTICLES:03d}.jsonl"
        path.write_text("".join(a.to_json() + "\n" for a in articles[start:start + FILE_ARTICLES]), encoding="utf-8")
        paths.append(path)
    return paths
