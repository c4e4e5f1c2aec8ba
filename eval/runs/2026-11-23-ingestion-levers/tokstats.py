import json, os, sys, collections
from pathlib import Path
from tokenizers import Tokenizer
from index.readers import RawRecord
from index.articles import article_from_record
from index.chunking import chunk_article
import glob
tok = Tokenizer.from_file(glob.glob(os.environ.get("TANYA_MODELS_DIR", "/tmp/th/models") + "/onnx/*/tokenizer.json")[0])
src = sys.argv[1]
docs = []
if src.endswith("seeds"):
    from index.articles import load_articles
    for p in sorted(Path(src).iterdir()):
        for a in load_articles(p):
            docs.append(a)
else:
    for f in sorted(Path(src).glob("*.jsonl")):
        for i, line in enumerate(f.read_text().splitlines()):
            r = json.loads(line)
            docs.append(article_from_record(RawRecord(text=r["text"], key=str(i), title=r["title"], url=r["url"], publisher=r["publisher"], date=r["date"]), f, f"{f.stem}-{i}"))
ct = st = 0; nc = ns = 0; single = 0; single_tok = 0; dupdoc = 0; dupdoc_tok = 0
allsent = collections.Counter()
for a in docs:
    chunks = chunk_article(a, 160, 24)
    seen = set()
    for c in chunks:
        n = len(tok.encode("passage: " + c.text).ids); ct += n; nc += 1
        for s in c.sentences:
            m = len(tok.encode("passage: " + s).ids); st += m; ns += 1
            allsent[s] += 1
            if s == c.text or (len(c.sentences) == 1):
                single += 1; single_tok += m
            elif s in seen:
                dupdoc += 1; dupdoc_tok += m
            seen.add(s)
print(f"docs {len(docs)} chunks {nc} tokens {ct} ({ct/nc:.0f}/chunk); sentences {ns} tokens {st} ({st/ns:.0f}/sent)")
print(f"sentence share of tokens {st/(ct+st):.3f}")
print(f"single-sentence chunks {single} ({single_tok} tok); repeated within doc {dupdoc} ({dupdoc_tok} tok)")
print(f"distinct sentences corpus-wide {len(allsent)} of {ns}")
# attention-weighted cost: sum n^2
