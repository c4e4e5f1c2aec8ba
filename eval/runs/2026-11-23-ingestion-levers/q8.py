import glob, os, sys, time, json, shutil
from pathlib import Path
import numpy as np
from onnxruntime.quantization import quantize_dynamic, QuantType
from index.onnx_embedding import OnnxEncoder
src = Path(glob.glob(os.environ.get("TANYA_MODELS_DIR", "/tmp/th/models") + "/onnx/*/model.onnx")[0]).parent
texts = []
from eval.synthetic_corpus import benchmark_passages
from index.sentences import split_sentences
for t in benchmark_passages(Path(os.environ.get("BENCHMARKS", "../shared/benchmarks")))[500:700]:
    texts += ["passage: " + s for s in split_sentences(t)]
texts = texts[:600]
base = OnnxEncoder(src, threads=2)
ref = base.encode(texts)
t = time.process_time(); base.encode(texts); c0 = time.process_time() - t
print(f"fp32: {1000*c0/len(texts):.1f} CPU-ms/text", flush=True)
for name, kw in [("s8 per-channel", dict(per_channel=True, weight_type=QuantType.QInt8)),
                 ("s8 per-channel reduce_range", dict(per_channel=True, reduce_range=True, weight_type=QuantType.QInt8)),
                 ("u8 per-channel", dict(per_channel=True, weight_type=QuantType.QUInt8))]:
    d = Path("/tmp/tanya-q8-" + name.replace(" ", "_")); d.mkdir(exist_ok=True)
    shutil.copy(src / "tokenizer.json", d)
    quantize_dynamic(str(src / "model.onnx"), str(d / "model.onnx"), op_types_to_quantize=["MatMul"], **kw)
    e = OnnxEncoder(d, threads=2)
    e.encode(texts[:32])
    t = time.process_time(); v = e.encode(texts); c = time.process_time() - t
    cos = (v * ref).sum(1)
    print(f"{name}: {1000*c/len(texts):.1f} CPU-ms/text; cosine to fp32 min {cos.min():.4f} median {np.median(cos):.4f}", flush=True)
