set -x
cd /work/wt-22b
export HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
date
nice -n 10 $PY -m eval.bench_scale --sizes 300 --questions 40 --answers 0 --work /tmp/tb-scale-local --out /tmp/scale-local
date
cat > /tmp/embed.yml <<YAML
openai: True
embeddings:
  path: /root/.local/share/tanya-berita/models/multilingual-e5-small
  method: sentence-transformers
  encodeargs: {prompt: ""}
YAML
CONFIG=/tmp/embed.yml OMP_NUM_THREADS=2 nice -n 10 $PY -m uvicorn txtai.api:app --host 127.0.0.1 --port 18799 > /tmp/txtai-bench.log 2>&1 &
SERVER=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:18799/count >/dev/null && break; sleep 1; done
TANYA_EMBED_BASE_URL=http://127.0.0.1:18799/v1 TANYA_EMBED_API_BATCH=32 nice -n 10 $PY -m eval.bench_scale --sizes 300 --questions 40 --answers 0 --work /tmp/tb-scale-server --out /tmp/scale-server
kill $SERVER
date
