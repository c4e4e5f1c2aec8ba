"""Embeddings computed by an OpenAI-compatible server (``POST /v1/embeddings``) instead of on this machine.

Any server that speaks the OpenAI embeddings API will do: vLLM, Ollama, Infinity, text-embeddings-inference,
txtai. :class:`ServerEncoder` has the part of ``SentenceTransformer``'s interface that
:class:`index.embedding.Embedder` uses, so the e5 ``query: `` / ``passage: `` prefixes are added by the same
code as for the local model, and the server must embed exactly the text it is sent (configure it without
prompts of its own). The vectors are normalised here, whatever the server does.

Texts go in requests of ``batch`` texts (text-embeddings-inference refuses more than 32 by default). The
official ``openai`` client sends them: it retries connection errors, time-outs, 408, 409, 429 and 5xx answers
with exponential backoff (0.5 s doubling up to 8 s, with jitter, or as long as the server's ``Retry-After``
says), ``retries`` times, before an :class:`~index.errors.EmbeddingServerError` says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from index.embedding import Embedder, e5_prompts
from index.errors import EmbeddingServerError

if TYPE_CHECKING:
    from openai import OpenAI

#: Texts per request: text-embeddings-inference's default limit (``--max-client-batch-size``).
REQUEST_TEXTS = 32
#: Retries of a request that failed for a reason that may pass (connection, time-out, 408/409/429/5xx).
RETRIES = 4
#: Seconds one request may take: a CPU server embeds 32 long chunks in ~5 s.
TIMEOUT_S = 120.0
#: A probe text, embedded once to learn the size of the server's vectors.
_PROBE = "passage: x"


class ServerEncoder:
    """Vectors from ``model`` on the OpenAI-compatible server at ``base_url`` (``http://host:port/v1``)."""

    def __init__(self, base_url: str, *, model: str, api_key: str = "not-needed", batch: int = REQUEST_TEXTS,
                 retries: int = RETRIES, timeout_s: float = TIMEOUT_S) -> None:
        from openai import OpenAI

        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.base_url = base_url
        self.model = model
        self.batch = batch
        self._client: OpenAI = OpenAI(base_url=base_url, api_key=api_key, max_retries=retries, timeout=timeout_s)
        self._dimension = 0

    def get_sentence_embedding_dimension(self) -> int:
        if not self._dimension:
            self._dimension = int(self.encode([_PROBE]).shape[1])
        return self._dimension

    def encode(self, texts: list[str], batch_size: int = REQUEST_TEXTS, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """One vector per text, in order, ``self.batch`` texts a request (``batch_size`` is the local models'
        batch and is not used: the server batches as it likes). ``progress(done, total)`` after each request."""
        parts: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch):
            parts.append(self._request(list(texts[start:start + self.batch])))
            if progress is not None:
                progress(start + len(parts[-1]), len(texts))
        if not parts:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        vectors = np.concatenate(parts).astype(np.float32)
        if normalize_embeddings:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self._dimension = int(vectors.shape[1])
        return vectors

    def _request(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(input=texts, model=self.model, encoding_format="float")
        except openai.APIConnectionError as exc:  # refused, unreachable, timed out: after every retry
            raise EmbeddingServerError(
                f"The embedding server at {self.base_url} does not answer ({exc}), after retrying: start it (and "
                "check TANYA_EMBED_BASE_URL), or unset TANYA_EMBED_BASE_URL to embed on this machine.") from exc
        except openai.AuthenticationError as exc:
            raise EmbeddingServerError(
                f"The embedding server at {self.base_url} refused the API key (401): set TANYA_EMBED_API_KEY to "
                "the key it expects.") from exc
        except openai.NotFoundError as exc:
            raise EmbeddingServerError(
                f"The embedding server at {self.base_url} has no model {self.model!r} or no /embeddings route "
                f"(404: {_detail(exc)}): set TANYA_EMBED_API_MODEL to the name it serves the model under, and "
                "TANYA_EMBED_BASE_URL to its address ending in /v1.") from exc
        except openai.APIStatusError as exc:
            hint = ("lower TANYA_EMBED_API_BATCH (the server may accept fewer texts a request)"
                    if exc.status_code in (400, 413, 422) else
                    "it failed every retry: look at the server's log, then index again (what was written stays)")
            raise EmbeddingServerError(f"The embedding server at {self.base_url} answered {exc.status_code} "
                                       f"({_detail(exc)}): {hint}.") from exc
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise EmbeddingServerError(
                f"The embedding server at {self.base_url} sent {len(rows)} vectors for {len(texts)} texts: it is "
                "not an OpenAI-compatible embeddings server, or it truncates requests; lower TANYA_EMBED_API_BATCH.")
        vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
        if vectors.ndim != 2 or not vectors.shape[1]:
            raise EmbeddingServerError(f"The embedding server at {self.base_url} sent no usable vectors.")
        return vectors


def _detail(exc: Exception) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text if len(text) <= 200 else text[:200] + "..."


def server_embedder(base_url: str, *, model: str, api_key: str = "not-needed", batch: int = REQUEST_TEXTS,
                    retries: int = RETRIES) -> Embedder:
    """An :class:`Embedder` whose vectors come from ``model`` on the server at ``base_url``, with the prompts
    the local model of that name gets (``query: `` / ``passage: `` for e5 models)."""
    query_prefix, passage_prefix = e5_prompts(model)
    encoder = ServerEncoder(base_url, model=model, api_key=api_key, batch=batch, retries=retries)
    return Embedder(name=model, model=encoder, query_prefix=query_prefix, passage_prefix=passage_prefix)
