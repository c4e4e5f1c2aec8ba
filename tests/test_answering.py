"""The answer pipeline stage by stage, with fakes for every part: no model is loaded."""

from __future__ import annotations

import re

import pytest

from rag.abstention import Answerability, Reason
from rag.answering import AnswerPipeline, Final, Token
from rag.grounding import Verdict
from rag.llm import Generation, GenerationStats, Opening
from rag.model_queue import ModelQueue
from rag.retrieval import Passage, ScoredSentence
from rag.settings import load_settings

VEST = "Oleg Kozhemyako memberi Kim rompi antipeluru dan enam drone."
AWAY = "Kim pulang dengan kereta lapis baja pada Minggu."


def _passage(doc_id: str, sentence: str, score: float) -> Passage:
    return Passage(id=f"{doc_id}#0000", doc_id=doc_id, text=sentence, score=score, title=doc_id.title(),
                   dense_score=score, sentences=(ScoredSentence(sentence, score, 0),))


class _Retriever:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def retrieve(self, query, k, language, filters):
        return self.passages[:k]


class _Model:
    name = "fake"

    def __init__(self, reply: str) -> None:
        self.reply, self.prompts = reply, []

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        self.prompts.append(messages[-1]["content"])
        return Generation.of(re.findall(r"\S+\s*", self.reply))


class _Weighing(_Model):
    """A model that opens with the not-found reply with probability ``p``, and answers when that is forbidden."""

    def __init__(self, reply: str, p: float) -> None:
        super().__init__(reply)
        self.p, self.forbidden = p, None

    def stream(self, messages, *, max_tokens, temperature, stop=None, opening=None, forbid_opening=None, **asked):
        self.prompts.append(messages[-1]["content"])
        self.forbidden = bool(forbid_opening and forbid_opening(self.p))
        reply = self.reply if self.forbidden else "NOT_IN_SOURCES"
        return Generation.of(re.findall(r"\S+\s*", reply), opening_probability=self.p)


class _Judge:
    """Supports a sentence by a source that shares one of ``words`` with it."""

    def __init__(self, *words: str) -> None:
        self.words = words

    def judge(self, sentence, passage, given=frozenset()):
        shared = any(w in sentence and w in passage for w in self.words)
        return Verdict(shared, 0.95 if shared else 0.1, (), ())

    def closest(self, sentence, candidates):
        return candidates[0] if candidates else ""


class _Parts:
    def __init__(self, passages, reply, judge=None) -> None:
        self.retriever, self.llm, self.judge = _Retriever(passages), _Model(reply), judge or _Judge("rompi")
        self.embedder = None


def _answer(parts, question="Siapa yang memberi Kim rompi antipeluru?", answerability=None, **settings):
    extra = {"answerability": answerability} if answerability else {}
    pipeline = AnswerPipeline(load_settings(**settings), parts, ModelQueue(), **extra)
    events = list(pipeline.events(question, "id"))
    assert isinstance(events[-1], Final)
    return events[-1].answer, events


def test_an_answer_the_sources_support_comes_back_cited():
    parts = _Parts([_passage("vest", VEST, 0.9), _passage("away", AWAY, 0.82)],
                   "Oleg Kozhemyako memberi Kim rompi antipeluru [2].")
    answer, events = _answer(parts)
    assert not answer.abstained and answer.abstention is None
    assert answer.text == "Oleg Kozhemyako memberi Kim rompi antipeluru [1]." and answer.citations[0].doc_id == "vest"
    assert any(isinstance(e, Token) for e in events) and "[1]" in parts.llm.prompts[0]


def test_nothing_indexed_abstains_without_asking_the_model():
    parts = _Parts([], "never asked")
    answer, _ = _answer(parts)
    assert answer.abstained and answer.abstention is Reason.NOTHING_INDEXED and parts.llm.prompts == []


def test_weak_evidence_abstains_without_asking_the_model_and_quotes_nothing():
    parts = _Parts([_passage("away", AWAY, 0.5)], "never asked")
    answer, _ = _answer(parts)
    assert answer.abstention is Reason.WEAK_EVIDENCE and not answer.citations and parts.llm.prompts == []


def test_a_refusal_is_an_abstention_that_quotes_the_closest_sentence():
    parts = _Parts([_passage("vest", VEST, 0.9)], "NOT_IN_SOURCES")
    answer, _ = _answer(parts)
    assert answer.abstention is Reason.MODEL_FOUND_NOTHING and answer.citations[0].doc_id == "vest"
    assert answer.stats.completion_tokens == 1  # the model was asked: what it cost is kept


