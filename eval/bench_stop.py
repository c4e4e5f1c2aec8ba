"""How soon Stop frees the model, and what the abort check costs.

    python -m eval.bench_stop [--questions 5] [--after 2.0]

For each of the first N eval questions, twice: start answering it, stop it ``--after`` seconds later
(while the model still reads the prompt), and time how long until the model is free for the next
question. Once with the stop event (``Assistant.events(stop=...)``, what the UI's Stop does) and once
by only ceasing to iterate, which cannot interrupt llama.cpp: the model finishes reading first.

Then, to show the abort check costs nothing, each question is answered with llama.cpp's abort
callback installed and with none, both from an empty KV cache: prompt and writing speed.
Uses the models and index the settings name (TANYA_HOME etc.); the local model only.
"""

from __future__ import annotations

import argparse
import threading
import time

from eval.dataset import load_questions
from eval.metrics import med
from rag import Assistant, Final
from rag.llm import LocalLlama


def _freed_after_stop(bot: Assistant, llm: LocalLlama, question: str, after: float, use_event: bool) -> float:
    """Seconds from the stop until a new question's turn at the model comes (``llm`` is ``bot``'s)."""
    stop = threading.Event()
    stopped_at: list[float] = []
    llm._llama.reset()  # the whole prompt to read, as for a new question

    def consume() -> None:
        events = bot.events(question, stop=stop if use_event else None)
        for event in events:
            if stopped_at or isinstance(event, Final):
                break
        events.close()

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(after)
    stopped_at.append(time.perf_counter())
    stop.set()
    turn = bot.model_queue.take()
    try:
        bot.model_queue.wait(turn)
        freed = time.perf_counter() - stopped_at[0]
    finally:
        bot.model_queue.leave(turn)
    consumer.join()
    return freed


def _speeds(llm: LocalLlama, messages: list[dict], max_tokens: int) -> tuple[float, float]:
    """Prompt tokens/s and written tokens/s of one answer read from an empty KV cache."""
    llm._llama.reset()
    generation = llm.stream(messages, max_tokens=max_tokens, temperature=0.0)
    "".join(generation)
    s = generation.stats
    return s.prompt_tokens / s.ttft_s, (s.completion_tokens - 1) / max(1e-9, s.total_s - s.ttft_s)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_stop", description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=int, default=5, help="eval questions to use (default 5)")
    p.add_argument("--after", type=float, default=2.0, help="seconds from asking to stopping (default 2.0)")
    args = p.parse_args(argv)
    import llama_cpp

    from rag.evidence import select_evidence
    from rag.prompting import build_messages

    bot = Assistant()
    llm = bot.llm
    if not isinstance(llm, LocalLlama) or not llm._abort.available:
        raise SystemExit("This benchmark needs the local model with its abort callback (Linux or macOS).")
    items = [item for item in load_questions() if item.answerable][: args.questions]
    questions = [item.question for item in items]
    bot.ask(questions[0])  # warm: models loaded, index and keyword index ready

    freed: dict[bool, list[float]] = {True: [], False: []}
    for question in questions:
        for use_event in (True, False):
            freed[use_event].append(_freed_after_stop(bot, llm, question, args.after, use_event))
    print(f"Stopped {args.after:.1f} s after asking, while the model reads the prompt ({len(questions)} questions):")
    for use_event, label in ((True, "stop event (the UI's Stop)"), (False, "ceasing to iterate only")):
        times = freed[use_event]
        print(f"  {label:28s} model free after: median {med(times):5.2f} s, max {max(times):5.2f} s")

    s = bot.settings
    speeds: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
    context = llm._llama._ctx.ctx
    for item in items:
        passages = bot.retrieve(item.question, s.top_k)
        sources = select_evidence(passages, max_sentences=s.evidence_sentences, margin=s.evidence_margin,
                                  max_chars=s.evidence_chars)
        messages = build_messages(item.question, sources, item.lang)
        for label in (("with", "without") if len(speeds["with"]) % 2 == 0 else ("without", "with")):
            callback = llm._abort._callback if label == "with" else llama_cpp.ggml_abort_callback()
            llama_cpp.llama_set_abort_callback(context, callback, llm._abort._data)
            speeds[label].append(_speeds(llm, messages, s.max_answer_tokens))
    llama_cpp.llama_set_abort_callback(context, llm._abort._callback, llm._abort._data)
    print("Speed from an empty KV cache, same prompts (median):")
    for label in ("with", "without"):
        prompt, written = (med([pair[i] for pair in speeds[label]]) for i in (0, 1))
        print(f"  abort callback {label:7s}: prompt {prompt:5.1f} tokens/s, writing {written:5.1f} tokens/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
