#!/usr/bin/env bash
# Set up (with test tools), run the gates (ruff, mypy, the import contract), then the whole test suite,
# slow end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

# The gates, before any test: lint (ruff), types (mypy) and the layers' import contract (lint-imports),
# configured in pyproject.toml. The first that fails stops the run, saying which and how to reproduce it.
gate() {
  local name=$1
  shift
  echo "test: gate: $name ($*)"
  if ! "$@"; then
    echo "test: the $name gate failed; reproduce it with: $*" >&2
    exit 1
  fi
}
gate lint .venv/bin/ruff check .
gate types .venv/bin/mypy
gate "import contract" .venv/bin/lint-imports

# The browser test drives Debian's Chromium through Playwright (never a browser Playwright downloads).
# Install it when missing and we can (root with apt-get, as in CI); otherwise that test is skipped, saying why.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test: installing chromium for the browser test (apt-get)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
      >/tmp/tanya-apt-chromium.log 2>&1; then
    echo "test: could not install chromium (see /tmp/tanya-apt-chromium.log)" >&2
  fi
fi

exec .venv/bin/python -m pytest "$@"
