"""One log line per question (rag/answer_log.py), from a real Assistant and index with fake models."""

from __future__ import annotations

import logging
import re
import threading

import pytest
from fakes import QUESTION, QuotingModel, fake_assistant

from rag import Assistant, Checking, Final, LLMError

LOGGER = "tanya.answers"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    return fake_assistant(tmp_path_factory.mktemp("log"))


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def _fields(line: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=(\S+)", line))


def test_an_answer_logs_one_line_with_its_figures(bot, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    answer = bot.ask(QUESTION)
    [line] = _lines(caplog)
    fields = _fields(line)
    assert line.startswith("answered ") and not answer.abstained
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", fields["asked_at"])
    assert fields["language"] == "id" and (fields["abstained"], fields["reason"]) == ("no", "-")
    assert float(fields["retrieval_s"]) == pytest.approx(answer.retrieval_s, abs=1e-3)
    assert 0 < float(fields["retrieval_s"]) <= float(fields["first_token_s"]) <= float(fields["total_s"])
    assert int(fields["tokens"]) == answer.stats.completion_tokens > 0


def test_an_abstention_logs_its_reason_and_the_language(bot, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    answer = bot.ask("Who won the xylophone chess contest of 1847?")
    [line] = _lines(caplog)
    assert answer.abstained and _fields(line)["abstained"] == "yes"
    assert _fields(line)["reason"] == answer.abstention.value and _fields(line)["language"] == "en"


def test_a_stopped_question_logs_that_it_stopped(bot, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    slow = Assistant(bot.settings, embedder=bot.embedder, store=bot.store, chat_model=QuotingModel(endless=True))
    stop = threading.Event()
    events = []
    for event in slow.events(QUESTION, stop=stop):
        events.append(event)
        if isinstance(event, Checking):  # the model has begun to write
            stop.set()
    [line] = _lines(caplog)
    assert not any(isinstance(e, Final) for e in events)
    assert line.startswith("stopped ") and _fields(line)["first_token_s"] == "-"  # stopped before a checked sentence


def test_a_question_the_caller_leaves_logs_that_it_stopped(bot, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    slow = Assistant(bot.settings, embedder=bot.embedder, store=bot.store, chat_model=QuotingModel(endless=True))
    events = slow.events(QUESTION)
    assert isinstance(next(e for e in events if isinstance(e, Checking)), Checking)
    events.close()
    [line] = _lines(caplog)
    assert line.startswith("stopped ")
    assert slow.model_queue.ahead(slow.model_queue.take()) == 0  # the turn at the model was given back


def test_a_failure_logs_its_error(bot, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    failing = Assistant(bot.settings, embedder=bot.embedder, store=bot.store, chat_model=QuotingModel(fail_after=1))
    with pytest.raises(LLMError):
        failing.ask(QUESTION)
    [line] = _lines(caplog)
    assert line.startswith("failed error=LLMError ") and _fields(line)["language"] == "id"
