"""Stopping an answer: the model stops at once, even mid-prompt, and is left fit for the next question
(tiny SmolLM2 model: structure only, never its wording)."""

import threading

from rag import Checking, Final, Token, Waiting

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"


def _messages(text):
    return [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": text}]


def test_a_stop_ends_the_local_model_in_the_middle_of_reading_the_prompt(tiny_bot, seed_articles):
    llm = tiny_bot.llm
    assert llm._abort.available  # Linux: llama.cpp is stopped between steps, not only between pieces
    article = sorted(seed_articles.glob("*.txt"))[0].read_text(encoding="utf-8")
    short, long = _messages("What is the capital of Indonesia?"), _messages(article + "\n\nSummarise this.")
    long_tokens = sum(llm.count_tokens(m["content"]) for m in long)
    assert long_tokens > 600  # more than one batch of 512 to read

    # what the model writes for `short` after reading all of `long`
    "".join(llm.stream(long, max_tokens=1, temperature=0.0))
    expected = "".join(llm.stream(short, max_tokens=12, temperature=0.0))
    assert expected

    stop = threading.Event()
    stop.set()
    stopped = llm.stream(long, max_tokens=12, temperature=0.0, stop=stop)
    assert list(stopped) == []
    assert llm._llama.n_tokens < long_tokens  # aborted before the prompt was read, not after
    assert stopped.stats.completion_tokens == 0
    # what it had read stays consistent: the next prompt is answered as if nothing had been stopped
    assert "".join(llm.stream(short, max_tokens=12, temperature=0.0)) == expected


def test_a_stop_while_the_model_writes_ends_the_answer_without_a_final(tiny_bot):
    stop = threading.Event()
    seen = []
    for event in tiny_bot.events(QUESTION, stop=stop):
        seen.append(event)
        if isinstance(event, Checking):  # the model has begun to write
            stop.set()
    assert seen and not any(isinstance(e, Final) for e in seen)
    assert sum(isinstance(e, Token) for e in seen) <= 2  # the piece in flight, at most
    after = tiny_bot.model_queue.take()
    assert tiny_bot.model_queue.ahead(after) == 0  # the model is free again
    tiny_bot.model_queue.leave(after)
    assert isinstance(tiny_bot.ask(QUESTION).text, str)  # and answers the next question


def test_a_stop_while_waiting_for_the_model_leaves_the_line(tiny_bot):
    turns = tiny_bot.model_queue
    held = turns.take()  # another question is being answered
    stop = threading.Event()
    try:
        events = tiny_bot.events(QUESTION, stop=stop)
        assert next(events) == Waiting(1)
        stop.set()
        assert list(events) == []  # ends within one wait, with no Final
        newcomer = turns.take()
        assert turns.ahead(newcomer) == 1  # only the held turn is ahead of a new question
        turns.leave(newcomer)
    finally:
        turns.leave(held)
