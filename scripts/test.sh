#!/usr/bin/env bash
# Set up (with test tools) and run the whole test suite, slow end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

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
