"""The embedding model run by onnxruntime instead of torch: same model, same vectors, about twice as fast.

:func:`export_onnx` exports a sentence-transformers folder's transformer to ONNX once
(torch's exporter, which needs the ``onnx`` package) and checks the result against the
torch model on real sentences before declaring it complete: the mean-pooled, normalised
vectors must agree at cosine >= :data:`MIN_COSINE`, or the export is refused (measured:
1.0000 on 425 real chunks and sentences). :class:`OnnxEncoder` then runs it with
onnxruntime and the model's own ``tokenizer.json``; torch is not imported.

Not here: int8 quantisation. Dynamic int8 (per-channel, matrix products only) was 1.4x
faster again but cost retrieval quality on the eval set (recall@5 0.971 -> 0.941,
MRR@10 0.854 -> 0.822), so it was left out.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from index.errors import ModelError

MANIFEST = "tanya-onnx-manifest.json"
MODEL_FILE = "model.onnx"
MIN_COSINE = 0.99
#: Real text, both languages, long and short: the export must reproduce the torch model on them.
CHECK_TEXTS = [
    "query: Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
    "passage: Gubernur wilayah Primorsky memberi Kim rompi antipeluru dan enam drone.",
    "query: When did Kim leave Russia?",
    "passage: Lewat telepon ke kantor berita lokal Current News Service, Hezb-ul Mujahedeen, kelompok militan "
    "Kashmir yang terbesar, menyatakan bertanggung jawab atas ledakan di Srinagar.",
    "passage: Endokrinologi adalah cabang ilmu kedokteran yang menangani penyakit pada sistem endokrin serta "
    "sekresi spesifiknya yang disebut hormon. Hormon mengatur pertumbuhan, metabolisme dan reproduksi.",
    "passage: Harga beras naik 8.000 rupiah per kilogram pada Senin (18/9/2023), kata Menteri Perdagangan.",
]


def onnx_folder(models_dir: Path, source: Path | str) -> Path:
    """Where the ONNX export of ``source`` lives."""
    name = Path(str(source)).name if Path(str(source)).exists() else str(source).replace("/", "--")
    return models_dir / "onnx" / name


def is_exported(folder: Path) -> bool:
    """The manifest is written last, once the export passed its check."""
    return (folder / MANIFEST).is_file() and (folder / MODEL_FILE).is_file() and (folder / "tokenizer.json").is_file()


def exported_from(folder: Path, source: Path | str) -> bool:
    """Whether ``folder`` holds a complete export of this very ``source`` (its manifest names it)."""
    if not is_exported(folder):
        return False
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except ValueError:
        return False
    return bool(manifest.get("source") == str(source))


def _tokenizer_file(source: Path | str) -> Path:
    folder = Path(str(source))
    if not (folder / "tokenizer.json").is_file():
        raise ModelError(f"{source} has no tokenizer.json, which the ONNX backend needs: "
                         "set TANYA_EMBED_BACKEND=torch.")
    return folder / "tokenizer.json"


def _export_fp32(source: Path | str, target: Path) -> None:
    import torch
    from transformers import AutoModel

    try:
        import onnx  # noqa: F401  (torch's exporter writes the file with it)
    except ImportError:
        raise ModelError("The onnx package is not installed (the ONNX backend needs it once, to export the "
                         "model): run `bash scripts/setup.sh`, or set TANYA_EMBED_BACKEND=torch.") from None

    class _Hidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(_Hidden(model), (ids, torch.ones_like(ids)), str(target),
                          input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
                          opset_version=17, dynamo=False)


def _torch_vectors(source: Path | str, texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def export_onnx(source: Path | str, folder: Path) -> None:
    """Export ``source`` (a sentence-transformers folder) to ``folder``, checked against torch."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    partial = folder / (MODEL_FILE + ".partial")
    _export_fp32(source, partial)
    os.replace(partial, folder / MODEL_FILE)
    shutil.copy(_tokenizer_file(source), folder / "tokenizer.json")
    expected = _torch_vectors(source, CHECK_TEXTS)
    got = OnnxEncoder(folder).encode(CHECK_TEXTS, normalize_embeddings=True)
    cosine = float((got * expected).sum(axis=1).min())
    if cosine < MIN_COSINE:
        (folder / MODEL_FILE).unlink(missing_ok=True)
        raise ModelError(f"The ONNX export of {source} does not reproduce the torch model (cosine {cosine:.4f} < "
                         f"{MIN_COSINE}); it was deleted. Set TANYA_EMBED_BACKEND=torch.")
    manifest = {"source": str(source), "min_cosine_vs_torch": round(cosine, 5)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


class OnnxEncoder:
    """Mean-pooled sentence vectors from an exported model, with the subset of
    ``SentenceTransformer``'s interface that :class:`index.embedding.Embedder` uses."""

    def __init__(self, folder: Path, threads: int | None = None, max_tokens: int = 512) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(folder / MODEL_FILE), options,
                                                 providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # missing or damaged file
            raise ModelError(f"Cannot load the ONNX embedding model in {folder} ({exc}): delete that folder "
                             "to export it again, or set TANYA_EMBED_BACKEND=torch.") from exc
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("<pad>") or 0
        self._dimension = int(self._session.get_outputs()[0].shape[-1] or 0)

    def get_sentence_embedding_dimension(self) -> int:
        if not self._dimension:
            self._dimension = int(self.encode(["x"]).shape[1])
        return self._dimension

    def token_states(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """The model's last-layer state of every token of ``text`` (one row each) and each token's
        character span in ``text`` ((0, 0) for the special tokens)."""
        return self.token_states_batch([text])[0]

    def _batches(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray, list]]:
        """The model over ``texts`` in batches of similar length (as sentence-transformers does): for each, the
        texts' positions, the last-layer states (padded), the attention mask and the texts' encodings."""
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            yield rows, hidden, mask, [encodings[i] for i in rows]

    def token_states_batch(self, texts: list[str], batch_size: int = 16,
                           progress: Callable[[int, int], None] | None = None,
                           ) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """:meth:`token_states` of each of ``texts``, in order, run in padded batches as :meth:`encode` runs them
        (the states of a text's real tokens only). ``progress(done, total)`` is called after each batch."""
        out: list[tuple[np.ndarray, list[tuple[int, int]]]] = [(np.zeros((0, 0), np.float32), [])] * len(texts)
        done = 0
        for rows, hidden, mask, encodings in self._batches(texts, batch_size):
            for r, (i, encoding) in enumerate(zip(rows, encodings, strict=True)):
                out[i] = (hidden[r, :int(mask[r].sum())], list(encoding.offsets))
            done += len(rows)
            if progress is not None:
                progress(done, len(texts))
        return out

    def encode(self, texts: list[str], batch_size: int = 16, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts``, in order; batches of similar length (as sentence-transformers does).
        ``progress(done, total)`` is called after each batch."""
        out: np.ndarray | None = None
        done = 0
        for rows, hidden, mask, _ in self._batches(texts, batch_size):
            vectors = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            if normalize_embeddings:
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
            done += len(rows)
            if progress is not None:
                progress(done, len(texts))
        return out if out is not None else np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
