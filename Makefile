# Shortcuts for the README's commands. Everything runs from .venv (make setup makes it).
# The gates (lint, types, the import contract) are configured in pyproject.toml; scripts/test.sh
# (make test, and CI through .ci/run) runs them before the tests.

VENV := .venv/bin

.DEFAULT_GOAL := help
.PHONY: help setup lint types test-fast test chat docs

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Set up .venv with the test tools (bash scripts/setup.sh --dev)
	bash scripts/setup.sh --dev

lint: ## ruff, then the layers' import contract (lint-imports)
	$(VENV)/ruff check .
	$(VENV)/lint-imports

types: ## mypy (the first run takes about a minute; later ones seconds)
	$(VENV)/mypy

test-fast: ## The tests that need no model files (pytest -m "not models", under a minute)
	$(VENV)/python -m pytest -m "not models"

test: ## Everything, as CI: set-up, the gates, every test with the real models (bash scripts/test.sh)
	bash scripts/test.sh

chat: ## Set up, index the bundled articles and open the chat page on http://127.0.0.1:7860
	bash scripts/chat.sh

docs: ## docs/settings.md, written from the settings' fields in rag/settings.py
	$(VENV)/python -m rag.settings_reference --write
