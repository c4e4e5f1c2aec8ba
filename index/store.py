"""The chunk store: a Chroma collection (embedded on disk, or a Chroma server).

Embeddings are always passed in, never computed by Chroma (which would try to
download a model). An on-disk index carries a marker file naming the embedding
model it was built with, so that a folder that is not ours, or an index built
with another model, is refused with a clear message instead of being damaged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.chunking import Chunk
from index.errors import IndexDirectoryError

MARKER = "tanya-index.json"
FORMAT_VERSION = 1


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


def _check_marker(path: Path, embed_model: str) -> None:
    marker = path / MARKER
    if marker.is_file():
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexDirectoryError(f"{marker} is unreadable ({exc}); delete {path} and run `tanya index` again.") from None
        if info.get("embed_model") != embed_model:
            raise IndexDirectoryError(
                f"The index in {path} was built with embedding model {info.get('embed_model')!r}, "
                f"not {embed_model!r}: run `tanya index --rebuild`, or set TANYA_EMBED_MODEL back."
            )
        return
    if path.exists() and any(path.iterdir()):
        raise IndexDirectoryError(
            f"{path} is not empty and is not a Tanya Berita index (no {MARKER}); nothing was changed. "
            "Point TANYA_HOME at another folder, or empty this one."
        )
    path.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"format": FORMAT_VERSION, "embed_model": embed_model}, indent=2) + "\n",
                      encoding="utf-8")


class ChunkStore:
    """Chunks and their embeddings in one Chroma collection."""

    def __init__(self, collection: Any, location: str) -> None:
        self._collection = collection
        self.location = location

    # Opening ---------------------------------------------------------------
    @classmethod
    def open(cls, *, path: Path | None = None, url: str | None = None, collection: str = "articles",
             embed_model: str) -> "ChunkStore":
        """Open (creating if needed) the store on disk at ``path`` or on the Chroma server at ``url``."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                client = chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                             ssl=parsed.scheme == "https", settings=chroma_settings)
                location = url
            else:
                assert path is not None
                _check_marker(path, embed_model)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
                location = str(path)
            col = client.get_or_create_collection(
                collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={"embed_model": embed_model},
            )
        except IndexDirectoryError:
            raise
        except Exception as exc:
            where = url or path
            raise IndexDirectoryError(f"Cannot open the index at {where}: {exc}") from exc
        stored_model = (col.metadata or {}).get("embed_model")
        if stored_model and stored_model != embed_model:
            raise IndexDirectoryError(
                f"Collection {collection!r} at {location} holds embeddings of {stored_model!r}, not {embed_model!r}: "
                "run `tanya index --rebuild`."
            )
        return cls(col, location)

    @staticmethod
    def wipe(*, path: Path | None = None, url: str | None = None, collection: str = "articles",
             embed_model: str) -> None:
        """Delete the whole collection, whatever model built it (``tanya index --rebuild``).

        On disk, only a folder that is a Tanya Berita index (or empty) is touched; its
        marker is rewritten for ``embed_model``.
        """
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if not url:
            assert path is not None
            if not (path / MARKER).is_file():
                _check_marker(path, embed_model)  # refuses a folder that is not ours; creates an empty index
                return
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                client = chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                             ssl=parsed.scheme == "https", settings=chroma_settings)
            else:
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            if collection in {getattr(c, "name", c) for c in client.list_collections()}:
                client.delete_collection(collection)
        except Exception as exc:
            raise IndexDirectoryError(f"Cannot empty the index at {url or path}: {exc}") from exc
        if not url:
            (path / MARKER).write_text(json.dumps({"format": FORMAT_VERSION, "embed_model": embed_model}, indent=2)
                                       + "\n", encoding="utf-8")

    # Reading ----------------------------------------------------------------
    def count(self) -> int:
        return int(self._collection.count())

    def document_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed article."""
        got = self._collection.get(include=["metadatas"])
        return {str(m["doc_id"]): str(m.get("content_hash", "")) for m in got["metadatas"] or []}

    def all_chunks(self, where: dict | None = None) -> list[StoredChunk]:
        got = self._collection.get(where=where, include=["documents", "metadatas"])
        chunks = [StoredChunk(id=i, text=d or "", metadata=dict(m or {}))
                  for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: c.id)

    def ids(self, where: dict | None = None) -> set[str]:
        """Ids of the chunks matching ``where`` (no text read)."""
        return set(self._collection.get(where=where, include=[])["ids"])

    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[StoredChunk]:
        """The ``k`` chunks nearest ``embedding``, best first; ``score`` is the cosine similarity."""
        n = self.count()
        if n == 0:
            return []
        got = self._collection.query(query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
                                     n_results=min(k, n), where=where,
                                     include=["documents", "metadatas", "distances"])
        return [StoredChunk(id=i, text=d or "", metadata=dict(m or {}), score=1.0 - float(dist))
                for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])]

    def chunk_metadatas(self) -> dict[str, dict[str, Any]]:
        """Chunk id -> metadata of every chunk (no text or embedding read). Used by incremental indexing."""
        got = self._collection.get(include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [])}

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        got = self._collection.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}

    # Writing ----------------------------------------------------------------
    def replace_document(self, doc_id: str, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        """Make ``chunks`` the whole content of ``doc_id``: upsert them, then drop its stale chunks."""
        if len(chunks) != len(embeddings):
            raise ValueError("one embedding per chunk")
        if chunks:
            self._collection.upsert(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata for c in chunks],
                embeddings=np.asarray(embeddings, dtype=np.float32).tolist(),
            )
        keep = {c.id for c in chunks}
        stale = [i for i in self._collection.get(where={"doc_id": doc_id}, include=[])["ids"] if i not in keep]
        if stale:
            self._collection.delete(ids=stale)

    def delete_document(self, doc_id: str) -> int:
        ids = self._collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self._collection.delete(ids=ids)
        return len(ids)
