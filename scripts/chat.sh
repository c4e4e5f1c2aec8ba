#!/usr/bin/env bash
# Set up, index the bundled articles and open the chat UI on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/tanya index
exec .venv/bin/tanya ui "$@"
