"""The whole engine with the tiny SmolLM2 model: structure only, never its wording."""

import pytest

from rag import Answer, Checking, FilterError, Final, QuestionError, Token, Waiting
from rag.citations import cited_numbers

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"


def test_first_use_builds_the_index(tiny_bot):
    passages = tiny_bot.retrieve(QUESTION, k=5)
    assert len(passages) == 5
    assert passages[0].score >= passages[-1].score
    assert all(p.doc_id and p.text and isinstance(p.score, float) for p in passages)
    assert tiny_bot.store.count() > 5


def test_retrieval_finds_the_evidence_for_the_flagship_question(tiny_bot):
    passages = tiny_bot.retrieve(QUESTION, k=5)
    assert any("Oleg Kozhemyako bahkan memberi Kim rompi antipeluru" in p.text for p in passages)


def test_retrieve_filters_on_metadata(tiny_bot):
    passages = tiny_bot.retrieve("Kim pulang ke Korea Utara", k=3, filters={"publisher": "Bisnis.com"})
    assert passages and {p.publisher for p in passages} == {"Bisnis.com"}


def _assert_well_formed(answer: Answer, language: str) -> None:
    assert isinstance(answer.text, str) and answer.text
    assert answer.language == language
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(cited_numbers(answer.text)) == set(numbers)  # no [n] without a citation and vice versa
    for c in answer.citations:
        assert c.doc_id and c.text and c.title


def test_ask_returns_a_well_formed_answer(tiny_bot):
    _assert_well_formed(tiny_bot.ask(QUESTION), "id")
    _assert_well_formed(tiny_bot.ask("Who gave Kim a bulletproof vest?"), "en")


def test_language_override(tiny_bot):
    assert tiny_bot.ask(QUESTION, language="en").language == "en"


def test_follow_up_with_history(tiny_bot):
    answer = tiny_bot.ask("Lalu apa lagi yang dia terima?", history=[(QUESTION, "Oleg Kozhemyako [1].")])
    _assert_well_formed(answer, "id")
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Oleg Kozhemyako [1]."}]
    _assert_well_formed(tiny_bot.ask("And what else did he get?", history=messages), "en")


def test_stream_yields_text_pieces(tiny_bot):
    pieces = list(tiny_bot.stream(QUESTION))
    assert pieces and all(isinstance(p, str) for p in pieces)


def test_events_end_with_one_final_answer(tiny_bot):
    events = list(tiny_bot.events(QUESTION))
    assert isinstance(events[-1], Final) and all(isinstance(e, Token | Checking) for e in events[:-1])
    assert sum(isinstance(e, Final) for e in events) == 1
    assert "".join(e.text for e in events if isinstance(e, Token)) == events[-1].answer.text  # checked pieces


def test_off_topic_question_is_abstained_by_code(tiny_bot):
    answer = tiny_bot.ask("Berapa skor pertandingan Persija melawan Persib di Jakarta?")
    assert answer.abstained and answer.citations == []  # nothing close enough to quote
    assert answer.text == "Sumber yang tersedia tidak menyebutkan jawabannya."


@pytest.mark.parametrize("question,match", [("", "empty"), ("   \n ", "empty"), ("x" * 5000, "limit")])
def test_bad_questions_raise_question_error(tiny_bot, question, match):
    with pytest.raises(QuestionError, match=match):
        tiny_bot.ask(question)


def test_retrieve_filters_on_a_date_range(tiny_bot):
    passages = tiny_bot.retrieve("Kim pulang ke Korea Utara", k=5, filters={"date_from": "2023-09-18"})
    assert passages and all(p.date >= "2023-09-18" for p in passages)
    assert tiny_bot.retrieve("Kim pulang", k=5, filters={"date_to": "2001-01-01"}) == []


@pytest.mark.parametrize("filters,match", [({"date_from": "kemarin"}, "YYYY-MM-DD"), ({"colour": "red"}, "Unknown")])
def test_bad_filters_raise_filter_error(tiny_bot, filters, match):
    with pytest.raises(FilterError, match=match):
        tiny_bot.retrieve("Kim", filters=filters)


def test_retrieved_passages_carry_their_scored_sentences(tiny_bot):
    [best] = tiny_bot.retrieve(QUESTION, k=1)
    assert best.sentences and " ".join(s.text for s in best.sentences).startswith(best.text[:20])
    assert any("rompi antipeluru" in s.text for s in best.sentences)
    assert best.best_sentence_score == max(s.score for s in best.sentences)


class _RefusesEnglish:
    """A model that, like the small default one, refuses an English question over Indonesian
    sources but answers it when asked in Indonesian (and translates when asked to)."""

    name = "refuses-english"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def stream(self, messages, *, max_tokens, temperature, stop=None, **asked):
        from rag.llm import Generation

        return Generation.of(self._reply(messages))

    def _reply(self, messages):
        system, user = messages[0]["content"], messages[-1]["content"]
        if system.startswith("Rewrite the text entirely in English"):
            self.calls.append("translate")
            yield "Before leaving Vladivostok, Kim was given a bulletproof vest by the governor of Primorye [1]."
        elif "Answer in English" in user:
            self.calls.append("en")
            yield "NOT_IN_SOURCES"
        else:
            self.calls.append("id")
            yield ("Sebelum berangkat dari Vladivostok, Kim dihadiahi rompi antipeluru dari gubernur wilayah "
                   "Primorye [1].")


