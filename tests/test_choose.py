"""Choosing settings: only on dev/valid data, by the figures the choice claims."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.benchmarks import DEFAULT_ROOT
from eval.choose import Scored, choose_evidence_threshold, grid, tuning_items
from eval.dataset import HeldOutError, in_split, load_questions
from rag.retrieval import Weights


def _scored(lang: str, relevant_by: str) -> Scored:
    """Three candidates; the relevant one is best by ``relevant_by`` only."""
    low, high = np.array([0.1, 0.2, 0.9]), np.array([0.9, 0.2, 0.1])
    dense = high if relevant_by == "dense" else low
    keyword = high if relevant_by == "bm25" else low
    return Scored("s", lang, dense, np.array([0.5, 0.5, 0.5]), keyword, np.array([True, False, False]))


def test_mrr_follows_the_weights():
    only_bm25 = _scored("id", "bm25")
    assert only_bm25.mrr(Weights(sentence=0.0, bm25=0.0)) == pytest.approx(1 / 3)
    assert only_bm25.mrr(Weights(sentence=0.0, bm25=1.5)) == 1.0


def test_grid_puts_the_weights_that_rank_best_first():
    scored = [_scored("id", "bm25")] * 3 + [_scored("en", "dense")]
    table = grid(scored, "id")
    ws, wb, per_set = table[0]
    assert wb >= 1.0 and per_set == {"s": 1.0}
    assert all(r[2]["s"] < 1.0 for r in table if r[1] == 0.0)  # without BM25 the relevant chunk is not first
    assert grid(scored, "en")[0][2] == {"s": 1.0}


@pytest.mark.skipif(not (DEFAULT_ROOT / "facqa" / "valid.csv").is_file(), reason="no benchmarks")
def test_tuning_questions_hold_no_test_question():
    items = tuning_items(DEFAULT_ROOT)
    test_questions = {i.question for i in in_split(load_questions(), "test")}
    assert items and not test_questions & {i.question for i in items}
    assert {i.set for i in items} == {"ours", "facqa-id", "facqa-en"} and all(i.answerable for i in items)


def _run(tmp_path, suite: str, rows: list[dict], gate: float = -1.0):
    run = tmp_path / suite
    run.mkdir()
    (run / "meta.json").write_text(json.dumps({"suite": suite, "settings": {"min_evidence_score": gate}}))
    (run / "ours.jsonl").write_text("".join(json.dumps({"set": "ours", "answer": "...", **r}) + "\n" for r in rows))
    return run


def test_evidence_threshold_holds_what_it_withholds_and_refuses_heldout_runs(tmp_path):
    rows = ([{"answerable": True, "abstained": False, "evidence_score": s} for s in (0.80, 0.84, 0.86, 0.88, 0.9)] * 4
            # the model refused: not the threshold's
            + [{"answerable": True, "abstained": True, "evidence_score": 0.95}]
            + [{"answerable": False, "abstained": False, "evidence_score": s} for s in (0.70, 0.78, 0.82, 0.89)])
    chosen = choose_evidence_threshold(_run(tmp_path, "dev", rows), max_false=0.0)
    assert chosen["best_range"] == [0.78, 0.80]  # withholds 0.70 and 0.78, keeps every answered one
    assert chosen["min_evidence_score"] == 0.80  # the default decides as well as the best: kept
    assert chosen["withheld_by_threshold"] == 0.0 and chosen["false_abstention"] == pytest.approx(1 / 21)
    assert chosen["unanswerable_abstained"] == 0.5 and chosen["by_set"]["ours"]["questions"] == 25
    looser = choose_evidence_threshold(tmp_path / "dev", max_false=0.2)
    assert looser["best_range"] == [0.82, 0.84]
    # halfway, as the default is not in the range and looser["withheld_by_threshold"] == pytest.approx(4 / 21)
    assert looser["min_evidence_score"] == pytest.approx(0.83)
    assert looser["unanswerable_abstained"] == 0.75
    with pytest.raises(HeldOutError, match="dev-suite run"):
        choose_evidence_threshold(_run(tmp_path, "heldout", rows))


def test_the_logistic_fit_finds_which_way_each_signal_points():
    from eval.choose import fit_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 0] - 1.5 * x[:, 1])))).astype(float)
    intercept, a, b = fit_logistic(x, y, l2=0.1)
    assert a > 1.0 and b < -0.8 and abs(intercept - 0.5) < 0.5


def test_answerability_is_chosen_on_a_dev_run_only(tmp_path):
    from eval.choose import choose_answerability

    (tmp_path / "meta.json").write_text(json.dumps({"suite": "heldout", "settings": {"min_answerability": 0.0}}))
    with pytest.raises(HeldOutError, match="choose on a dev-suite run"):
        choose_answerability(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"suite": "dev", "settings": {"min_answerability": 0.5}}))
    with pytest.raises(HeldOutError, match="the model answered every question"):
        choose_answerability(tmp_path)


def _written(answerable: bool, correct: float, p: float) -> dict:
    """A dev row whose answer's first sentence ("Kim tiba Selasa [1]." then a second) was written with
    probability ``p`` per token, the evidence strong enough for the default answerability to let it through."""
    pieces = ["Kim", " tiba", " Selasa", " [1].", " Ia", " naik", " kereta", " [1]."]
    return {"answerable": answerable, "abstained": False, "correct": correct if answerable else None,
            "signals": {"evidence_score": 0.95, "missing_terms": 0, "not_found_probability": 0.01,
                        "not_found_likeliest": False},
            "pieces": pieces, "token_probabilities": [p] * 4 + [0.9] * 4}


def test_confidence_is_fitted_on_shown_answers_and_withholds_the_unsure_ones(tmp_path):
    from eval.choose import choose_confidence

    rows = ([_written(True, 1.0, 0.95)] * 12 + [_written(True, 0.0, 0.3)] * 2 + [_written(False, 0.0, 0.25)] * 6
            + [_written(False, 0.0, 0.99)] * 2)  # sure and wrong: not caught
    run = _run(tmp_path, "dev", rows)
    meta = json.loads((run / "meta.json").read_text())
    (run / "meta.json").write_text(json.dumps({**meta, "settings": {"min_answerability": 0.0}}))
    chosen = choose_confidence(run, max_false=0.2)
    assert chosen["confidence"]["first_sentence"] > 0  # surer first sentences are right more often
    assert chosen["auc_on_shown"]["first sentence's mean log-probability"] == pytest.approx(96 / 120)
    after = chosen["chosen: answerability, then confidence"]
    # the unsure ones withheld: every unanswerable one but the sure two, and the two wrong answers
    assert after["unanswerable_abstained"] == 0.75 and after["answer_correct"] == pytest.approx(12 / 14)
    assert after["false_abstention"] == pytest.approx(2 / 14) and after["shown_wrong"] == pytest.approx(2 / 14)
    assert chosen["answerability alone (the default)"]["shown_wrong"] == pytest.approx(10 / 22)
    (run / "meta.json").write_text(json.dumps({**meta, "settings": {"min_answerability": 0.0,
                                                                     "min_confidence": 0.5}}))
    with pytest.raises(HeldOutError, match="TANYA_MIN_CONFIDENCE=0"):
        choose_confidence(run)


def test_confidence_builds_on_a_chosen_answerability_model_when_given_one(tmp_path):
    """``--answerability FILE``: the confidence model for another prompt (the library in the prompt) is fitted
    on top of that prompt's own answerability decision, not the default one."""
    from eval.choose import choose_confidence

    rows = [_written(True, 1.0, 0.95)] * 12 + [_written(False, 0.0, 0.25)] * 6
    run = _run(tmp_path, "dev", rows)
    meta = json.loads((run / "meta.json").read_text())
    (run / "meta.json").write_text(json.dumps({**meta, "settings": {"min_answerability": 0.0}}))
    default = choose_confidence(run, max_false=0.2)
    assert default["shown_by_answerability"] == 18  # strong evidence: the default model lets every one through
    strict = tmp_path / "answerability.json"  # a model under which these signals are never answerable enough
    strict.write_text(json.dumps({"answerability": {"intercept": -20.0, "evidence": 0.0, "missing": 0.0,
                                                    "not_found": 0.0, "min_answerability": 0.5}}))
    with pytest.raises(HeldOutError, match="no answer of .* passes the answerability decision"):
        choose_confidence(run, max_false=0.2, answerability=strict)
    lenient = tmp_path / "lenient.json"
    lenient.write_text(json.dumps({"answerability": {"intercept": 20.0, "evidence": 0.0, "missing": 0.0,
                                                     "not_found": 0.0, "min_answerability": 0.5}}))
    lenient_choice = choose_confidence(run, max_false=0.2, answerability=lenient)
    assert lenient_choice["shown_by_answerability"] == 18
    assert lenient_choice["chosen: answerability, then confidence"] == default["chosen: answerability, then confidence"]
