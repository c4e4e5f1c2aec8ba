"""Conversations kept in SQLite: the Python API, answers saved whole and read back, and a process killed
mid-answer losing at most that answer. Real SQLite files in tmp_path; the answers come from the whole
engine with the fake models of tests/fakes.py."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest
from fakes import fake_assistant

from rag import ConversationError, ConversationStore, TurnStatus
from rag.answer_record import RecordError, answer_from_record, answer_to_record

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seed_articles):
    return fake_assistant(tmp_path_factory.mktemp("conv-home"), seed_articles)


@pytest.fixture(scope="module")
def answer(bot):
    answer = bot.ask(QUESTION)
    assert answer.citations and not answer.abstained  # (the fake model quotes source [1], which verification keeps)
    return answer


@pytest.fixture()
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "home" / "conversations.sqlite3")


def test_an_answer_record_gives_back_the_same_answer(answer, bot):
    abstention = bot.ask("Berapa skor pertandingan Persija melawan Persib di Jakarta?")
    for original in (answer, abstention):
        record = answer_to_record(original)
        import json

        again = answer_from_record(json.loads(json.dumps(record)))
        assert again == original  # every field: text, citations, passages and their sentences, notes, stats


def test_a_record_of_another_version_or_damaged_is_a_readable_error(answer):
    record = answer_to_record(answer)
    with pytest.raises(RecordError, match="format 99"):
        answer_from_record({**record, "version": 99})
    with pytest.raises(RecordError, match="damaged"):
        answer_from_record({k: v for k, v in record.items() if k != "citations"})


def test_create_append_list_load_rename_delete(store, answer):
    first = store.create()
    second = store.create("Kereta Kim")
    n = store.append_turn(first.id, QUESTION, filters={"doc_id": ["a", "b"]})
    assert n == 1
    assert store.load(first.id).turns[0].status is TurnStatus.PENDING
    store.finish_turn(first.id, n, answer)
    assert store.append_turn(first.id, "Lalu apa lagi?") == 2
    store.finish_turn(first.id, 2, status=TurnStatus.STOPPED, partial="Dia juga")

    listed = store.list()
    assert [s.id for s in listed] == [first.id, second.id]  # the most recently used first
    assert listed[0].title == QUESTION and listed[0].turns == 2  # titled by its first question
    assert listed[1].title == "Kereta Kim" and listed[1].turns == 0

    loaded = store.load(first.id)
    assert [t.position for t in loaded.turns] == [1, 2]
    assert loaded.turns[0].answer == answer and loaded.turns[0].filters == {"doc_id": ["a", "b"]}
    assert loaded.turns[1].status is TurnStatus.STOPPED and loaded.turns[1].partial == "Dia juga"
    assert loaded.history() == [(QUESTION, answer.text)]  # unfinished answers are left out

    store.rename(first.id, "  Rompi   untuk Kim ")
    assert store.load(first.id).title == "Rompi untuk Kim"
    store.delete(first.id)
    assert [s.id for s in store.list()] == [second.id]
    with pytest.raises(ConversationError, match="no conversation"):
        store.load(first.id)
    with pytest.raises(ConversationError, match="no conversation"):
        store.append_turn(first.id, QUESTION)
    with pytest.raises(ConversationError, match="cannot be empty"):
        store.rename(second.id, "  ")
    # the turns went with their conversation
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0


def test_the_file_is_in_wal_mode_under_tanya_home(bot):
    store = bot.conversations
    assert store.path == bot.settings.home / "conversations.sqlite3"
    store.create()
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert bot.with_settings(top_k=3).conversations.path == store.path  # every session, one file


def test_an_answer_for_a_question_deleted_meanwhile_is_a_readable_error(store, answer):
    c = store.create()
    n = store.append_turn(c.id, QUESTION)
    store.delete(c.id)
    with pytest.raises(ConversationError, match="was not saved"):
        store.finish_turn(c.id, n, answer)


#: A process that saves a conversation as the page does, then keeps writing turns until it is killed.
WRITER = textwrap.dedent("""
    import json, sys, time
    from rag.answer_record import answer_from_record
    from rag.conversations import ConversationStore

    store = ConversationStore(sys.argv[1])
    answer = answer_from_record(json.load(open(sys.argv[2])))
    c = store.create()
    n = store.append_turn(c.id, "Q1")
    store.finish_turn(c.id, n, answer)
    n = store.append_turn(c.id, "Q2")  # being answered when the process dies
    print(c.id, flush=True)
    i = 0
    while True:  # other conversations keep writing: the kill lands in the middle of some write
        other = store.create()
        for _ in range(20):
            i += 1
            k = store.append_turn(other.id, f"q{i}")
            store.finish_turn(other.id, k, answer)
""")


def _turns(path: Path) -> int:
    try:
        with closing(sqlite3.connect(path, timeout=5)) as db:
            return int(db.execute("SELECT COUNT(*) FROM turns").fetchone()[0])
    except sqlite3.Error:  # not made yet
        return 0


def test_a_process_killed_mid_answer_loses_at_most_that_answer(tmp_path, answer):
    import json

    record = tmp_path / "answer.json"
    record.write_text(json.dumps(answer_to_record(answer)), encoding="utf-8")
    path = tmp_path / "conversations.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(record)], stdout=subprocess.PIPE,
                             text=True, env=env)
    try:
        conversation_id = child.stdout.readline().strip()
        assert conversation_id, "the writer did not start"
        deadline = time.monotonic() + 60
        while _turns(path) < 50 and time.monotonic() < deadline:  # writing turns of other conversations by now
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = ConversationStore(path)
    kept = store.load(conversation_id)
    assert [t.question for t in kept.turns] == ["Q1", "Q2"]
    assert kept.turns[0].answer == answer  # the answer saved before the kill, whole
    assert kept.turns[1].status is TurnStatus.PENDING and kept.turns[1].answer is None  # the unfinished one
    others = [store.load(s.id) for s in store.list() if s.id != conversation_id]
    assert sum(len(c.turns) for c in others) >= 48  # the kill came while writing
    for c in others:  # every turn whole: a question with its answer, or a question still pending
        assert [t.position for t in c.turns] == list(range(1, len(c.turns) + 1))
        assert all(t.answer == answer for t in c.turns if t.status is TurnStatus.ANSWERED)
        assert all(t.status is TurnStatus.PENDING for t in c.turns if t.answer is None)
    store.append_turn(conversation_id, "Q3")  # and the file takes writes again
    assert len(store.load(conversation_id).turns) == 3
