"""`tanya eval`'s options that need no model."""

import pytest

from eval.cli import _parser, default_out, main
from rag import load_settings
from rag.errors import TanyaError


def test_a_run_goes_under_the_data_home_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("TANYA_HOME", str(tmp_path / "home"))
    home = load_settings().home
    out = default_out(home, "heldout")
    assert out.parent == home / "eval-runs" and home.resolve() == (tmp_path / "home").resolve()
    assert out.name.startswith("heldout-") and not out.exists()


def test_the_help_says_where_a_run_goes():
    text = " ".join(_parser().format_help().split())
    assert "eval-runs/<kind>-<time> in the data home, TANYA_HOME" in text


def test_compare_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(TanyaError, match="no report.json"):
        main(["--compare", str(tmp_path), str(tmp_path)])
