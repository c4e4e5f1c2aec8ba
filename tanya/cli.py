"""The `tanya` command: index articles, ask questions, serve the UI, run the eval."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import TanyaError
from tanya import environment

if TYPE_CHECKING:
    from rag import Answer, Assistant
    from rag.language import Language


EXAMPLES = """examples:
  tanya index                                  index the articles folder (TANYA_ARTICLES_DIR); only changes
  tanya index berita/ arsip.jsonl --rebuild    start a new index from these files and folders
  tanya ask "Siapa yang memberi Kim rompi antipeluru?"
  tanya ask "When did Kim arrive in Russia?" --lang id --json
  tanya retrieve "rompi antipeluru" -k 3       the passages an answer would be made from
  tanya ui                                     the chat page on http://127.0.0.1:7860
  tanya serve                                  the OpenAI-compatible API on http://127.0.0.1:7861/v1
  TANYA_API_KEY=secret tanya serve --host 0.0.0.0   the API for other machines, with a bearer token
  tanya eval --suite dev --sample 20           measure on the data for choosing settings (tanya eval --help)

Settings are TANYA_* environment variables or a TOML config file (docs/settings.md); e.g. TANYA_LLM,
TANYA_TOP_K, TANYA_HOME. Errors print one line, "error: ...", and exit with status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tanya", description="Ask Indonesian news articles questions, offline, "
                                     "with cited answers.", epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index article files (default: the articles folder and the uploads' library)")
    p.add_argument("paths", nargs="*", type=Path, help="article files or folders")
    p.add_argument("--rebuild", action="store_true", help="drop the whole index first")

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", help="the question, in Indonesian or English (quote it)")
    p.add_argument("--lang", choices=["id", "en"], help="answer language (default: the question's)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")

    p = sub.add_parser("retrieve", help="show the passages retrieved for a question")
    p.add_argument("question", help="the question to retrieve passages for (quote it)")
    p.add_argument("-k", type=int, default=5, help="how many passages, best first (default 5)")

    sub.add_parser("eval", help="run the eval set (see `tanya eval --help`)", add_help=False)

    p = sub.add_parser("ui", help="serve the chat UI in the browser")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")

    p = sub.add_parser("serve", help="serve the OpenAI-compatible API (/v1/models, /v1/chat/completions)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only; "
                   "any other needs TANYA_API_KEY)")
    p.add_argument("--port", type=int, default=7861, help="port to listen on (default 7861)")
    p.add_argument("--sources-in-text", action="store_true",
                   help="also write the sources under each answer's text, for clients that show only the text "
                        "(e.g. Open WebUI)")
    return parser


def _answer_json(answer) -> str:
    from dataclasses import asdict

    return json.dumps({
        "question": answer.question, "text": answer.text, "language": answer.language,
        "abstained": answer.abstained, "citations": [asdict(c) for c in answer.citations],
        "notes": answer.notes, "stats": asdict(answer.stats), "retrieval_s": answer.retrieval_s,
    }, ensure_ascii=False, indent=2)


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environment.configure()  # before any model or web library is imported
    if argv[:1] == ["eval"]:  # loaded only when asked for
        from eval.cli import main as eval_main

        return eval_main(argv[1:])
    args = _parser().parse_args(argv)
    from rag.assistant import Assistant

    if args.command == "ui":
        from ui.app import serve

        serve(Assistant(), host=args.host, port=args.port)
        return 0
    if args.command == "serve":
        from ui.openai_api import serve as serve_api

        serve_api(Assistant(), host=args.host, port=args.port, sources_in_text=args.sources_in_text)
        return 0
    bot = Assistant()
    if args.command == "index":
        report = bot.index(args.paths or None, rebuild=args.rebuild)
        print(report.summary())
        print(f"Index: {bot.store.location} ({bot.store.count()} chunks)")
        return 1 if report.skipped and not (report.added or report.updated or report.unchanged) else 0
    if args.command == "retrieve":
        for p in bot.retrieve(args.question, k=args.k):
            print(f"{p.score:.4f}  {p.id}  {p.title}\n        {p.text[:200]}")
        return 0
    if args.command == "ask":
        print("Reading the sources...", file=sys.stderr, flush=True)
        if args.json:
            print(_answer_json(interruptible_ask(bot, args.question, args.lang)))
            return 0
        answer = interruptible_ask(bot, args.question, args.lang, on_text=lambda t: print(t, end="", flush=True))
        print(answer.with_sources()[len(answer.text):])  # ends the streamed line; a blank line, the sources
        return 0
    return 2  # pragma: no cover


def interruptible_ask(bot: Assistant, question: str, language: Language | None,
                      on_text: Callable[[str], object] | None = None) -> Answer:
    """``bot.ask`` in a worker thread, so that Ctrl-C stops the model at once, even while it reads the
    prompt (in the main thread, Python would see the signal only when llama.cpp returns). ``on_text`` gets
    each piece of the checked answer as it comes (the pieces make the answer's text)."""
    from rag import Final, Token
    from rag.background import BackgroundStream

    stop = threading.Event()
    stream = BackgroundStream(lambda: bot.events(question, language=language, stop=stop), stop=stop)
    try:
        for event in stream.poll(0.1):
            if isinstance(event, Token) and on_text is not None:
                on_text(event.text)
            if isinstance(event, Final):
                return event.answer
    except KeyboardInterrupt:
        stream.stop()
        stream.join(1.0)
        raise
    raise AssertionError("events() ended without a Final answer")  # pragma: no cover


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except TanyaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
