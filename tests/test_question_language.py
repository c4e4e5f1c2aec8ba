"""A question in neither Indonesian nor English gets a clear "ask in Indonesian or English" reply, decided
before retrieval and the model (a Chinese question used to get a confident, off-topic Indonesian answer);
Indonesian and English questions, keyword queries and names in other scripts are never taken for one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fakes import NoChatModel, fake_assistant

from rag.abstention import Reason
from rag.answering import AnswerPipeline, Final
from rag.language import other_language
from rag.model_queue import ModelQueue
from rag.settings import load_settings

DATA = Path(__file__).resolve().parent.parent / "data"
EVAL = Path(__file__).resolve().parent.parent / "eval" / "data"

OTHER_LANGUAGES = [
    ("谁给了金正恩防弹背心？", "Chinese"),
    ("金正恩に防弾チョッキを贈ったのは誰ですか？", "Japanese"),
    ("من أعطى كيم جونغ أون سترة واقية من الرصاص؟", "Arabic"),
    ("Кто подарил Ким Чен Ыну бронежилет?", "Cyrillic-script"),
    ("김정은에게 방탄조끼를 준 사람은 누구인가?", "Korean"),
    ("Qui a donné un gilet pare-balles à Kim Jong Un ?", "French"),
    ("¿Cuándo se reunieron Putin y Kim?", "Spanish"),
    ("Wann haben sich Putin und Kim getroffen?", "German"),
    ("Por que o preço do arroz subiu em Jacarta?", "Portuguese"),
    ("Waarom is de rijstprijs in Jakarta gestegen?", "Dutch"),
]
#: Not other languages: keyword queries, names in another script, questions full of foreign names.
OURS = ["Siapa 习近平?", "Who is Владимир Путин?", "Putin Kim Vostochny", "harga beras Cipinang",
        "korban gempa Cianjur", "Darimanakah asal Marc Márquez?", "Apa itu Nederlandsch Indië Civiele Administratie ?",
        "Kapan Philip Heinrich Christoph Hofman lahir?", "skor Persija Persib", "2024", "?"]


class _NoRetriever:
    def retrieve(self, *args, **kwargs):
        raise AssertionError("retrieval was run for a question in another language")


class _NoParts:
    """Parts that fail the test when used: the decision must come first."""

    @property
    def retriever(self):
        return _NoRetriever()

    @property
    def llm(self):
        raise AssertionError("the chat model was asked")

    embedder = judge = None


@pytest.mark.parametrize(("question", "language"), OTHER_LANGUAGES)
def test_a_question_in_another_language_is_asked_to_be_put_in_indonesian_or_english(question, language):
    pipeline = AnswerPipeline(load_settings(), _NoParts(), ModelQueue())
    events = list(pipeline.events(question, "id"))
    answer = events[-1].answer
    assert isinstance(events[-1], Final) and answer.abstained
    assert answer.abstention is Reason.UNSUPPORTED_LANGUAGE and not answer.citations
    assert language in answer.text and "Indonesian or English" in answer.text
    assert "bahasa Indonesia atau bahasa Inggris" in answer.text


def test_the_assistant_says_so_without_calling_the_model(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(DATA / "articles" / "000_f6ccf7329cada5fc.txt", articles)
    bot = fake_assistant(tmp_path / "home", articles, chat_model=NoChatModel())  # fails the test if called
    answer = bot.ask("谁给了金正恩防弹背心？")
    assert answer.abstention is Reason.UNSUPPORTED_LANGUAGE and "Chinese" in answer.text
    assert "abstained: the question is in Chinese, not Indonesian or English" in answer.notes
    assert bot.llm.calls == 0


@pytest.mark.parametrize("question", OURS)
def test_names_keywords_and_odd_questions_are_not_another_language(question):
    assert other_language(question) is None


def test_no_question_of_the_eval_sets_is_taken_for_another_language():
    """Every Indonesian and English question of the in-repo eval sets (699)."""
    questions = [json.loads(line)["question"] for line in (EVAL / "questions.jsonl").open(encoding="utf-8")]
    for line in (EVAL / "facqa_en.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        questions += [row["question"], row["question_en"]]
    assert len(questions) == 699
    assert [q for q in questions if other_language(q)] == []
