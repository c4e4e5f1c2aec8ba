"""The documentation matches the code: the settings reference is current, and every file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.settings_reference import DOC, reference

ROOT = Path(__file__).resolve().parent.parent
#: The documents that describe the code as it is now (docs/lab-notes.md is history: it names files that were).
CURRENT_DOCS = ["README.md", "eval/README.md", "docs/architecture.md", "docs/operations.md", "docs/settings.md",
                "docs/scaling.md"]
_PATH = re.compile(r"`((?:tanya|rag|index|ui|eval|scripts|tests|docs)/[\w./-]*\w)`")


def test_the_settings_reference_is_written_from_the_settings():
    assert DOC.read_text(encoding="utf-8") == reference(), "docs/settings.md is stale: run `make docs`"


@pytest.mark.parametrize("doc", CURRENT_DOCS)
def test_every_file_a_document_names_exists(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    missing = sorted({p for p in _PATH.findall(text) if "<" not in p and "*" not in p and not (ROOT / p).exists()})
    assert not missing, f"{doc} names files that do not exist: {missing}"


def test_the_readme_states_no_test_counts():
    assert not re.search(r"\b\d+ (?:passed|tests)\b", (ROOT / "README.md").read_text(encoding="utf-8"))
