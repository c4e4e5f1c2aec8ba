"""The chunk store: Chroma collections (embedded on disk, or a Chroma server).

Two collections: the chunks, and the chunks' sentences (``<collection>-sentences``),
each embedded on its own so that retrieval can score sentences as well as chunks.

Embeddings are always passed in, never computed by Chroma (which would try to
download a model). An on-disk index carries a marker file naming the embedding
model it was built with, so that a folder that is not ours, or an index built
with another model, is refused with a clear message instead of being damaged.

The chunk collection's metadata carries a *generation*: a random token that every
write through a :class:`ChunkStore` replaces, in whatever process it runs, before
it writes (``writing-...``) and again after (``done-...``). It is the one test of
freshness: a keyword index built from the chunks records the generation it saw,
so that any process can tell with one cheap call whether it is still current.

The store owns the BM25 keyword index of its chunks (``index/keyword_index.py``):
:meth:`ChunkStore.keyword_index` gives the one current with the chunks, and the
write path keeps the saved copy current (:meth:`ChunkStore.refresh_keyword_index`,
at the end of an indexing run and after :meth:`ChunkStore.delete_document`), so
that the next process loads it instead of building it. Keyword indexes are saved
under the index folder, in ``bm25/<collection>/`` (for a Chroma server: under a
local cache folder, one per server and collection); ``reset`` deletes the collection's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from index.chunking import Chunk
from index.errors import IndexDirectoryError, IndexWriteError, StoreUnavailableError
from index.sentence_vectors import DEFAULT_SENTENCE_VECTORS, SentenceVectors

if TYPE_CHECKING:
    from index.keyword_index import BM25Index

MARKER = "tanya-index.json"
#: Key of the marker and of the collections' metadata saying how the sentence vectors were made
#: (index/sentence_vectors.py); an index without it made them "separate".
SENTENCE_VECTORS_KEY = "sentence_vectors"
#: 2: sentences stored and embedded beside the chunks.
FORMAT_VERSION = 2
SENTENCES_SUFFIX = "-sentences"
#: The collection recording the articles removed from the library (:class:`Removal`), one row per text.
REMOVED_SUFFIX = "-removed"
#: Folder of the index folder holding the saved keyword indexes, one subfolder per collection.
KEYWORD_DIR = "bm25"
#: Key of the chunk collection's metadata holding its generation (see the module's docstring).
GENERATION_KEY = "generation"
WRITING_PREFIX = "writing-"
#: Most rows (or ids) asked of Chroma in one get(): see :meth:`ChunkStore._get`. chromadb 1.5.9's local
#: store binds one SQLite variable per row it returns with its metadata and one per id asked for, and
#: SQLite takes at most 32,766 in a statement: a get() of 32,767 rows with their metadata, or of 32,764
#: ids, fails with "too many SQL variables". Reading ids alone, or texts alone, binds none per row.
READ_PAGE = 10_000


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store, with its similarity to the query when there was one."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0

    @property
    def doc_id(self) -> str:
        return str(self.metadata.get("doc_id", self.id.split("#")[0]))


@dataclass(frozen=True)
class StoredSentence:
    """One sentence of a stored chunk; ``score`` is its similarity to the query when there was one."""

    id: str  # <chunk_id>/<n>
    chunk_id: str
    index: int  # position in its chunk
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class DocumentWrite:
    """One document's chunks and their embeddings, to be written by :meth:`ChunkStore.replace_documents`."""

    doc_id: str
    chunks: list[Chunk]
    embeddings: np.ndarray  # one row per chunk
    sentence_embeddings: np.ndarray | None  # one row per sentence of the chunks, in order


@dataclass(frozen=True)
class Removal:
    """An article removed from the library: its text (by hash) is not indexed again from a folder."""

    text_hash: str
    doc_id: str
    title: str = ""
    source_path: str = ""
    source_location: str = ""


def sentence_id(chunk_id: str, index: int) -> str:
    return f"{chunk_id}/{index:02d}"


def _rebuild_hint(location: object) -> str:
    return f"The index at {location} was built by an older version of Tanya Berita: run `tanya index --rebuild`."