@pytest.mark.parametrize(("fallback", "reason"), [(1.0, Reason.UNSUPPORTED), (0.0, None)])
def test_an_unsupported_answer_abstains_unless_the_best_sentence_can_be_quoted(fallback, reason):
    parts = _Parts([_passage("vest", VEST, 0.9)], "Putin memberi Kim sebuah mobil [1].", judge=_Judge("mobil-x"))
    answer, _ = _answer(parts, fallback_min_score=fallback)
    assert answer.abstention is reason
    if reason is None:
        assert answer.text.startswith("Menurut sumber: “Oleg Kozhemyako")


def test_an_answer_that_gives_no_number_for_berapa_abstains():
    parts = _Parts([_passage("vest", VEST, 0.9)], "Kim menerima rompi antipeluru dari Oleg Kozhemyako [1].")
    answer, _ = _answer(parts, question="Berapa rompi antipeluru yang diterima Kim?", fallback_min_score=1.0)
    assert answer.abstention is Reason.WRONG_KIND


#: Answerability from the model's signal alone: P(answerable) = 1 - P(not found).
BY_THE_MODEL = Answerability(intercept=0.0, evidence=0.0, missing=0.0, not_found=-1.0)


@pytest.mark.parametrize(("p", "answered"), [(0.2, True), (0.7, False)])
def test_the_calibrated_answerability_decides_at_the_first_token(p, answered):
    parts = _Parts([_passage("vest", VEST, 0.9)], "Oleg Kozhemyako memberi Kim rompi antipeluru [1].")
    parts.llm = _Weighing(parts.llm.reply, p)
    answer, events = _answer(parts, answerability=BY_THE_MODEL, min_answerability=0.5)
    assert answer.signals.not_found_probability == p and answer.answerability == pytest.approx(1 - p)
    if answered:  # answerable: the model may not open with the not-found reply, and its answer is checked
        assert parts.llm.forbidden and not answer.abstained and "Kozhemyako" in answer.text
    else:  # not answerable: an abstention, and nothing the model began is shown
        assert answer.abstention is Reason.NOT_ANSWERABLE and "0.300 < 0.500" in answer.notes[-1]
        assert "".join(e.text for e in events if isinstance(e, Token)) == answer.text  # the abstention alone


def test_the_names_and_numbers_the_passages_lack_lower_the_answerability():
    parts = _Parts([_passage("vest", VEST, 0.9)], "never shown")
    parts.llm = _Weighing("Zelensky memberi Kim rompi [1].", 0.1)
    by_terms = Answerability(intercept=2.0, evidence=0.0, missing=-3.0, not_found=0.0)
    answer, _ = _answer(parts, question="Apa yang diberikan Zelensky kepada Kim?", answerability=by_terms,
                        min_answerability=0.5)
    assert answer.signals.missing_terms == 1 and answer.abstention is Reason.NOT_ANSWERABLE


def _shown(events) -> list[str]:
    """What the asker sees, one entry per event: the text on screen after it."""
    screens, text = [], ""
    for e in events:
        if isinstance(e, Token):
            text += e.text
            screens.append(text)
    return screens


def test_only_checked_sentences_are_shown_and_they_make_the_answer():
    """A supported sentence, one no source supports, and the model's not-found reply after them: the asker
    sees the first alone, at once and never taken back, and the answer is exactly what was shown."""
    parts = _Parts([_passage("vest", VEST, 0.9), _passage("away", AWAY, 0.82)],
                   "Oleg Kozhemyako memberi Kim rompi antipeluru [1]. Putin memberi Kim sebuah tank [2]. "
                   "NOT_IN_SOURCES")
    answer, events = _answer(parts)
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("Checking") < kinds.index("Token")
    screens = _shown(events)
    assert screens[-1] == answer.text == "Oleg Kozhemyako memberi Kim rompi antipeluru [1]."
    assert all("NOT_IN_SOURCES" not in s and "tank" not in s for s in screens)
    assert all(later.startswith(earlier) for earlier, later in zip(screens, screens[1:], strict=False))


def test_a_sentence_is_shown_as_soon_as_the_next_begins():
    """The first sentence's Token comes while the model is still writing the second."""
    reply = "Oleg Kozhemyako memberi Kim rompi antipeluru [1]. Rompi itu diberikan di Vladivostok [1]."
    parts = _Parts([_passage("vest", VEST, 0.9)], reply, judge=_Judge("rompi", "Rompi"))
    pipeline = AnswerPipeline(load_settings(), parts, ModelQueue())
    written = []
    model = parts.llm

    def stream(messages, **kw):
        generation = _Model.stream(model, messages, **kw)
        pieces = list(generation)

        def tracked():
            for p in pieces:
                written.append(p)
                yield p
        return Generation(tracked(), GenerationStats(), Opening(None))

    parts.llm.stream = stream
    first_token_after = None
    for event in pipeline.events("Siapa yang memberi Kim rompi antipeluru?", "id"):
        if isinstance(event, Token) and first_token_after is None:
            first_token_after = "".join(written)
    assert first_token_after is not None and "Vladivostok" not in first_token_after
    assert first_token_after.startswith("Oleg Kozhemyako memberi Kim rompi antipeluru [1]. Rompi")


