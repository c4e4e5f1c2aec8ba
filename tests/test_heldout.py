"""The held-out suite: its sets, sampling, scores and the plumbing of a run (tiny model: structure only)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from eval.benchmarks import DEFAULT_ROOT, BenchmarkError
from eval.heldout import (
    FACQA_EN,
    SETS,
    SuiteItem,
    abstention_curve,
    facqa,
    load_facqa_en,
    markdown,
    ours,
    run_suite,
    sampled,
    suite_items,
    summary,
)
from eval.resume import RunFolderError

needs_benchmarks = pytest.mark.skipif(not (DEFAULT_ROOT / "facqa" / "test.csv").is_file(),
                                      reason=f"the benchmarks are not in {DEFAULT_ROOT}")


def _row(answerable: bool, abstained: bool, score: float | None, lang: str = "id", correct: float = 1.0) -> dict:
    return {"answerable": answerable, "abstained": abstained, "evidence_score": score, "lang": lang, "answer": "...",
            "correct": (0.0 if abstained else correct) if answerable else None, "language_match": True,
            "citation": {"sentences": 1, "recall": 1.0, "precision": 1.0, "citations": 1, "dangling": 0},
            "ttft_s": 1.0, "total_s": 2.0, "rank": 1}


def test_ours_is_the_frozen_test_half_in_the_heldout_suite():
    items = ours("test")
    assert len(items) == 49 and all(i.set == "ours" for i in items)
    assert not {i.key for i in items} & {i.key for i in ours("dev")}
    assert {i.lang for i in items} == {"id", "en"} and any(not i.answerable for i in items)


def test_english_facqa_versions_hold_300_hand_written_questions():
    valid, test = load_facqa_en("valid"), load_facqa_en("test")
    assert len(valid) >= 150 and len(test) >= 150
    for row in valid + test:
        assert row["question_en"].endswith("?") and row["question_en"] != row["question"]
        assert isinstance(row["gold_en"], list) and row["gold"] not in row["gold_en"]


@needs_benchmarks
def test_english_versions_match_the_facqa_test_rows():
    english = {i.key: i for i in facqa(DEFAULT_ROOT / "facqa", "en")}
    indonesian = {i.key: i for i in facqa(DEFAULT_ROOT / "facqa", "id")}
    assert len(english) == 150 and len(indonesian) > 300
    for key, item in english.items():  # same fact, same passage; the Indonesian span is always accepted
        assert item.evidence == indonesian[key].evidence and item.golds[0][0] == indonesian[key].golds[0][0]


def test_a_translation_of_another_question_is_refused(tmp_path):
    folder = tmp_path / "facqa"
    folder.mkdir()
    first = json.loads(FACQA_EN.read_text(encoding="utf-8").splitlines()[150])  # a test row
    with (folder / "test.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["index", "question", "passage", "seq_label"])
        for n in range(first["n"] + 1):
            writer.writerow([n, "['Siapa', 'dia', '?']", "['Dia', 'Budi', '.']", "['O', 'B', 'O']"])
    with pytest.raises(BenchmarkError, match="another version of FacQA"):
        facqa(folder, "en")


def test_sample_is_fixed_and_balanced():
    items = [SuiteItem("s", str(n), "id", f"q{n}", answerable=n % 3 != 0) for n in range(60)]
    first, again = sampled(items, 10), sampled(items, 10)
    assert first == again and len(first) == 10
    assert sum(i.answerable for i in first) == 5
    assert sampled(items, None) == items and sampled(items, 100) == items


def test_abstention_curve_separates_a_threshold_from_a_better_score():
    perfect = [_row(True, False, 0.9), _row(True, False, 0.85), _row(False, True, 0.7), _row(False, False, 0.82)]
    curve = abstention_curve(perfect)
    assert curve["auc"] == 1.0 and curve["correct_at_false_0_05"] == 1.0
    assert curve["system"] == {"false_abstention": 0.0, "correct_abstention": 0.5}
    assert curve["points"][0]["false_abstention"] == 0.0 and curve["points"][-1]["correct_abstention"] == 1.0
    reversed_scores = [_row(True, False, 0.7), _row(False, False, 0.9)]
    assert abstention_curve(reversed_scores)["auc"] == 0.0
    assert abstention_curve([_row(True, False, None), _row(False, True, None)])["auc"] == 0.5  # ties count half
    assert abstention_curve([_row(True, False, 0.9)]) is None  # no unanswerable question: no curve


def test_summary_scores_abstention_as_not_correct():
    rows = [_row(True, False, 0.9), _row(True, True, 0.7), _row(False, True, 0.5), _row(False, False, 0.8)]
    figures = summary(rows)
    assert figures["answer_correct"] == 0.5 and figures["false_abstention"] == 0.5
    assert figures["unanswerable_abstained"] == 0.5 and figures["recall_at_5"] == 1.0
    assert figures["citation_precision"] == 1.0 and figures["ttft_median_s"] == 1.0
    assert figures["false_abstention_quoting_answer"] is None  # rows of runs from before it was recorded


def test_summary_counts_the_false_abstentions_whose_quote_holds_the_answer():
    quoting, not_quoting = _row(True, True, 0.7), _row(True, True, 0.7)
    quoting["abstention_quotes_answer"], not_quoting["abstention_quotes_answer"] = True, False
    rows = [_row(True, False, 0.9), quoting, not_quoting, _row(True, True, 0.6), _row(False, True, 0.5)]
    figures = summary(rows)
    assert figures["false_abstention"] == 0.75 and figures["false_abstention_quoting_answer"] == 0.5


def test_summary_counts_the_false_abstentions_that_withheld_a_right_draft():
    withheld_right, withheld_wrong, not_asked = _row(True, True, 0.7), _row(True, True, 0.7), _row(True, True, 0.5)
    withheld_right["draft_correct"], withheld_wrong["draft_correct"], not_asked["draft_correct"] = 1.0, 0.0, None
    shown = _row(True, False, 0.9)
    shown["draft_correct"] = 1.0
    figures = summary([shown, withheld_right, withheld_wrong, not_asked, _row(False, True, 0.5)])
    # of 4 answerable questions, 3 withheld; only one of those had the answer in the model's own reply
    assert figures["false_abstention"] == 0.75 and figures["false_abstention_right_draft"] == 0.25
    assert summary([_row(True, True, 0.7)])["false_abstention_right_draft"] is None  # runs from before it


@needs_benchmarks
def test_sampled_facqa_sets_ask_the_same_facts_in_both_languages():
    chosen = suite_items(DEFAULT_ROOT, SETS, sample=6)
    assert {i.key for i in chosen["facqa-en"]} == {i.key for i in chosen["facqa-id"]}
    assert len(chosen["facqa-en"]) == 6 and len(chosen["idk-mrc"]) == 6 and len(chosen["ours"]) == 6
    assert sum(i.answerable for i in chosen["idk-mrc"]) == 3
    dev = suite_items(DEFAULT_ROOT, SETS, sample=6, suite="dev")  # the twin suite, for choosing
    for name in SETS:
        assert not {i.question for i in dev[name]} & {i.question for i in chosen[name]}, name


# A run, end to end through the public API (real embedder, tiny model) --------------------------
def _small_benchmarks(tmp_path):
    """FacQA cut to its first rows (the English versions of those come along) and IDK-MRC's first paragraphs."""
    root = tmp_path / "benchmarks"
    (root / "facqa").mkdir(parents=True)
    for split, rows in (("train", 3), ("valid", 3), ("test", 12)):
        lines = (DEFAULT_ROOT / "facqa" / f"{split}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (root / "facqa" / f"{split}.csv").write_text("".join(lines[: rows + 1]), encoding="utf-8")
    (root / "idk_mrc").mkdir()
    paragraphs = json.loads((DEFAULT_ROOT / "idk_mrc" / "test.json").read_text(encoding="utf-8"))[:6]
    (root / "idk_mrc" / "test.json").write_text(json.dumps(paragraphs), encoding="utf-8")
    shutil.copy(DEFAULT_ROOT / "facqa" / "LICENSE", root / "facqa" / "LICENSE")
    return root


@pytest.fixture(scope="module")
def suite_run(tiny_bot, tmp_path_factory):
    if not (DEFAULT_ROOT / "facqa" / "test.csv").is_file():
        pytest.skip(f"the benchmarks are not in {DEFAULT_ROOT}")
    from eval.judge import GroundingJudge
    from rag import Assistant

    tmp = tmp_path_factory.mktemp("suite")
    root = _small_benchmarks(tmp)
    facqa_bot = Assistant(tiny_bot.settings, home=tmp / "facqa-home", embedder=tiny_bot.embedder)
    bot_for = {"ours": tiny_bot, "idk-mrc": tiny_bot, "facqa-id": facqa_bot, "facqa-en": facqa_bot}.__getitem__
    out = tmp / "run"
    asked: list[str] = []

    def counting(name):
        asked.append(name)
        return bot_for(name)

    report = run_suite(counting, GroundingJudge(tiny_bot.embedder), out, root=root, sample=2, progress=False,
                       meta={"command": "test"})
    return out, report, bot_for, root


def test_suite_writes_one_table_with_every_set_and_language(suite_run):
    out, report, _, _ = suite_run
    assert set(report["table"]) == set(SETS)
    assert set(report["table"]["ours"]) == {"all", "en", "id"}
    assert set(report["abstention_curves"]) == {"ours", "idk-mrc"}
    for name in SETS:
        rows = [json.loads(line) for line in (out / f"{name}.jsonl").read_text().splitlines()]
        assert len(rows) == 2, name
        for row in rows:
            assert row["answer"] and row["total_s"] > 0 and isinstance(row["abstained"], bool)
            assert "evidence_score" in row and "citation" in row and "language_match" in row
            assert row["abstention_quotes_answer"] is None or (row["answerable"] and row["abstained"])
            assert row["draft_correct"] is None or (row["answerable"] and 0.0 <= row["draft_correct"] <= 1.0)
        assert all(("rank" in r) == (name != "idk-mrc" and r["answerable"]) for r in rows), name
    for figures in report["table"].values():
        assert figures["all"]["questions"] == 2 and figures["all"]["ttft_median_s"] > 0
    saved = json.loads((out / "heldout-report.json").read_text())
    assert saved["meta"]["sample"] == 2
    md = (out / "heldout-report.md").read_text()
    assert md == markdown(saved) and "| facqa-en | all |" in md and "area" in md


def test_suite_continues_without_asking_again(suite_run, monkeypatch):
    out, report, bot_for, root = suite_run
    from eval import heldout
    from eval.judge import GroundingJudge

    monkeypatch.setattr(heldout, "ask_item", lambda *a: pytest.fail("asked again"))
    again = run_suite(bot_for, GroundingJudge(bot_for("ours").embedder), out, root=root, sample=2,
                      progress=False)
    assert again["table"] == report["table"]


def test_suite_refuses_a_folder_run_with_other_settings(suite_run):
    out, _, bot_for, root = suite_run
    from eval.judge import GroundingJudge

    other = bot_for("ours").with_settings(top_k=2)
    with pytest.raises(RunFolderError, match="other settings \\(top_k\\)"):
        run_suite(lambda name: other, GroundingJudge(other.embedder), out, root=root, sample=2, progress=False)


def test_suite_refuses_a_folder_run_with_other_code(suite_run, monkeypatch):
    out, _, bot_for, root = suite_run
    from eval import heldout
    from eval.judge import GroundingJudge

    assert json.loads((out / "meta.json").read_text())["code"] == heldout.code_fingerprint()
    monkeypatch.setattr(heldout, "code_fingerprint", lambda: "another")
    with pytest.raises(RunFolderError, match="other code"):
        run_suite(bot_for, GroundingJudge(bot_for("ours").embedder), out, root=root, sample=2, progress=False)


def test_the_code_fingerprint_follows_the_product_code_not_the_recorded_runs(tmp_path):
    from eval.heldout import code_fingerprint

    for package in ("index", "rag", "eval"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "a.py").write_text("x = 1\n")
    (tmp_path / "eval" / "runs").mkdir()
    before = code_fingerprint(tmp_path)
    (tmp_path / "eval" / "runs" / "lab.py").write_text("y = 2\n")
    assert code_fingerprint(tmp_path) == before
    (tmp_path / "rag" / "a.py").write_text("x = 2\n")
    assert code_fingerprint(tmp_path) != before


def test_retrieval_only_measures_retrieval_and_skips_what_has_none(suite_run, tmp_path):
    _, _, bot_for, root = suite_run
    from eval.judge import GroundingJudge

    report = run_suite(bot_for, GroundingJudge(bot_for("ours").embedder), tmp_path / "retrieval", root=root,
                       sample=4, progress=False, answers=False)
    assert set(report["table"]) == {"ours", "facqa-id", "facqa-en"}  # IDK-MRC retrieves nothing
    for name, by_lang in report["table"].items():
        rows = [json.loads(line) for line in (tmp_path / "retrieval" / f"{name}.jsonl").read_text().splitlines()]
        assert rows and all("rank" in r and "answer" not in r and r["answerable"] for r in rows)
        assert by_lang["all"]["recall_at_5"] is not None and by_lang["all"]["answer_correct"] is None