def new_generation(writing: bool = False) -> str:
    """A generation token no other write ever had; ``writing`` marks one set while a write is under way."""
    return (WRITING_PREFIX if writing else "done-") + uuid.uuid4().hex


def settled(generation: str) -> bool:
    """Whether ``generation`` was set after a write had finished (not while one was under way)."""
    return not generation.startswith(WRITING_PREFIX)


def keyword_folder(*, path: Path | None = None, url: str | None = None, collection: str,
                   cache: Path | None = None) -> Path | None:
    """Where the keyword index of ``collection`` is saved: in the index folder at ``path``, or for the
    Chroma server at ``url`` in ``cache`` under a name of the server and collection (None: not saved)."""
    if url:
        if cache is None:
            return None
        key = hashlib.sha256(f"{url.rstrip('/')}\n{collection}".encode()).hexdigest()[:16]
        return cache / f"{collection}-{key}"
    assert path is not None
    return path / KEYWORD_DIR / collection


#: How to get back the model an index was built with (the name it records: see rag.Settings.embed_model_name).
_MODEL_BACK = ("set TANYA_EMBED_MODEL back (with an embedding server, TANYA_EMBED_API_MODEL, the name the index "
               "records; unset TANYA_EMBED_BASE_URL to embed on this machine).")


def _write_marker(path: Path, embed_model: str, sentence_vectors: str) -> None:
    record = {"format": FORMAT_VERSION, "embed_model": embed_model, SENTENCE_VECTORS_KEY: sentence_vectors}
    (path / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _sentence_vectors_mismatch(location: object, recorded: object, wanted: str) -> IndexDirectoryError:
    return IndexDirectoryError(
        f"The index at {location} holds sentence vectors made {recorded!r}, not {wanted!r} (TANYA_SENTENCE_VECTORS): "
        f"run `tanya index --rebuild` to make them {wanted!r}, or set TANYA_SENTENCE_VECTORS={recorded} back.")


def _check_marker(path: Path, embed_model: str, reset: bool,
                  sentence_vectors: str = DEFAULT_SENTENCE_VECTORS) -> bool:
    """Whether ``path`` is ours (creating it if new); raises when it is someone else's or stale.

    Returns True when the folder must be emptied of its collections (``reset``)."""
    marker = path / MARKER
    if marker.is_file():
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexDirectoryError(f"{marker} is unreadable ({exc}); delete {path} "
                                      "and run `tanya index` again.") from None
        if reset:
            _write_marker(path, embed_model, sentence_vectors)
            return True
        if info.get("format") != FORMAT_VERSION:
            raise IndexDirectoryError(_rebuild_hint(path))
        if info.get("embed_model") != embed_model:
            raise IndexDirectoryError(
                f"The index in {path} was built with embedding model {info.get('embed_model')!r}, "
                f"not {embed_model!r}: run `tanya index --rebuild`, or {_MODEL_BACK}"
            )
        recorded = info.get(SENTENCE_VECTORS_KEY, DEFAULT_SENTENCE_VECTORS)
        if recorded != sentence_vectors:
            raise _sentence_vectors_mismatch(path, recorded, sentence_vectors)
        return False
    if path.exists() and any(path.iterdir()):
        raise IndexDirectoryError(
            f"{path} is not empty and is not a Tanya Berita index (no {MARKER}); nothing was changed. "
            "Point TANYA_HOME at another folder, or empty this one."
        )
    path.mkdir(parents=True, exist_ok=True)
    _write_marker(path, embed_model, sentence_vectors)
    return False


_SERVER_HINT = ("Start the server (`chroma run --path DIR --port PORT`) and check TANYA_CHROMA_URL, or unset "
                "TANYA_CHROMA_URL to keep the index on this machine.")


def _unanswered(exc: BaseException) -> bool:
    """Did the Chroma server fail to answer at all (refused, dropped, timed out)? chromadb sometimes
    raises its own error from httpx's (``HttpClient()``: "Could not connect to a Chroma server")."""
    import httpx

    seen: BaseException | None = exc
    for _ in range(10):  # the chain of causes, not an endless one
        if seen is None:
            break
        if isinstance(seen, httpx.TransportError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _ServerCalls:
    """A Chroma server's client or collection whose calls raise :class:`StoreUnavailableError`
    when the server does not answer (it stopped while we were using it), not httpx's errors."""

    def __init__(self, target: Any, url: str) -> None:
        self._target, self._url = target, url

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except Exception as exc:
                if not _unanswered(exc):
                    raise
                raise StoreUnavailableError(f"The Chroma server at {self._url} stopped answering ({exc}). "
                                            f"{_SERVER_HINT}") from exc

        return call


_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

#: How SQLite (under chromadb) and the operating system say that the disk is full.
_DISK_FULL = ("database or disk is full", "no space left on device", "disk quota exceeded")


def _disk_full(exc: BaseException) -> bool:
    """Did a write fail because the disk is full? chromadb raises its InternalError with SQLite's words."""
    import errno

    seen: BaseException | None = exc
    for _ in range(10):  # the chain of causes, not an endless one
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(words in str(seen).lower() for words in _DISK_FULL):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _full_error(location: str, exc: BaseException) -> IndexWriteError:
    return IndexWriteError(
        f"The disk holding the index at {location} is full: writing to it failed ({type(exc).__name__}: {exc}). "
        "Nothing already indexed is lost: the articles written before stay in the index, and what was being "
        "written when the disk filled up is redone by the next run. Free some space on that disk, then run "
        "`tanya index` (or add the files) again.")


def _server_calls(target: _T, url: str) -> _T:
    """``target`` behind :class:`_ServerCalls`, which forwards every attribute: the same interface."""
    return cast(_T, _ServerCalls(target, url))


#: How often a read that failed on another process's write is retried after opening the folder anew.
STALE_READ_TRIES = 5


def _fresh_read(method: _F) -> _F:
    """A read of an embedded store that another process's write can break mid-way (chromadb's in-memory
    vector index no longer matches the rows: "Error finding id"): when the stored generation moved since
    this process last looked, the folder is opened anew (:meth:`ChunkStore._current`) and the read done
    again, a few times while the write is still under way. Any other failure is raised as it came."""

    @functools.wraps(method)
    def read(self: ChunkStore, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(STALE_READ_TRIES):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if self._path is None or attempt == STALE_READ_TRIES - 1 or not _chroma_error(exc):
                    raise
                if self._stored_generation() == self._seen:
                    raise  # nothing was written meanwhile: not a stale index
                time.sleep(0.05 * attempt)
                self._current()
        raise AssertionError("unreachable")  # pragma: no cover

    return cast(_F, read)


def _chroma_error(exc: BaseException) -> bool:
    from chromadb.errors import ChromaError

    return isinstance(exc, ChromaError)



class ChunkStore:
    """Chunks, their sentences and the embeddings of both, in two Chroma collections."""

    def __init__(self, collection: Any, sentences: Any, location: str, *, client: Any,
                 keyword_dir: Path | None = None, path: Path | None = None,
                 sentence_vectors: SentenceVectors = DEFAULT_SENTENCE_VECTORS) -> None:
        self._collection = collection
        #: How this index's sentence vectors are made, and must go on being made (index/sentence_vectors.py).
        self.sentence_vectors: SentenceVectors = sentence_vectors
        self._sentences = sentences
        self._client = client
        self.location = location
        #: The folder of an embedded store (None: a Chroma server, which other processes' writes reach).
        self._path = path
        #: The generation this process last saw or wrote: another one in the store means another process
        #: wrote since (see :meth:`_current`).
        self._seen = self._stored_generation() if path is not None else ""
        self._reopen_lock = threading.Lock()
        #: Where the keyword index built from these chunks is saved (None: nowhere, rebuilt by each process).
        self.keyword_dir = keyword_dir
        #: The keyword index this object last loaded or built (see :meth:`keyword_index`), and the lock that
        #: makes it one load or build at a time, however many questions wait for it.
        self._keyword: BM25Index | None = None
        self._keyword_lock = threading.Lock()

    # Opening ---------------------------------------------------------------
    @classmethod
    def open(cls, *, path: Path | None = None, url: str | None = None, collection: str = "articles",
             embed_model: str, reset: bool = False, keyword_cache: Path | None = None,
             sentence_vectors: SentenceVectors = DEFAULT_SENTENCE_VECTORS) -> ChunkStore:
        """Open (creating if needed) the store on disk at ``path`` or on the Chroma server at ``url``.

        ``sentence_vectors`` is how its sentence vectors are made: a store holding vectors made the other way
        is refused (IndexDirectoryError, saying to rebuild), unless ``reset``.

        ``reset`` drops everything stored first (``tanya index --rebuild``), the saved keyword index
        included. ``keyword_cache`` is the local folder where keyword indexes of a server's collections
        are saved (an on-disk store keeps its own in its folder).
        """
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                https = parsed.scheme == "https"
                client = chromadb.HttpClient(host=parsed.hostname or "localhost",
                                             port=parsed.port or (443 if https else 8000), ssl=https,
                                             settings=chroma_settings)
                location = url
            else:
                assert path is not None
                reset = _check_marker(path, embed_model, reset, sentence_vectors)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
                location = str(path)
            names = (collection, collection + SENTENCES_SUFFIX)
            keyword_dir = keyword_folder(path=path, url=url, collection=collection, cache=keyword_cache)
            if reset:
                existing = {getattr(c, "name", c) for c in client.list_collections()}
                for name in names:
                    if name in existing:
                        client.delete_collection(name)
                if keyword_dir is not None:
                    shutil.rmtree(keyword_dir, ignore_errors=True)
            # The metadata is used only when a collection is created: an existing one keeps its own.
            metadata = {"embed_model": embed_model, "format": FORMAT_VERSION, SENTENCE_VECTORS_KEY: sentence_vectors}
            col, sentences = (client.get_or_create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={**metadata, GENERATION_KEY: new_generation()} if name == collection else metadata,
            ) for name in names)
        except IndexDirectoryError:
            raise
        except Exception as exc:
            if url:
                error = StoreUnavailableError if _unanswered(exc) else IndexDirectoryError
                raise error(f"Cannot open the index on the Chroma server at {url} ({exc}). "
                            f"{_SERVER_HINT}") from exc
            raise IndexDirectoryError(f"Cannot open the index at {path}: {exc}") from exc
        if url:
            col, sentences, client = _server_calls(col, url), _server_calls(sentences, url), _server_calls(client, url)
        stored_model = (col.metadata or {}).get("embed_model")
        if stored_model and stored_model != embed_model:
            raise IndexDirectoryError(
                f"Collection {collection!r} at {location} holds embeddings of {stored_model!r}, not {embed_model!r}: "
                f"run `tanya index --rebuild`, or {_MODEL_BACK}"
            )
        if (col.metadata or {}).get("format") != FORMAT_VERSION and col.count():
            raise IndexDirectoryError(_rebuild_hint(location))
        recorded = (col.metadata or {}).get(SENTENCE_VECTORS_KEY, DEFAULT_SENTENCE_VECTORS)
        if recorded != sentence_vectors:
            if col.count() or sentences.count():
                raise _sentence_vectors_mismatch(location, recorded, sentence_vectors)
            col.modify(metadata={**(col.metadata or {}), SENTENCE_VECTORS_KEY: sentence_vectors})  # empty: ours now
        return cls(col, sentences, location, client=client, keyword_dir=keyword_dir,
                   path=None if url else path, sentence_vectors=sentence_vectors)

    @classmethod
    def wipe(cls, *, path: Path | None = None, url: str | None = None, collection: str = "articles",
             embed_model: str, keyword_cache: Path | None = None,
             sentence_vectors: SentenceVectors = DEFAULT_SENTENCE_VECTORS) -> None:
        """Delete everything stored, whatever model built it (``tanya index --rebuild``).

        On disk, only a folder that is a Tanya Berita index (or empty) is touched.
        """
        cls.open(path=path, url=url, collection=collection, embed_model=embed_model, reset=True,
                 keyword_cache=keyword_cache, sentence_vectors=sentence_vectors)

    # Another process's writes ---------------------------------------------
    def _current(self) -> None:
        """Make this process read what other processes wrote to an embedded store.

        chromadb's embedded client keeps, per folder and process, the vector index it loaded: after
        another process removes an article, queries here still return its chunks (and reading them
        fails); chunks it adds are never found, or fail with "Error finding id". When the generation
        in the store is not the one this process last saw or wrote, the folder is opened anew, in a
        client of its own (chromadb shares one per folder and process, so the stale one is taken out
        of its cache first; stores still holding it go on reading it until they notice too). Called by
        :meth:`generation` and before every write.
        """
        if self._path is None:
            return
        with self._reopen_lock:
            if self._stored_generation() == self._seen:  # nothing new, or another thread reopened meanwhile
                return
            import chromadb
            from chromadb.api.shared_system_client import SharedSystemClient

            identifier = str(self._path)
            SharedSystemClient._identifier_to_system.pop(identifier, None)  # chromadb 1.5.9's client cache
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)
            client = chromadb.PersistentClient(path=identifier, settings=self._client.get_settings())
            self._collection = client.get_collection(self._collection.name, embedding_function=None)
            self._sentences = client.get_collection(self._sentences.name, embedding_function=None)
            self._client = client
            self._seen = self._stored_generation()

    # Reading ----------------------------------------------------------------
    @_fresh_read
    def count(self) -> int:
        return int(self._collection.count())

    def generation(self) -> str:
        """The chunk collection's generation as stored now (one call to Chroma): it changes with every
        write made through any ChunkStore, in any process. "" for a collection made before generations.

        Asking is also how a reader gets the current state: when another process wrote since this one
        last looked, an embedded store is opened anew first (see :meth:`_current`). The retriever asks
        once per question (:meth:`keyword_index`), before it queries."""
        generation = self._stored_generation()
        if self._path is not None and generation != self._seen:
            self._current()
            generation = self._seen
        return generation

    def _stored_generation(self) -> str:
        metadata = self._client.get_collection(self._collection.name, embedding_function=None).metadata
        return str((metadata or {}).get(GENERATION_KEY, ""))

    def _get(self, collection: Any, include: list[str], *, where: dict | None = None,
             ids: list[str] | None = None) -> dict[str, list]:
        """``collection.get(ids=ids, where=where, include=include)`` of any number of rows, in calls of at
        most :data:`READ_PAGE` ids (one get() of many rows' metadata fails: see :data:`READ_PAGE`).

        Without ``ids``: the ids of every row matching ``where`` are read first, in one call that reads
        nothing else (safe at any size: 100,000 rows read in one), then what ``include`` asks for, by
        batches of those ids; rows come in the order one get() gives them (Chroma's: the order in which
        they were first added). With ``ids``: by batches of them, each batch's rows in Chroma's order.

        Not a snapshot: the ids and the rest are read in separate calls, and nothing stops a write
        between them. Writes are serialised within a process only (``Assistant``'s lock, which readers do
        not take); another process (`tanya index` in a shell, another client of a Chroma server) may
        write at any time. A write during the read can leave out a row it adds, and a row it removes;
        every row present throughout the read is returned, exactly once. Rows read in different calls
        may be from before and after the write (some chunks of a document old, others new:
        :func:`index.building.document_states` finds such a document inconsistent, and the next run
        redoes it). A caller needing a settled read compares :meth:`generation` before and after.

        Not pages by offset (``limit``/``offset``): a row removed from a page already read shifts every
        later row forward, so that one is silently skipped; and they cost more (SQLite walks past every
        row before the offset: at 100,000 rows, 19 CPU s instead of 12 for every row's metadata).
        """
        if ids is None:
            ids = collection.get(where=where, include=[])["ids"]
            if not include:
                return {"ids": list(ids)}
        got: dict[str, list] = {"ids": [], **{key: [] for key in include}}
        for start in range(0, len(ids), READ_PAGE):
            page = collection.get(ids=ids[start:start + READ_PAGE], where=where, include=include)
            got["ids"] += page["ids"]
            for key in include:
                got[key] += list(page[key])
        return got

    @_fresh_read
    def document_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed article."""
        got = self._get(self._collection, ["metadatas"])
        return {str(m["doc_id"]): str(m.get("content_hash", "")) for m in got["metadatas"]}

    @_fresh_read
    def all_chunks(self, where: dict | None = None) -> list[StoredChunk]:
        got = self._get(self._collection, ["documents", "metadatas"], where=where)
        chunks = [StoredChunk(id=i, text=d or "", metadata=dict(m or {}))
                  for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        return sorted(chunks, key=lambda c: c.id)

    @_fresh_read
    def chunk_texts(self) -> tuple[list[str], list[str]]:
        """Ids and texts of every chunk, sorted by id (no metadata read): what a keyword index needs."""
        got = self._get(self._collection, ["documents"])
        pairs = sorted(zip(got["ids"], got["documents"], strict=True))
        return [i for i, _ in pairs], [d or "" for _, d in pairs]

    @_fresh_read
    def get_chunks(self, ids: list[str]) -> list[StoredChunk]:
        """The chunks with these ids, in the order given (unknown ids left out)."""
        if not ids:
            return []
        got = self._get(self._collection, ["documents", "metadatas"], ids=list(ids))
        found = {i: StoredChunk(id=i, text=d or "", metadata=dict(m or {}))
                 for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
        return [found[i] for i in ids if i in found]

    @_fresh_read
    def ids(self, where: dict | None = None) -> set[str]:
        """Ids of the chunks matching ``where`` (no text read)."""
        return set(self._get(self._collection, [], where=where)["ids"])

    @_fresh_read
    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[StoredChunk]:
        """The ``k`` chunks nearest ``embedding``, best first; ``score`` is the cosine similarity.

        Fewer when the store holds fewer (Chroma returns what there is: no count asked first)."""
        got = self._collection.query(query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
                                     n_results=k, where=where, include=["documents", "metadatas", "distances"])
        # A row another process removed between the check and the query comes back without its metadata.
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        return [StoredChunk(id=i, text=d or "", metadata=dict(m), score=1.0 - float(dist))
                for i, d, m, dist in rows if m is not None]

    @_fresh_read
    def query_sentences(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[StoredSentence]:
        """The ``k`` sentences nearest ``embedding``, best first (fewer when there are fewer); ``score`` is
        the cosine similarity."""
        got = self._sentences.query(query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
                                    n_results=k, where=where, include=["documents", "metadatas", "distances"])
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        return [StoredSentence(id=i, chunk_id=str(m["chunk_id"]), index=int(m["sentence"]), text=d or "",
                               score=1.0 - float(dist))
                for i, d, m, dist in rows if m is not None]  # removed meanwhile (see query)

    @_fresh_read
    def sentences(self, chunk_ids: list[str]) -> dict[str, list[tuple[StoredSentence, np.ndarray]]]:
        """chunk id -> its sentences in order, each with its embedding."""
        if not chunk_ids:
            return {}
        got = self._sentences.get(where={"chunk_id": {"$in": list(chunk_ids)}},
                                  include=["documents", "metadatas", "embeddings"])
        found: dict[str, list[tuple[StoredSentence, np.ndarray]]] = {}
        for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True):
            sentence = StoredSentence(id=i, chunk_id=str(m["chunk_id"]), index=int(m["sentence"]), text=d or "")
            found.setdefault(sentence.chunk_id, []).append((sentence, np.asarray(e, dtype=np.float32)))
        for rows in found.values():
            rows.sort(key=lambda row: row[0].index)
        return found

    @_fresh_read
    def chunk_metadatas(self) -> dict[str, dict[str, Any]]:
        """Chunk id -> metadata of every chunk (no text or embedding read). Used by incremental indexing."""
        got = self._get(self._collection, ["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    @_fresh_read
    def sentence_chunk_ids(self) -> set[str]:
        """Ids of the chunks that have sentences stored (each should be a stored chunk: a check of the index)."""
        got = self._get(self._sentences, ["metadatas"])
        return {str(m["chunk_id"]) for m in got["metadatas"]}

    @_fresh_read
    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._get(self._collection, ["embeddings"], ids=list(ids))
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    # Removed articles -----------------------------------------------------------
    def _removed(self) -> Any:
        """The collection of :class:`Removal` records (made on first use; reached through the current client,
        so another process's records are seen; ``reset`` keeps it: a removed article stays removed)."""
        return self._client.get_or_create_collection(self._collection.name + REMOVED_SUFFIX, embedding_function=None)

    def record_removal(self, removal: Removal) -> None:
        """Remember that the article with this text was removed from the library."""
        meta = {"doc_id": removal.doc_id, "title": removal.title, "source_path": removal.source_path,
                "source_location": removal.source_location}
        # Chroma keeps a vector for every row: a constant one (the records are never searched by similarity).
        try:
            self._removed().upsert(ids=[removal.text_hash], documents=[removal.title or removal.doc_id],
                                   metadatas=[meta], embeddings=np.ones((1, 1), dtype=np.float32))
        except Exception as exc:
            if _disk_full(exc):
                raise _full_error(self.location, exc) from exc
            raise

    def removals(self) -> dict[str, Removal]:
        """Text hash -> :class:`Removal` of every article removed from the library."""
        got = self._get(self._removed(), ["metadatas"])
        return {i: Removal(text_hash=i, doc_id=str(m.get("doc_id", "")), title=str(m.get("title", "")),
                           source_path=str(m.get("source_path", "")),
                           source_location=str(m.get("source_location", "")))
                for i, m in zip(got["ids"], got["metadatas"], strict=True) if m is not None}

    def forget_removal(self, text_hash: str) -> None:
        """The article with this text may be indexed again (it was added back on purpose)."""
        self._removed().delete(ids=[text_hash])

    # The keyword index --------------------------------------------------------
    def keyword_index(self) -> BM25Index:
        """The BM25 keyword index of the chunks as they are now.

        The one this object holds while the store's generation is still the one it was built from (one
        call to the store: asked on every question, so that a write by this process or another is never
        missed); else the saved one when it was built from the current generation and has the store's
        number of chunks; else one built from the chunks' texts and saved for the next process (unless a
        write was under way while it was built). One load or build at a time, however many threads ask.
        """
        with self._keyword_lock:
            generation = self.generation()
            index = self._keyword
            if index is None or index.generation != generation:
                index = self._keyword = self._load_or_build_keyword_index(generation)
            return index

    def refresh_keyword_index(self) -> bool:
        """Bring the keyword index up to date after a completed write (the end of an indexing run, a
        document removed), so that no question pays for it: the one this object holds, if it holds one
        (it answers questions), is replaced as :meth:`keyword_index` would; else the saved one is built
        and saved again unless it is current, for the next process to load (as after `tanya index`).
        Whether one had to be loaded or built (False: it was current)."""
        from index.keyword_index import SavedKeywordIndex

        with self._keyword_lock:
            generation = self.generation()
            held = self._keyword
            if held is not None:
                if held.generation == generation:
                    return False
                self._keyword = self._load_or_build_keyword_index(generation)
                return True
            if self.keyword_dir is None or SavedKeywordIndex(self.keyword_dir).is_current(generation):
                return False
            self._load_or_build_keyword_index(generation)
            return True

    def _load_or_build_keyword_index(self, generation: str) -> BM25Index:
        """The keyword index of the store at ``generation`` (read by the caller before anything else, so
        that a write meanwhile makes the result stale): the saved one when it was built from that
        generation and has the store's number of chunks, else one built from the chunks' texts and saved
        (unless a write was under way while it was built)."""
        from index.keyword_index import BM25Index, SavedKeywordIndex

        saved = SavedKeywordIndex(self.keyword_dir) if self.keyword_dir is not None else None
        index = saved.load(generation) if saved is not None else None
        if index is not None and index.size != self.count():  # written to without a ChunkStore: not ours to trust
            index = None
        if index is None:
            index = BM25Index.build(*self.chunk_texts(), generation=generation)
            if saved is not None and settled(generation) and self.generation() == generation:
                saved.save(index)
        return index

    # Writing ----------------------------------------------------------------
    def replace_document(self, doc_id: str, chunks: list[Chunk], embeddings: np.ndarray,
                         sentence_embeddings: np.ndarray | None = None) -> None:
        """Make ``chunks`` the whole content of ``doc_id`` (see :meth:`replace_documents`)."""
        self.replace_documents([DocumentWrite(doc_id, chunks, embeddings, sentence_embeddings)])

    def replace_documents(self, writes: list[DocumentWrite]) -> None:
        """Make each write's chunks the whole content of its document: upsert, then drop stale rows.

        One call to each collection for all the documents. ``sentence_embeddings`` has one
        row per sentence of the chunks, in order. All sentences are written before any
        chunk, and the chunks carry their document's content hash and chunk count, so a
        run killed half-way leaves those documents looking unindexed or incomplete, and
        the next run redoes them.

        The keyword index is not brought up to date here: an indexing run writes many batches
        and does that once, at its end (:meth:`refresh_keyword_index`); a question asked
        meanwhile sees the new generation and rebuilds it.
        """
        for w in writes:
            if len(w.chunks) != len(w.embeddings):
                raise ValueError("one embedding per chunk")
        with self._writing():
            self._replace_documents(writes)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Around every write: a new generation before it (marked as under way) and another after it,
        even when it fails, so that readers (the keyword index) in any process rebuild after any write.

        Set before, so that a process killed in the middle of a write leaves a generation that no
        keyword index built before the write records; set again after, so that one built while the
        write was under way (from part of it) is replaced once it is done.
        """
        self._current()  # never write through a client that has not seen another process's writes
        failed: BaseException | None = None
        try:
            self._set_generation(new_generation(writing=True))
            yield
        except Exception as exc:
            failed = exc
            if _disk_full(exc):  # said in words, not as chromadb's InternalError
                raise _full_error(self.location, exc) from exc
            raise
        finally:
            try:
                self._set_generation(new_generation())
            except Exception as exc:
                if failed is None:  # (else the first failure is the one to report)
                    if _disk_full(exc):
                        raise _full_error(self.location, exc) from exc
                    raise

    def _set_generation(self, generation: str) -> None:
        # modify() replaces the whole metadata: keep the rest (embedding model, format) as it was opened.
        kept = {k: v for k, v in (self._collection.metadata or {}).items() if k != GENERATION_KEY}
        self._collection.modify(metadata={**kept, GENERATION_KEY: generation})
        self._seen = generation

    def _replace_documents(self, writes: list[DocumentWrite]) -> None:
        rows: list[tuple[str, str, dict]] = []
        sentence_vectors: list[np.ndarray] = []
        for w in writes:
            doc_rows = [(sentence_id(c.id, n), text, {**c.metadata, "chunk_id": c.id, "sentence": n})
                        for c in w.chunks for n, text in enumerate(c.sentences)]
            if w.sentence_embeddings is None or len(w.sentence_embeddings) != len(doc_rows):
                raise ValueError("one embedding per sentence of the chunks")
            rows += doc_rows
            sentence_vectors.append(np.asarray(w.sentence_embeddings, dtype=np.float32).reshape(len(doc_rows), -1))
        doc_ids = [w.doc_id for w in writes]
        if rows:
            self._sentences.upsert(ids=[r[0] for r in rows], documents=[r[1] for r in rows],
                                   metadatas=[r[2] for r in rows], embeddings=np.concatenate(sentence_vectors))
        self._delete_stale(self._sentences, doc_ids, {r[0] for r in rows})
        chunks = [c for w in writes for c in w.chunks]
        if chunks:
            self._collection.upsert(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata for c in chunks],
                embeddings=np.concatenate([np.asarray(w.embeddings, dtype=np.float32).reshape(len(w.chunks), -1)
                                           for w in writes]),
            )
        self._delete_stale(self._collection, doc_ids, {c.id for c in chunks})

    @staticmethod
    def _delete_stale(collection: Any, doc_ids: list[str], keep: set[str]) -> None:
        if not doc_ids:
            return
        where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": doc_ids}}
        stale = [i for i in collection.get(where=where, include=[])["ids"] if i not in keep]
        if stale:
            collection.delete(ids=stale)

    def delete_document(self, doc_id: str, *, refresh_keywords: bool = True) -> int:
        """Remove an article's chunks and sentences; returns how many chunks there were. Then the keyword
        index is brought up to date (:meth:`refresh_keyword_index`), unless ``refresh_keywords`` is False:
        an indexing run that removes documents on its way does that once, at its end."""
        with self._writing():
            removed = self._delete_document(doc_id)
        if refresh_keywords:
            self.refresh_keyword_index()
        return removed

    def _delete_document(self, doc_id: str) -> int:
        ids = self._collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self._collection.delete(ids=ids)
        sentence_ids = self._sentences.get(where={"doc_id": doc_id}, include=[])["ids"]
        if sentence_ids:
            self._sentences.delete(ids=sentence_ids)
        return len(ids)
