"""Exports of a conversation and of one answer, as Markdown and JSON: every question, answer and citation
(title, publisher, date, cited sentences, URL or file, pages), and they parse."""

from __future__ import annotations

import json

import pytest
from fakes import fake_assistant

from rag import ConversationStore, TurnStatus, answer_json, answer_markdown, conversation_json, conversation_markdown
from rag.abstention import Reason
from rag.answer import Answer, Citation
from rag.export import export_filename, pages_label

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seed_articles):
    return fake_assistant(tmp_path_factory.mktemp("export-home"), seed_articles)


def _web_answer() -> Answer:
    """An answer citing a web article (with a URL), a PDF (file and pages) and one with Markdown in its title."""
    return Answer(text="Oleg memberi Kim rompi [1]. Kim pulang naik kereta [2][3].", language="id", abstained=False,
                  question=QUESTION, filters={"publisher": ["Bisnis.com"], "date_from": "2023-09-01"},
                  citations=[Citation(1, "web", "Rompi untuk Kim", "Oleg memberi Kim rompi.", publisher="Bisnis.com",
                                      date="2023-09-17", quotes=("Oleg memberi Kim rompi.",),
                                      url="https://example.org/rompi", file="/data/rompi.html"),
                             Citation(2, "pdf", "Laporan", "Kim naik kereta.", quotes=("Kim naik kereta.",),
                                      file="/data/laporan.pdf", pages=(3, 4)),
                             Citation(3, "md", "Judul *tebal* <b>", "Kereta hijau.", date="2023-09-18",
                                      quotes=("Kereta hijau.",), file="/data/k.md")])


def test_one_answer_as_json_holds_every_citation():
    data = json.loads(answer_json(QUESTION, _web_answer()))
    assert data["format"] == "tanya-berita" and data["kind"] == "answer" and data["question"] == QUESTION
    assert data["filters"] == {"publisher": ["Bisnis.com"], "date_from": "2023-09-01"}
    cited = data["answer"]["citations"]
    assert [c["number"] for c in cited] == [1, 2, 3]
    assert cited[0] == {"number": 1, "title": "Rompi untuk Kim", "publisher": "Bisnis.com", "date": "2023-09-17",
                        "sentences": ["Oleg memberi Kim rompi."], "url": "https://example.org/rompi",
                        "file": "/data/rompi.html", "pages": [], "doc_id": "web"}
    assert cited[1]["pages"] == [3, 4] and cited[1]["url"] is None and cited[1]["file"] == "/data/laporan.pdf"


def test_one_answer_as_markdown_holds_every_citation():
    md = answer_markdown(QUESTION, _web_answer(), "en")
    assert md.startswith(f"## {QUESTION}\n")
    assert "*Restricted to: publishers Bisnis.com; from 2023-09-01*" in md
    assert ("1. **Rompi untuk Kim** — Bisnis.com, 2023-09-17\n   > Oleg memberi Kim rompi.\n"
            "   <https://example.org/rompi>") in md
    assert "2. **Laporan** — pp. 3–4\n   > Kim naik kereta.\n   File: `/data/laporan.pdf`" in md
    assert "3. **Judul \\*tebal\\* \\<b\\>** — 2023-09-18" in md  # a title's markup is escaped
    assert "hlm. 3–4" in answer_markdown(QUESTION, _web_answer(), "id")


def test_a_conversation_exports_every_turn(bot, tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    c = store.create()
    answer = bot.ask(QUESTION)
    abstention = bot.ask("Siapa pemenang Piala Eropa?")  # no source sentence shares a word: the fake refuses
    store.finish_turn(c.id, store.append_turn(c.id, QUESTION), answer)
    store.finish_turn(c.id, store.append_turn(c.id, abstention.question), abstention)
    store.finish_turn(c.id, store.append_turn(c.id, "Lalu?"), status=TurnStatus.STOPPED, partial="Dia")
    store.append_turn(c.id, "Dan kapan?")  # unfinished
    conversation = store.load(c.id)

    data = json.loads(conversation_json(conversation))
    assert data["kind"] == "conversation" and data["id"] == c.id and data["title"] == QUESTION
    assert [t["question"] for t in data["turns"]] == [QUESTION, abstention.question, "Lalu?", "Dan kapan?"]
    assert [t["status"] for t in data["turns"]] == ["answered", "answered", "stopped", "pending"]
    first = data["turns"][0]["answer"]
    assert first["text"] == answer.text and len(first["citations"]) == len(answer.citations) >= 1
    for got, cited in zip(first["citations"], answer.citations, strict=True):
        assert got["title"] == cited.title and got["sentences"] == list(cited.quotes)
        assert got["file"] and got["file"].endswith(".txt")  # the seed articles are files without a URL
    assert data["turns"][1]["answer"]["abstained"] is True

    md = conversation_markdown(conversation, "en")
    assert md.startswith(f"# {QUESTION}\n")
    assert f"## 1. {QUESTION}" in md and "## 4. Dan kapan?" in md
    for cited in answer.citations:
        assert f"**{cited.title}**" in md and cited.quotes[0][:40] in md.replace("\\", "")
    # the fake model refused: no answer could be confirmed (the label of an answer looked for and not found)
    assert abstention.abstention is Reason.MODEL_FOUND_NOTHING and "**Not confirmed by the sources.**" in md
    assert "(unfinished: no checked answer was saved)" in md
    assert "(stopped before the answer was complete; not checked)" in md


def test_labels_and_names():
    assert pages_label((5,), "en") == "p. 5" and pages_label((), "en") == ""
    assert export_filename("Siapa yang memberi Kim rompi?", ".md") == "siapa-yang-memberi-kim-rompi.md"
    assert export_filename("???", ".json") == "tanya-berita.json"
