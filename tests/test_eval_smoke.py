"""A small smoke eval with real models: the runner and its report are structurally sound."""

import json

import pytest

from eval.dataset import load_questions
from eval.judge import GroundingJudge
from eval.report import compare
from eval.runner import run_eval

REQUIRED = ["retrieval.recall_at_5", "retrieval.mrr_at_10", "answer.correctness", "citation.precision",
            "citation.recall", "abstention.correct_rate", "abstention.false_rate", "language.match_rate",
            "latency.ttft_median_s", "latency.total_median_s"]


@pytest.fixture(scope="module")
def run(tiny_bot, tmp_path_factory):
    items = load_questions()
    sample = [next(i for i in items if i.lang == "id" and i.answerable),
              next(i for i in items if i.lang == "en" and i.answerable),
              next(i for i in items if not i.answerable)]
    out = tmp_path_factory.mktemp("eval-run")
    report = run_eval(tiny_bot, sample, out, GroundingJudge(tiny_bot.embedder), progress=False, meta={"name": "smoke"})
    return out, report


def test_report_has_every_metric(run):
    out, report = run
    saved = json.loads((out / "report.json").read_text())
    for key in REQUIRED:
        node = saved
        for part in key.split("."):
            node = node[part]
        assert node is None or isinstance(node, (int, float)), key
    assert saved["retrieval"]["recall_at_5"] is not None and saved["latency"]["total_median_s"] > 0
    assert set(saved["by_language"]) == {"id", "en"}
    assert set(saved["baselines"]) == {"dense", "bm25"}


def test_results_and_markdown_are_written(run):
    out, _ = run
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all("answer" in r and "citation" in r and "ttft_s" in r for r in rows)
    md = (out / "report.md").read_text()
    assert "Retrieval recall@5" in md and "bm25-only" in md and (out / "quality.png").is_file()


def test_compare_two_runs(run):
    out, _ = run
    text = compare(out, out)
    assert "Retrieval recall@5" in text and "0 question(s) changed verdict" in text