@pytest.mark.parametrize("reask", [True, False])
def test_an_english_refusal_is_asked_again_in_the_sources_language(tiny_bot, reask):
    from rag import Assistant

    # evidence-score abstention off: this test is about the model's refusal, not the code's
    model = _RefusesEnglish()
    bot = Assistant(tiny_bot.settings, embedder=tiny_bot.embedder, store=tiny_bot.store, chat_model=model,
                    reask_refusals=reask, min_evidence_score=0.0)
    answer = bot.ask("Who gave Kim Jong Un a bulletproof vest?")
    if reask:
        assert model.calls == ["en", "id", "translate"]
        assert not answer.abstained and "Primorye" in answer.text and answer.language == "en"
        assert any("asked again in id" in note for note in answer.notes)
    else:
        assert model.calls == ["en"] and answer.abstained


class _DriftsIntoIndonesian(_RefusesEnglish):
    """A model that answers an English question in Indonesian and, asked to translate, repeats it."""

    def _reply(self, messages):
        if messages[0]["content"].startswith("Rewrite the text entirely in English"):
            self.calls.append("translate")
            yield "Kim dihadiahi rompi antipeluru dari gubernur wilayah Primorye [1]."
        else:
            self.calls.append("answer")
            yield ("Sebelum berangkat dari Vladivostok, Kim dihadiahi rompi antipeluru dari gubernur wilayah "
                   "Primorye [1].")


def test_an_answer_in_the_wrong_language_that_cannot_be_translated_is_shown_as_its_quoted_sources(tiny_bot):
    from rag import Assistant
    from rag.language import answer_language

    # the best sentence is never quotable on its own here: this is about the answer's own grounds
    model = _DriftsIntoIndonesian()
    bot = Assistant(tiny_bot.settings, embedder=tiny_bot.embedder, store=tiny_bot.store, chat_model=model,
                    min_evidence_score=0.0, fallback_min_score=1.0)
    answer = bot.ask("Who gave Kim Jong Un a bulletproof vest?")
    assert model.calls == ["answer", "translate"]
    assert not answer.abstained and answer.language == "en" and answer_language(answer.text) == "en"
    assert answer.text.startswith("According to the sources (in Indonesian):") and "Primorye" in answer.text
    assert cited_numbers(answer.text) == [1] and len(answer.citations) == 1
    assert any("wrong language" in note for note in answer.notes)


def test_a_question_waiting_for_the_model_says_how_many_are_ahead_and_can_give_up(tiny_bot):
    turns = tiny_bot.model_queue
    held = turns.take()  # another question is being answered
    try:
        given_up = tiny_bot.events(QUESTION)
        assert next(given_up) == Waiting(1)
        given_up.close()  # its user stopped it while it waited: its place is free at once
        waiting = tiny_bot.events(QUESTION)
        assert next(waiting) == Waiting(1)
    finally:
        turns.leave(held)
    rest = list(waiting)
    assert Waiting(0) in rest and isinstance(rest[-1], Final)
    assert all(isinstance(e, Token | Checking) for e in rest[rest.index(Waiting(0)) + 1:-1])
    after = turns.take()
    assert turns.ahead(after) == 0  # nobody left holding a turn
    turns.leave(after)


def test_a_follow_up_waiting_to_be_rewritten_says_how_many_are_ahead_and_can_give_up(tiny_bot):
    follow_up, history = "Lalu apa lagi yang dia terima?", [(QUESTION, "Oleg Kozhemyako [1].")]
    turns = tiny_bot.model_queue
    held = turns.take()  # another question is being answered
    try:
        given_up = tiny_bot.events(follow_up, history)
        assert next(given_up) == Waiting(1)  # the rewrite waits its turn, and says so
        given_up.close()
        waiting = tiny_bot.events(follow_up, history)
        assert next(waiting) == Waiting(1)
    finally:
        turns.leave(held)
    rest = list(waiting)
    assert rest[0] == Waiting(0) and isinstance(rest[-1], Final)
    assert any(note.startswith("follow-up read") for note in rest[-1].answer.notes)
    after = turns.take()
    assert turns.ahead(after) == 0  # neither the given-up rewrite nor the answer kept a turn
    turns.leave(after)


def test_prepare_reads_the_fixed_prompt_prefix_so_the_first_question_need_not(tiny_bot):
    """After prepare(), the local model's cache holds the answer prompt's system prompt: the first question's
    prompt is read only from where it differs (llama.cpp reuses the longest common prefix)."""
    from rag.prompting import SYSTEM_PROMPT

    tiny_bot.prepare(model=True)
    llama = tiny_bot.llm._llama
    system = llama.tokenize(SYSTEM_PROMPT.encode("utf-8"), add_bos=False, special=False)
    assert llama.n_tokens > len(system)  # the template around it, the system prompt, the start of a question
    cached = llama.detokenize(list(llama.input_ids[: llama.n_tokens])).decode("utf-8", "replace")
    assert SYSTEM_PROMPT in cached
