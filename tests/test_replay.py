"""The replay of a suite run's recorded replies (eval/replay.py): the pipeline after the model, without it."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from fakes import QUESTION, NoChatModel, QuotingModel, fake_assistant

from eval.replay import ReplayError, ReplayModel, check_settings


def _recorded(answer) -> dict:
    """What a suite run records of an answer (eval.heldout.ask_item)."""
    return {"answer": answer.text, "pieces": answer.stats.pieces,
            "token_probabilities": answer.stats.token_probabilities,
            "signals": asdict(answer.signals) if answer.signals else None, "prompt_tokens": answer.stats.prompt_tokens}


def test_a_replayed_reply_gives_the_answer_the_model_gave(tmp_path):
    live = fake_assistant(tmp_path / "live")
    answer = live.ask(QUESTION)
    assert not answer.abstained and answer.stats.pieces
    replayer = ReplayModel(NoChatModel)
    again = fake_assistant(tmp_path / "replayed", chat_model=replayer)
    replayer.expect(_recorded(answer))
    replayed = again.ask(QUESTION)
    assert replayed.text == answer.text
    assert [(c.number, c.passage_id, c.quotes) for c in replayed.citations] == \
        [(c.number, c.passage_id, c.quotes) for c in answer.citations]
    assert replayer.replayed == 1 and replayer.passed_on == 0


def test_the_reply_comes_back_piece_by_piece_with_its_probabilities_and_opening():
    replayer = ReplayModel(NoChatModel)
    replayer.expect({"pieces": ["Dua", " ribu", " [1]."], "token_probabilities": [0.9, 0.5, 0.99],
                     "signals": {"not_found_probability": 0.02, "not_found_likeliest": False}, "prompt_tokens": 300})
    generation = replayer.stream([{"role": "user", "content": "..."}], max_tokens=10, temperature=0.0,
                                 opening="NOT_IN_SOURCES")
    assert list(generation) == ["Dua", " ribu", " [1]."]
    assert generation.stats.token_probabilities == [0.9, 0.5, 0.99] and generation.stats.prompt_tokens == 300
    assert generation.opening.probability == 0.02 and generation.opening.likeliest is False


def test_other_requests_go_to_the_real_model_loaded_when_the_first_comes():
    loaded = []

    def real():
        loaded.append(1)
        return QuotingModel()

    replayer = ReplayModel(real)
    assert not loaded
    reply = "".join(replayer.stream([{"role": "user", "content": "[1] Banjir di Jakarta."}], max_tokens=10,
                                    temperature=0.0))
    replayer.stream([{"role": "user", "content": "[1] Lagi."}], max_tokens=10, temperature=0.0)
    assert reply and loaded == [1] and replayer.passed_on == 2


def test_an_answer_prompt_with_no_recorded_reply_is_an_error_not_a_made_up_answer():
    replayer = ReplayModel(NoChatModel)
    replayer.expect({"answer": "", "pieces": []})  # the run abstained before asking the model
    with pytest.raises(ReplayError, match="no reply"):
        replayer.stream([{"role": "user", "content": "..."}], max_tokens=10, temperature=0.0, opening="X")


def test_a_replay_under_another_prompt_is_refused():
    run = {"top_k": 4, "demonstrations": True, "min_answerability": 0.0}
    check_settings(run, {**run, "min_answerability": 0.4})  # a decision after the model: fine
    with pytest.raises(ReplayError, match="top_k"):
        check_settings(run, {**run, "top_k": 6})