def test_nothing_is_shown_until_the_answer_gives_what_the_question_asks():
    """'How many' asked: a first sentence without a number waits for the one that gives it, and both come together."""
    reply = "Oleg Kozhemyako memberi Kim rompi antipeluru [1]. Ia memberi enam drone dan rompi [1]."
    parts = _Parts([_passage("vest", VEST, 0.9)], reply, judge=_Judge("rompi"))
    answer, events = _answer(parts, question="Berapa drone yang diberikan Oleg Kozhemyako kepada Kim?")
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert len(tokens) == 1 and tokens[0] == answer.text and "enam" in answer.text


def test_the_checker_fed_in_pieces_agrees_with_the_whole_answer_checked_at_once():
    from rag.evidence import PromptSource
    from rag.verification import SentenceChecker, verify_answer

    sources = [PromptSource(1, "vest", "Vest", (VEST,), 0.9), PromptSource(2, "away", "Away", (AWAY,), 0.8)]
    judge = _Judge("rompi", "kereta", "Minggu")
    replies = ["Oleg Kozhemyako memberi Kim rompi antipeluru. [1] Kim pulang dengan kereta [2].",
               "[1] Kim menerima rompi. Kim pulang pada Minggu (17/9) [2]. Putin hadir [1].",
               "Kim menerima rompi [1][2]. Kim menerima rompi [1].", "NOT_IN_SOURCES"]
    for reply in replies:
        whole = verify_answer(reply, sources, judge, "Apa yang diterima Kim?")
        checker = SentenceChecker(sources, judge, "Apa yang diterima Kim?")
        passed = [v for ch in reply for v in checker.feed(ch)] + checker.finish()
        assert passed == whole.sentences == checker.result.sentences and checker.result.notes == whole.notes, reply


class _Translating(_Model):
    """Translates a question when asked to (``translation``), else replies ``reply``."""

    def __init__(self, reply: str, translation: str) -> None:
        super().__init__(reply)
        self.translation, self.systems = translation, []

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        self.systems.append(messages[0]["content"])
        if messages[0]["content"].startswith("Translate the question"):
            self.prompts.append(messages[-1]["content"])
            return Generation.of(re.findall(r"\S+\s*", self.translation))
        return super().stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop)


@pytest.mark.parametrize("bilingual", [True, False])
def test_an_english_question_over_indonesian_sources_is_given_in_both_languages_when_set(bilingual):
    parts = _Parts([_passage("vest", VEST, 0.9)], "Oleg Kozhemyako gave Kim a bulletproof vest [1].",
                   judge=_Judge("Kozhemyako"))
    parts.llm = _Translating(parts.llm.reply, "Siapa yang memberi Kim rompi antipeluru?")
    pipeline = AnswerPipeline(load_settings(bilingual_question=bilingual), parts, ModelQueue())
    events = list(pipeline.events("Who gave Kim a bulletproof vest?", "en"))
    answer = events[-1].answer
    assert not answer.abstained
    if bilingual:
        assert parts.llm.prompts[0] == "Who gave Kim a bulletproof vest?"
        assert "The same question in Indonesian: Siapa yang memberi Kim rompi antipeluru?" in parts.llm.prompts[1]
        assert any(note.startswith("question also given in id") for note in answer.notes)
    else:
        assert not any(system.startswith("Translate the question") for system in parts.llm.systems)
        assert len(parts.llm.prompts) == 1 and "The same question" not in parts.llm.prompts[0]


def test_a_question_translation_in_the_wrong_language_is_not_used():
    parts = _Parts([_passage("vest", VEST, 0.9)], "Oleg Kozhemyako gave Kim a rompi antipeluru [1].")
    parts.llm = _Translating(parts.llm.reply, "Who gave Kim the bulletproof vest, then?")
    pipeline = AnswerPipeline(load_settings(bilingual_question=True), parts, ModelQueue())
    answer = list(pipeline.events("Who gave Kim a bulletproof vest?", "en"))[-1].answer
    assert "The same question" not in parts.llm.prompts[-1]
    assert any("translation into id was not used" in note for note in answer.notes)
