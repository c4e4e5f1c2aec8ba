"""`tanya eval`'s options that need no model."""

import json

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
    with pytest.raises(TanyaError, match="neither a suite run folder .* nor a run of the whole in-repo set"):
        main(["--compare", str(tmp_path), str(tmp_path)])


def _row(key: str, lang: str, correct: float, abstained: bool = False) -> dict:
    return {"key": key, "set": "ours", "lang": lang, "answerable": True, "rank": 1, "answer": "x",
            "abstained": abstained, "correct": correct, "language_match": True, "ttft_s": 1.0, "total_s": 2.0,
            "citation": {"sentences": 1, "recall": 1.0, "precision": 1.0, "citations": 1, "dangling": 0}}


def _suite_run(folder, rows, suite="heldout", top_k=4):
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"suite": suite, "sample": None, "settings": {"top_k": top_k}}))
    (folder / "ours.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_compare_puts_two_suite_runs_side_by_side_on_the_questions_both_asked(tmp_path, capsys):
    full = _suite_run(tmp_path / "baseline", [_row("a", "id", 1.0), _row("b", "en", 0.0, abstained=True),
                                              _row("c", "en", 0.0, abstained=True)])
    sample = _suite_run(tmp_path / "sample", [_row("a", "id", 1.0), _row("b", "en", 1.0)], top_k=6)
    assert main(["--compare", str(full), str(sample)]) == 0
    out = capsys.readouterr().out
    assert "Settings changed: top_k 4 -> 6" in out
    assert "| ours | all | 2 | 0.500 -> 1.000 | 0.500 -> 0.000 |" in out  # question c, not in the sample, left out
    assert "| ours | en | 1 | 0.000 -> 1.000 |" in out and "| ours | id | 1 | 1.000 -> 1.000 |" in out


def test_compare_refuses_runs_of_two_suites(tmp_path):
    heldout = _suite_run(tmp_path / "heldout", [_row("a", "id", 1.0)])
    dev = _suite_run(tmp_path / "dev", [_row("a", "id", 1.0)], suite="dev")
    with pytest.raises(TanyaError, match="compare runs of one suite"):
        main(["--compare", str(heldout), str(dev)])
