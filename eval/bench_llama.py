"""The local model's own speed under llama.cpp's options: batch sizes, flash attention, threads, memory locking.

    python -m eval.bench_llama [--configs default flash batch256 ...] [--repeat 2]

Each configuration loads the default model in a fresh process and reads one answer prompt as the product builds
it (the fixed prefix with its worked examples, four passages of the bundled articles, a question), from an empty
cache, then writes 48 tokens greedily. Printed per configuration: load seconds, prompt tokens per second (the
prefix and passages: what a first question or a new set of passages costs) and written tokens per second, the
best of ``--repeat`` readings. Not a timed test: figures to read on an otherwise idle machine; the defaults in
``rag/llm.py`` are chosen from them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

#: The options each configuration passes to ``llama_cpp.Llama`` (the first is what the product uses).
CONFIGS: dict[str, dict] = {
    "default": {"n_batch": 512, "n_threads": 2, "n_threads_batch": 2},
    "batch256": {"n_batch": 256, "n_ubatch": 256, "n_threads": 2, "n_threads_batch": 2},
    "batch128": {"n_batch": 128, "n_ubatch": 128, "n_threads": 2, "n_threads_batch": 2},
    "batch1024": {"n_batch": 1024, "n_ubatch": 1024, "n_threads": 2, "n_threads_batch": 2},
    "flash": {"n_batch": 512, "n_threads": 2, "n_threads_batch": 2, "flash_attn": True},
    "flash-batch256": {"n_batch": 256, "n_ubatch": 256, "n_threads": 2, "n_threads_batch": 2, "flash_attn": True},
    "flash-kv8": {"n_batch": 512, "n_threads": 2, "n_threads_batch": 2, "flash_attn": True, "type_k": 8,
                  "type_v": 8},
    "threads1": {"n_batch": 512, "n_threads": 1, "n_threads_batch": 1},
    "mlock": {"n_batch": 512, "n_threads": 2, "n_threads_batch": 2, "use_mlock": True},
}
WRITTEN = 48


def _prompt() -> list[dict[str, str]]:
    """The answer prompt for a dev question over four passages of the bundled articles."""
    from eval.heldout import ours
    from rag import Assistant
    from rag.evidence import PromptSource
    from rag.prompting import build_messages

    bot = Assistant()
    question = ours("dev")[0].question
    passages = bot.retrieve(question, 4)
    sources = [PromptSource(n, p.doc_id, p.title, (p.text,), 0.9) for n, p in enumerate(passages, start=1)]
    return build_messages(question, sources, "id", bot.settings.demonstrations)


def _one(name: str, repeat: int) -> dict:
    import llama_cpp
    import numpy as np
    from llama_cpp.llama_chat_format import format_chatml

    from rag import load_settings
    from rag.model_files import resolve_gguf

    settings = load_settings()
    path = resolve_gguf(settings.llm, settings.models_path, progress=False)
    messages = _prompt()
    started = time.perf_counter()
    llama = llama_cpp.Llama(model_path=str(path), n_ctx=settings.context_window, verbose=False, **CONFIGS[name])
    load_s = time.perf_counter() - started
    text = format_chatml(messages).prompt
    tokens = llama.tokenize(text.encode(), add_bos=False, special=True)
    vocab = llama.n_vocab()
    prompt_rates, write_rates = [], []
    for _ in range(repeat):
        llama.reset()
        llama._ctx.kv_cache_clear()
        t0 = time.perf_counter()
        llama.eval(tokens)
        prompt_rates.append(len(tokens) / (time.perf_counter() - t0))
        t1 = time.perf_counter()
        for _ in range(WRITTEN):
            last = llama_cpp.llama_get_logits_ith(llama.ctx, -1)
            token = int(np.ctypeslib.as_array(last, shape=(vocab,)).argmax())
            llama.eval([token])
        write_rates.append(WRITTEN / (time.perf_counter() - t1))
    return {"config": name, "load_s": load_s, "prompt_tokens": len(tokens), "prompt_tps": max(prompt_rates),
            "write_tps": max(write_rates)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_llama", description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--repeat", type=int, default=2, help="readings per configuration; the best is printed")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: one configuration in this process
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.one, args.repeat)))
        return 0
    for name in args.configs:
        done = subprocess.run([sys.executable, "-m", "eval.bench_llama", "--one", name, "--repeat", str(args.repeat)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name:10} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else '?'}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:10} load {r['load_s']:4.1f} s | prompt {r['prompt_tokens']} tokens at {r['prompt_tps']:5.1f}/s "
              f"({r['prompt_tokens'] / r['prompt_tps']:4.1f} s) | writing {r['write_tps']:5.1f} tokens/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
