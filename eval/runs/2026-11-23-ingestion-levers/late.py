"""Prototype: late-chunked sentence vectors vs separately embedded ones."""
import json, os, sys, glob, time
from pathlib import Path
import numpy as np
from index.onnx_embedding import OnnxEncoder

folder = Path(glob.glob(os.environ.get("TANYA_MODELS_DIR", "/tmp/th/models") + "/onnx/*/tokenizer.json")[0]).parent
enc = OnnxEncoder(folder, threads=2)
P = "passage: "

def spans(text, sentences):
    out, cur = [], 0
    for s in sentences:
        i = text.find(s, cur)
        if i < 0:
            i = text.find(s[:20], cur); j = text.find(s[-20:], max(i, 0))
            if i < 0 or j < 0: out.append(None); continue
            out.append((i, j + 20)); cur = j + 20; continue
        out.append((i, i + len(s))); cur = i + len(s)
    return out

def late(chunk_texts, sentence_lists, with_prefix_tokens=False):
    """Chunk vectors and late sentence vectors, one model pass per chunk."""
    tok = enc._tokenizer
    encs = tok.encode_batch([P + t for t in chunk_texts])
    chunk_vecs, sent_vecs = [], []
    for t, sl, e in zip(chunk_texts, sentence_lists, encs):
        ids = np.array([e.ids], dtype=np.int64); mask = np.ones_like(ids)
        h = enc._session.run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
        v = h.mean(0); chunk_vecs.append(v / np.linalg.norm(v))
        offs = e.offsets
        vs = []
        for sp in spans(t, sl):
            if sp is None: vs.append(None); continue
            a, b = sp[0] + len(P), sp[1] + len(P)
            idx = [k for k, (x, y) in enumerate(offs) if y > x and x < b and y > a and k > 0 and k < len(offs) - 1]
            if with_prefix_tokens:
                idx = [0] + idx + [len(offs) - 1]
            v = h[idx].mean(0); vs.append(v / np.linalg.norm(v))
        sent_vecs.append(vs)
    return chunk_vecs, sent_vecs
