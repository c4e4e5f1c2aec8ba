import _thread
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from rag.errors import QuestionError
from tanya.cli import interruptible_ask
from tanya.environment import OFFLINE, configure


def run(args, tmp_path, **env):
    full_env = {**os.environ, "TANYA_HOME": str(tmp_path / "home"), **env}
    return subprocess.run([sys.executable, "-m", "tanya", *args], env=full_env, capture_output=True, text=True,
                          timeout=300)


def test_empty_question_is_a_clear_error_without_traceback(tmp_path):
    done = run(["ask", "  "], tmp_path)
    assert done.returncode == 2
    assert "error: The question is empty" in done.stderr and "Traceback" not in done.stderr


def test_bad_setting_is_a_clear_error(tmp_path):
    done = run(["index"], tmp_path, TANYA_TOP_K="lots")
    assert done.returncode == 2 and "TANYA_TOP_K" in done.stderr and "Traceback" not in done.stderr


def test_foreign_index_folder_is_refused(tmp_path):
    (tmp_path / "home" / "index").mkdir(parents=True)
    (tmp_path / "home" / "index" / "notes.txt").write_text("mine")
    done = run(["index"], tmp_path)
    assert done.returncode == 2 and "not a Tanya Berita index" in done.stderr
    assert (tmp_path / "home" / "index" / "notes.txt").read_text() == "mine"


def test_index_twice_reports_unchanged(tmp_path, models_dir, seed_articles):
    env = {"TANYA_MODELS_DIR": str(models_dir), "TANYA_ARTICLES_DIR": str(seed_articles)}
    first = run(["index"], tmp_path, **env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "5 added" in first.stdout
    second = run(["index"], tmp_path, **env)
    assert "0 added" in second.stdout and "5 unchanged" in second.stdout and "0 chunks written" in second.stdout


def test_ctrl_c_during_ask_stops_the_model_at_once():
    class ReadingALongPrompt:
        """Stands in for an Assistant whose model reads until it is stopped, as llama.cpp does with its abort flag."""

        def __init__(self):
            self.stopped = threading.Event()

        def events(self, question, *, language, stop):
            if stop.wait(60):
                self.stopped.set()
                return
            yield  # pragma: no cover  (makes this a generator, like Assistant.events)

    bot = ReadingALongPrompt()
    # Ctrl-C as in a terminal: a process started as a background job (`cmd &`, as a CI runner may) inherits SIGINT
    # ignored, and then no simulated press reaches Python at all.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, _thread.interrupt_main).start()  # the user presses Ctrl-C
        with pytest.raises(KeyboardInterrupt):
            interruptible_ask(bot, "Siapa?", None)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert bot.stopped.wait(2)  # the model was told to stop, not left reading for a minute


def test_ask_errors_come_back_from_the_worker_thread():
    class Refusing:
        def events(self, question, *, language, stop):
            raise QuestionError("The question is empty.")
            yield  # pragma: no cover

    with pytest.raises(QuestionError, match="empty"):
        interruptible_ask(Refusing(), " ", None)


def test_the_entry_point_sets_the_offline_environment_without_overriding_the_users():
    env = {"HF_HUB_OFFLINE": "0"}
    configure(env)
    assert env["HF_HUB_OFFLINE"] == "0"  # the user's choice stands
    assert env["TRANSFORMERS_OFFLINE"] == "1" and env["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_importing_the_layers_sets_no_environment_variable():
    code = ("import json, os; before = set(os.environ); import rag, index, ui, ui.app, eval.cli; "
            "print(json.dumps(sorted(set(os.environ) - before)))")
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not set(json.loads(done.stdout.splitlines()[-1])) & set(OFFLINE), done.stdout


def _subparsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_argument_of_every_command_says_what_it_is():
    import argparse

    from eval.cli import _parser as eval_parser
    from tanya.cli import _parser

    parsers = [("tanya", _parser()), *_subparsers(_parser()), ("eval", eval_parser())]
    missing = [f"{name}: {action.dest}" for name, parser in parsers for action in parser._actions
               if not isinstance(action, argparse._HelpAction) and (not action.help or action.help == argparse.SUPPRESS)
               and not isinstance(action, argparse._SubParsersAction)]
    assert not missing, f"arguments without help=: {missing}"
    [commands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert {c.dest: bool(c.help) for c in commands._choices_actions} == dict.fromkeys(
        ["index", "ask", "retrieve", "eval", "ui", "serve"], True)


def test_tanya_help_shows_an_example_of_every_command(capsys):
    from tanya.cli import _parser, main

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    examples = shown[shown.index("examples:"):]
    for command in dict(_subparsers(_parser())):
        assert f"tanya {command} " in examples or f"tanya {command}\n" in examples, command


def test_serve_listens_on_the_apis_own_default_port():
    from tanya.cli import _parser
    from ui.openai_api import DEFAULT_PORT

    assert _parser().parse_args(["serve"]).port == DEFAULT_PORT


def test_ask_streams_the_checked_sentences_then_prints_the_sources(monkeypatch, capsys):
    """`tanya ask` prints each checked piece as it comes; the pieces and the sources after them read as the
    answer with its sources (what `answer.with_sources()` gives)."""
    import tanya.cli as cli
    from rag import Final, Token
    from rag.answer import Answer, Citation

    answer = Answer(text="Kim menerima rompi [1]. Ia pulang Minggu [1].", language="id", abstained=False,
                    question="Apa?", citations=[Citation(number=1, doc_id="a", title="Kim pulang", text="...")])
    pieces = ("Kim menerima rompi [1].", " Ia pulang Minggu [1].")

    class Streaming:
        def events(self, question, *, language, stop):
            yield from (Token(p) for p in pieces)
            yield Final(answer)

    got: list[str] = []
    assert cli.interruptible_ask(Streaming(), "Apa?", None, on_text=got.append) is answer
    assert tuple(got) == pieces
    monkeypatch.setattr("rag.assistant.Assistant", lambda *a, **k: Streaming())
    assert cli.run(["ask", "Apa?"]) == 0
    assert capsys.readouterr().out == answer.with_sources() + "\n"
