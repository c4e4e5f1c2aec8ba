"""How long a reader waits: the first question after a start, later ones, and what prompt-lookup decoding does.

    python -m eval.bench_speed [--questions 8] [--lookup 0 10] [--library 6000] [--vanilla]

Each configuration runs in a fresh process (a restart), over the first N questions of our dev half
(``eval.heldout.ours("dev")``, answerable and not, both languages), on the bundled index and the models the
settings name:

- ``cold``: the model loaded but not warmed (what a first question met before ``Assistant.prepare`` read the
  fixed prompt prefix);
- ``warm``: ``Assistant.prepare()`` as the page and ``tanya serve`` call it at start (the system prompt read once);
- each ``--lookup`` value (tokens copied ahead by prompt-lookup decoding; 0 is off): warm, and whether the
  answers are identical to those without it at temperature 0;
- ``library`` (with ``--library TOKENS``): warm, the whole library the prompt's sources (setting
  ``library_in_prompt``; the context window made large enough), read once by ``prepare()``;
- ``vanilla`` (with ``--vanilla``): the vanilla llama-index pipeline (``eval.vanilla``: ``VectorStoreIndex`` +
  ``CitationQueryEngine``, its defaults, the same models and articles), its model loaded at start; it streams the
  model's raw words, so its first words on screen are its first token. Then how many times sooner ours shows its
  first checked sentence, and its model's first token, than vanilla shows its first token (medians, later questions).

Printed per configuration: start-up seconds (load + warm-up), the first question's time to the model's first
token, to the first checked sentence on screen and to the whole answer, the same as medians over the later
questions, p90 of the checked first sentence, prompt tokens per question, the model's writing speed, and the
first question asked once more at the end (the same question warm: what the restart cost it).
Not a timed test: figures to read, on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from eval.metrics import percentile


def _one_config(questions: int, warm: bool, lookup: int, library: int = 0) -> dict:
    """In this process: start an assistant, answer the questions, return the figures."""
    from eval.heldout import ours
    from rag import Assistant, Final, Token
    from rag.settings import load_settings

    started = time.perf_counter()
    extra = {"library_in_prompt": library, "context_window": max(4096, library + 2048)} if library else {}
    bot = Assistant(load_settings(prompt_lookup=lookup, **extra))
    if warm:
        bot.prepare(model=True)
    else:
        bot.prepare(model=False)
        _ = bot.llm  # loaded, not warmed
    startup = time.perf_counter() - started
    rows = []
    items = ours("dev")[:questions]
    for item in items + items[:1]:  # the first question once more at the end: the same question, warm
        t0 = time.perf_counter()
        shown = None
        for event in bot.events(item.question):
            if isinstance(event, Token) and shown is None:
                shown = time.perf_counter() - t0
            if isinstance(event, Final):
                answer = event.answer
        total = time.perf_counter() - t0
        stats = answer.stats
        rows.append({"question": item.question, "answer": answer.text, "model_first_s": stats.ttft_s,
                     "shown_s": shown if shown is not None else total, "total_s": total,
                     "prompt_tokens": stats.prompt_tokens, "completion_tokens": stats.completion_tokens,
                     "writing_s": max(stats.total_s - stats.ttft_s, 0.0)})
    return {"startup_s": startup, "rows": rows[:-1], "again": rows[-1]}


def _vanilla_config(questions: int) -> dict:
    """In this process: the vanilla llama-index pipeline over the bundled articles, asked the same questions."""
    from eval.heldout import ours
    from eval.vanilla import build_engine, streamed_answer
    from rag import Assistant
    from rag.settings import load_settings

    started = time.perf_counter()
    engine = build_engine(Assistant(load_settings()))
    startup = time.perf_counter() - started
    rows = []
    items = ours("dev")[:questions]
    for item in items + items[:1]:
        _, text, first, total = streamed_answer(engine, item.question)
        first = first if first is not None else total
        rows.append({"question": item.question, "answer": text, "model_first_s": first,
                     "shown_s": first, "total_s": total, "prompt_tokens": None, "completion_tokens": 0,
                     "writing_s": 0.0})
    return {"startup_s": startup, "rows": rows[:-1], "again": rows[-1]}


def _summary(name: str, result: dict) -> str:
    rows, again = result["rows"], result.get("again")
    first, later = rows[0], rows[1:] or rows
    written = [r for r in rows if r["completion_tokens"] > 1 and r["writing_s"] > 0]
    speed = (sum(r["completion_tokens"] - 1 for r in written) / sum(r["writing_s"] for r in written)) if written else 0
    med = statistics.median
    prompts = [r["prompt_tokens"] for r in rows if r["prompt_tokens"] is not None]
    return (f"{name:<10} start {result['startup_s']:5.1f} s | first question: model {first['model_first_s']:4.1f} s, "
            f"shown {first['shown_s']:4.1f} s, whole {first['total_s']:4.1f} s | later (median): model "
            f"{med(r['model_first_s'] for r in later):4.1f} s, shown {med(r['shown_s'] for r in later):4.1f} s "
            f"(p90 {percentile([r['shown_s'] for r in later], 0.9):4.1f}), "
            f"whole {med(r['total_s'] for r in later):4.1f} s"
            + (f" | prompt {med(prompts):.0f} tokens" if prompts else "")
            + (f" | writing {speed:4.1f} tokens/s" if written else "")
            + (f" | first question again at the end: model {again['model_first_s']:4.1f} s, shown "
               f"{again['shown_s']:4.1f} s" if again else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--questions", type=int, default=8, help="how many dev questions per configuration (default 8)")
    p.add_argument("--lookup", type=int, nargs="*", default=[0, 10],
                   help="prompt-lookup values to try, warm (default: 0 10; 0 is off)")
    p.add_argument("--library", type=int, default=0,
                   help="also a configuration with the whole library in the prompt, up to this many tokens")
    p.add_argument("--vanilla", action="store_true",
                   help="also the vanilla llama-index pipeline on the same questions, and how much sooner ours is")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration in this process
    args = p.parse_args(argv)
    if args.one == "vanilla":
        print(json.dumps(_vanilla_config(args.questions)))
        return 0
    if args.one:
        warm, lookup, library = args.one.split(":")
        print(json.dumps(_one_config(args.questions, warm == "warm", int(lookup), int(library))))
        return 0
    configs = [("cold", "cold:0:0")] + [("warm" if n == 0 else f"lookup {n}", f"warm:{n}:0") for n in args.lookup]
    if args.library:
        configs.append(("library", f"warm:0:{args.library}"))
    if args.vanilla:
        configs.append(("vanilla", "vanilla"))
    results = {}
    for name, spec in configs:  # a fresh process each: a restart, nothing cached
        out = subprocess.run([sys.executable, "-m", "eval.bench_speed", "--questions", str(args.questions),
                              "--one", spec], check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
        print(_summary(name, results[name]), flush=True)
    plain = [r["answer"] for r in results.get("warm", {"rows": []})["rows"]]
    for name, result in results.items():
        if name.startswith("lookup") and plain:
            same = sum(a == r["answer"] for a, r in zip(plain, result["rows"], strict=False))
            print(f"{name}: {same}/{len(plain)} answers identical to those without it")
    if "vanilla" in results and "warm" in results:
        med = statistics.median
        ours_rows, vanilla_rows = results["warm"]["rows"][1:], results["vanilla"]["rows"][1:]
        vanilla_first = med(r["model_first_s"] for r in vanilla_rows)
        shown, model_first = med(r["shown_s"] for r in ours_rows), med(r["model_first_s"] for r in ours_rows)
        print(f"vanilla's first words (its first token) come {vanilla_first / shown:.1f}x later than our first "
              f"checked sentence, {vanilla_first / model_first:.1f}x later than our model's first token "
              "(medians, later questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
