"""The BM25 keyword index over the stored chunks' texts, and its copy saved beside the store.

The store owns it: ``ChunkStore.keyword_index()`` gives the index current with the chunks (the
one it holds, else the saved one, else one built and saved), and the write path keeps the saved
one current (``ChunkStore.refresh_keyword_index()``, at the end of an indexing run and after a
document is removed). This module holds the index itself (:class:`BM25Index`) and its saved copy
(:class:`SavedKeywordIndex`); it knows nothing of Chroma.

Building it tokenises and stems every chunk (at 100,000 chunks: 13-16 s and ~+630 MB of
RAM), so it is built once and saved with bm25s's own format plus the chunk ids, in the folder
the store names (``ChunkStore.keyword_dir``: ``<index folder>/bm25/<collection>/``). A saved
index records the store's *generation* (``ChunkStore.generation()``, a token every write through
any ChunkStore replaces, in any process): it is loaded only while the store still has that
generation and the same number of chunks, and only when every file's checksum (in the meta file)
still matches: a file changed in place (ids or scores permuted) would otherwise change results
silently. Its arrays are memory-mapped, not read into RAM.

Saving is atomic: the files are written to a hidden folder beside the target, which then takes
the target's place by renaming, so a process killed while saving leaves the previous index or
none, never half of one. A saved index that cannot be read is ignored with a warning, built
again and overwritten. An index built while a write was under way (its generation says so)
is used but never saved: it may hold part of that write.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from index.store import settled

log = logging.getLogger("tanya.retrieval")

# Common Indonesian function words, left out of the BM25 index.
INDONESIAN_STOPWORDS = sorted({
    "ada", "adalah", "agar", "akan", "aku", "anda", "apa", "apakah", "atau", "bagaimana", "bahwa", "banyak", "bagi",
    "baru", "begitu", "belum", "berapa", "bila", "bisa", "dalam", "dan", "dari", "dengan", "di", "dia", "ia", "ini",
    "itu", "jadi", "jika", "juga", "kah", "kalau", "kami", "kamu", "kan", "karena", "ke", "kenapa", "ketika",
    "kita", "lagi", "lah", "lain", "maka", "mana", "masih", "mengapa", "mereka", "meski", "namun", "oleh", "pada",
    "para", "pun", "saat", "saja", "sama", "sangat", "satu", "se", "sebagai", "sebuah", "sedang", "sejak",
    "sekitar", "selama", "semua", "seperti", "serta", "siapa", "sini", "situ", "sudah", "supaya", "tak", "tapi",
    "telah", "tentang", "tersebut", "tetapi", "tidak", "untuk", "yaitu", "yakni", "yang", "nya", "kapan", "dimana",
})
STEMMER = "indonesian"

#: What a saved index is: bump it when the files or their meaning change, and older ones are rebuilt.
#: 2: the meta file holds a checksum of every file, checked on loading.
SAVED_FORMAT = 2
META_FILE = "keyword-index.json"  # written last
IDS_FILE = "ids.npy"
#: A hidden partial save older than this was left by a killed process and is deleted.
STALE_PARTIAL_S = 3600
#: What reading a damaged saved index raises (numpy, json and bm25s report damage with these).
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError)


def tokenizer_key() -> str:
    """Everything that decides a saved index's content besides the chunks: an index saved with other
    stopwords, stemmer or bm25s version is rebuilt, not loaded."""
    import bm25s

    spec = {"stemmer": STEMMER, "stopwords": INDONESIAN_STOPWORDS, "bm25s": bm25s.__version__,
            "k1": 1.5, "b": 0.75, "method": "lucene"}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()[:16]


class BM25Index:
    """BM25 (bm25s, Lucene's formula, k1=1.5, b=0.75) over the stored chunks' texts, with the Indonesian
    Snowball stemmer and stopwords: the same scores as llama-index's ``BM25Retriever`` with those settings.

    Built from the chunk texts alone (no metadata held; :meth:`build`) or read back from a folder it was
    written to (:meth:`write`, :meth:`read`); a search scores every chunk with sparse-matrix arithmetic
    and keeps the best ``k``: the cost per query grows with the chunks that share a word with the
    question, not with Python objects per chunk.
    """

    def __init__(self, ids: Sequence[str] | np.ndarray, bm25: Any | None, generation: str = "") -> None:
        import Stemmer

        self._ids = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids), dtype=str)
        self.size = len(self._ids)
        #: The store's generation it was built from ("" when unknown).
        self.generation = generation
        self._bm25 = bm25
        self._stemmer = Stemmer.Stemmer(STEMMER)

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], generation: str = "") -> BM25Index:
        """Tokenise, stem and index ``texts`` (one per id)."""
        import bm25s
        import Stemmer

        if len(ids) != len(texts):
            raise ValueError(f"one text per id: {len(ids)} ids, {len(texts)} texts")
        bm25 = None
        if len(ids):
            tokens = bm25s.tokenize(list(texts), stopwords=INDONESIAN_STOPWORDS, stemmer=Stemmer.Stemmer(STEMMER),
                                    show_progress=False)
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        return cls(ids, bm25, generation)

    @cached_property
    def _position(self) -> dict[str, int]:
        """Chunk id -> row, made on first use (a filtered search or :meth:`scores`)."""
        return {str(chunk_id): n for n, chunk_id in enumerate(self._ids)}

    def _scores(self, query: str) -> np.ndarray | None:
        """Every chunk's score for ``query``, in row order; None when no word of it is indexed."""
        import bm25s

        if self._bm25 is None:
            return None
        tokens = bm25s.tokenize(query, stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        token_ids = self._bm25.get_tokens_ids(tokens)
        return self._bm25.get_scores_from_ids(token_ids) if token_ids else None

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The ids of the ``k`` best chunks (positive scores only) with their scores, best first."""
        scores = self._scores(query)
        if scores is None:
            return []
        if allowed is not None:
            mask = np.zeros(self.size, dtype=bool)
            mask[[self._position[i] for i in allowed if i in self._position]] = True
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        best = sorted(candidates, key=lambda n: (-scores[n], n))
        return [(str(self._ids[n]), float(scores[n])) for n in best]

    def scores(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """The score of each of ``ids`` for ``query`` (0 for an id it does not hold or no word shared)."""
        out = np.zeros(len(ids), dtype=np.float64)
        scores = self._scores(query) if len(ids) else None
        if scores is not None:
            for n, chunk_id in enumerate(ids):
                row = self._position.get(chunk_id)
                if row is not None:
                    out[n] = scores[row]
        return out

    # On disk ------------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return {"format": SAVED_FORMAT, "tokenizer": tokenizer_key(), "generation": self.generation,
                "size": self.size}

    def write(self, folder: Path) -> None:
        """Write the index into ``folder`` (new or empty): bm25s's files, the ids, and last the meta file
        with the checksum of each of them."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(folder, show_progress=False)
        np.save(folder / IDS_FILE, self._ids, allow_pickle=False)
        meta = {**self.meta(), "checksums": checksums(folder)}
        (folder / META_FILE).write_text(json.dumps(meta) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path, meta: dict[str, Any], *, mmap: bool = True) -> BM25Index:
        """The index written into ``folder`` with this meta; its arrays memory-mapped unless ``mmap`` is False.

        Raises one of :data:`READ_ERRORS` when the files are missing, damaged or do not fit together.
        """
        import bm25s

        _check_files(folder, meta)
        size = int(meta["size"])
        ids = np.load(folder / IDS_FILE, mmap_mode="r" if mmap else None, allow_pickle=False)
        if ids.ndim != 1 or len(ids) != size or ids.dtype.kind != "U":
            raise ValueError(f"{IDS_FILE} holds {ids.shape} {ids.dtype}, not {size} ids")
        bm25 = None
        if size:
            bm25 = bm25s.BM25.load(folder, mmap=mmap, show_progress=False)
            _check_scores(bm25, size)
        return cls(ids, bm25, str(meta["generation"]))


def checksums(folder: Path) -> dict[str, str]:
    """File name -> SHA-256 of every file of a saved index but its meta file (~0.1 s per 100 MB)."""
    sums: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.name == META_FILE or not path.is_file():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        sums[path.name] = digest.hexdigest()
    return sums


def _check_files(folder: Path, meta: dict[str, Any]) -> None:
    """That the files are the ones saved: a file changed in place (ids or scores permuted, a value changed)
    keeps its shape and would pass every other check, silently changing results."""
    expected = meta.get("checksums")
    if not isinstance(expected, dict) or not expected:
        raise ValueError("the meta file holds no checksums")
    found = checksums(folder)
    changed = sorted(name for name in set(expected) | set(found) if expected.get(name) != found.get(name))
    if changed:
        raise ValueError(f"the checksum of {', '.join(changed)} does not match what was saved")


def _check_scores(bm25: Any, size: int) -> None:
    """That bm25s's arrays fit together and with the ids (a truncated or mixed-up save does not)."""
    scores = bm25.scores
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    if scores["num_docs"] != size:
        raise ValueError(f"the scores are of {scores['num_docs']} chunks, not {size}")
    if len(data) != len(indices) or int(indptr[-1]) != len(data):
        raise ValueError("the score arrays do not fit together")
    words = len(indptr) - 1  # bm25s adds the empty word to the vocabulary after the scores: it has no column
    if max((n for word, n in bm25.vocab_dict.items() if word), default=-1) >= words:
        raise ValueError("the vocabulary names words that have no scores")
    if len(indices) and int(np.max(indices)) >= size:
        raise ValueError("the scores name chunks that are not there")


@dataclass(frozen=True)
class SavedKeywordIndex:
    """The keyword index saved in ``folder`` (see the module's docstring)."""

    folder: Path

    def _meta(self) -> dict[str, Any] | None:
        """The saved meta file, or None when nothing is saved (or it is unreadable: a warning)."""
        try:
            meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("The saved keyword index in %s is unreadable (%s): it is built again.", self.folder, exc)
            return None
        return meta if isinstance(meta, dict) else None

    @staticmethod
    def _fits(meta: dict[str, Any], generation: str) -> bool:
        return (meta.get("format") == SAVED_FORMAT and meta.get("tokenizer") == tokenizer_key()
                and meta.get("generation") == generation and settled(generation))

    def is_current(self, generation: str) -> bool:
        """Whether the saved index was built from the store at ``generation`` (its meta file alone is read)."""
        meta = self._meta()
        return meta is not None and self._fits(meta, generation)

    def load(self, generation: str) -> BM25Index | None:
        """The saved index if it was built from the store at ``generation``; None when there is none, it is
        stale, or it cannot be read (a warning: it is then built again and overwritten)."""
        meta = self._meta()
        if meta is None or not self._fits(meta, generation):
            return None
        try:
            return BM25Index.read(self.folder, meta)
        except READ_ERRORS as exc:
            log.warning("The saved keyword index in %s is damaged (%s: %s): it is built again.",
                        self.folder, type(exc).__name__, exc)
            return None

    def save(self, index: BM25Index) -> bool:
        """Save ``index`` in place of what is saved, atomically; False (and a warning) when it cannot be."""
        parent = self.folder.parent
        partial = parent / f".{self.folder.name}.partial-{uuid.uuid4().hex}"
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._sweep()
            index.write(partial)
            self._swap_in(partial)
            return True
        except OSError as exc:
            log.warning("Cannot save the keyword index in %s (%s): the next process builds it again. "
                        "Check that the folder is writable and the disk not full.", self.folder, exc)
            shutil.rmtree(partial, ignore_errors=True)
            return False

    def _swap_in(self, partial: Path) -> None:
        """Put the complete ``partial`` folder where the saved index is, replacing it."""
        aside = self.folder.parent / f".{self.folder.name}.old-{uuid.uuid4().hex}"
        old: Path | None = aside
        try:
            os.rename(self.folder, aside)
        except FileNotFoundError:
            old = None
        try:
            os.rename(partial, self.folder)
        except OSError:
            if not self.folder.is_dir():
                raise
            shutil.rmtree(partial, ignore_errors=True)  # another process saved one meanwhile: keep that one
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)  # a process that has it memory-mapped keeps reading it

    def _sweep(self) -> None:
        """Delete what killed processes left: replaced folders, and partial saves older than an hour."""
        for leftover in self.folder.parent.glob(f".{self.folder.name}.*-*"):
            try:
                stale = ".old-" in leftover.name or time.time() - leftover.stat().st_mtime > STALE_PARTIAL_S
            except OSError:
                continue
            if stale:
                shutil.rmtree(leftover, ignore_errors=True)
