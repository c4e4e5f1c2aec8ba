"""Per-question result files: an interrupted run is continued, never asked twice, never mixed with another."""

import json

import pytest

from eval.resume import RunFolderError, resumed_rows


def _make(asked):
    def make_row(item):
        asked.append(item)
        return {"id": item, "answer": item.upper()}
    return make_row


def test_rows_already_written_are_reused_and_only_the_rest_asked(tmp_path):
    path = tmp_path / "run" / "rows.jsonl"
    path.parent.mkdir()
    # a: done; b: written by a retrieval-only run (no answer); c: the line a killed run cut short
    path.write_text('{"id": "a", "answer": "A"}\n{"id": "b"}\n{"id": "c", "ans', encoding="utf-8")
    asked = []
    rows = resumed_rows(path, ["a", "b", "c", "d"], str, _make(asked), key="id", needs="answer", desc="t",
                        progress=False)
    assert asked == ["b", "c", "d"]
    assert [r["answer"] for r in rows] == ["A", "B", "C", "D"]
    assert [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()] == ["a", "b", "c", "d"]

    again = []
    assert resumed_rows(path, ["a", "b", "c", "d"], str, _make(again), key="id", needs="answer", desc="t",
                        progress=False) == rows
    assert again == []


def test_a_folder_of_another_run_is_refused_before_anything_is_asked(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"n": 0, "answer": "x"}\n', encoding="utf-8")
    asked = []
    with pytest.raises(RunFolderError, match="another kind of run"):
        resumed_rows(path, ["a"], str, _make(asked), key="id", needs="answer", desc="t", progress=False)

    def refuse(done):
        raise RunFolderError("other questions")

    path.write_text('{"id": "a", "answer": "x"}\n', encoding="utf-8")
    with pytest.raises(RunFolderError, match="other questions"):
        resumed_rows(path, ["a"], str, _make(asked), key="id", needs="answer", desc="t", progress=False, check=refuse)
    assert asked == [] and path.read_text(encoding="utf-8") == '{"id": "a", "answer": "x"}\n'
