#!/bin/sh
# Builds the 100,000-chunk index in the Chroma server on 127.0.0.1:18800 (started with
#   nice -n 19 /work/main/.venv/bin/chroma run --path /work/scale-chroma/db --host 127.0.0.1 --port 18800)
# from the code of commit 9dfe1ad (issue-22-scale), copied to /work/scale-chroma/code.
cd /work/scale-chroma/code
exec nice -n 19 /work/main/.venv/bin/python -m eval.bench_scale --phase index --sizes 100000 --reuse-above 10000 \
  --questions 40 --answers 0 --chroma-url http://127.0.0.1:18800 --chroma-path /work/scale-chroma/db \
  --data /work/shared/benchmarks --work /work/scale-chroma/work --out /work/scale-chroma/out-index
