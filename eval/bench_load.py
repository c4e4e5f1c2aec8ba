"""Concurrency: several people asking at once through the page, each answer timed.

    python -m eval.bench_load [--users 4] [--questions 2] [--llm NAME] [--url URL] [--json]

Without ``--url`` the page is served in this process on a free local port, with a
throw-away index of the bundled articles (models from the usual models folder).
Each user is a ``gradio_client`` session of its own (its own conversation) that asks
its questions one after another, each in a new conversation; all users start
together. Questions come from the eval set (answerable ones), Indonesian and English
in turn. For every answer it records the wait until the first words appear, the
total time, how it ended (answered, abstained, error) and any error, and prints
p50/p95 per user and overall. It also reports how many questions were in flight at
once, how many answers the model was writing at once (one: the engine lets one
generation run at a time), and how many answers waited, showing their place in line
("Waiting for the model: N other question(s) first…") with a clock, while another was
being written: queued, not failed.

A benchmark that prints figures, not a test: every loop is bounded (``--timeout``
per answer) and it only talks to the page it was given (by default its own, on
127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.dataset import load_questions
from eval.metrics import med, percentile

REPO = Path(__file__).resolve().parent.parent
#: How often (seconds) a user's client looks at the answer being streamed into its chat.
POLL_S = 0.05
_KIND = re.compile(r'class="tb-answer (tb-\w+)')
#: How the page ends an answer -> how the benchmark counts it.
#: The page's place in line for a waiting answer (ui/texts.py, "queued", English page).
_AHEAD = re.compile(r"Waiting for the model: (\d+) other")
OUTCOMES = {"tb-answered": "answered", "tb-abstain": "abstained", "tb-error": "error", "tb-stopped": "stopped"}


@dataclass
class AnswerTiming:
    """One question asked through the page, timed on the client (seconds since the run began)."""

    user: int
    question: str
    lang: str
    submitted: float
    first_words: float | None = None  # the first answer text shown (streamed words, or the finished answer)
    writing_from: float | None = None  # first and last time the model's words were streaming in
    writing_to: float | None = None
    done: float | None = None
    outcome: str = "no answer"  # answered | abstained | error | stopped | no answer
    error: str = ""
    most_ahead: int = 0  # the most questions the page said were before this one

    @property
    def first_words_s(self) -> float | None:
        return None if self.first_words is None else self.first_words - self.submitted

    @property
    def total_s(self) -> float | None:
        return None if self.done is None else self.done - self.submitted

    @property
    def came_back(self) -> bool:
        """An answer (or an abstention: "the sources do not say") reached the page."""
        return self.outcome in ("answered", "abstained")


# Questions ----------------------------------------------------------------------------------------------
def pick_questions(users: int, per_user: int) -> list[list[tuple[str, str]]]:
    """Each user's (question, language) list: answerable eval questions, Indonesian and English in turn,
    no question asked twice while the eval set has enough."""
    pools = {lang: [i for i in load_questions() if i.answerable and i.lang == lang] for lang in ("id", "en")}
    used = {"id": 0, "en": 0}
    plan = []
    for user in range(users):
        mine = []
        for j in range(per_user):
            lang = ("id", "en")[(user + j) % 2]
            item = pools[lang][used[lang] % len(pools[lang])]
            used[lang] += 1
            mine.append((item.question, lang))
        plan.append(mine)
    return plan


# One user -----------------------------------------------------------------------------------------------
def _content(message: Any) -> str:
    """A chat message's HTML (Gradio sends a string or a list of parts)."""
    content = message.get("content", "") if isinstance(message, dict) else message
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _last_message(output: Any) -> str:
    """The HTML of the last chat message in one streamed output of ``/ask`` ("" when there is none)."""
    chat = output[0] if isinstance(output, (list, tuple)) and output else None
    return _content(chat[-1]) if chat else ""


def answer_state(output: Any) -> str | None:
    """The state of the answer in one streamed output of ``/ask``: tb-pending, tb-streaming, tb-answered..."""
    found = _KIND.search(_last_message(output))
    return found.group(1) if found else None


def places_ahead(output: Any) -> int:
    """How many questions the last chat message of one streamed output of ``/ask`` says come first (0: none)."""
    found = _AHEAD.search(_last_message(output))
    return int(found.group(1)) if found else 0


def _observe(timing: AnswerTiming, state: str | None, now: float) -> None:
    if state in (None, "tb-pending"):
        return
    if timing.first_words is None:
        timing.first_words = now
    if state == "tb-streaming":
        timing.writing_from = timing.writing_from or now
        timing.writing_to = now
    elif state in OUTCOMES:
        timing.outcome = OUTCOMES[state]


def ask_once(client: Any, user: int, question: str, lang: str, clock: float, timeout: float) -> AnswerTiming:
    """Ask one question in a new conversation and time its answer as the page streams it."""
    client.predict("en", api_name="/new_conversation")
    timing = AnswerTiming(user=user, question=question, lang=lang, submitted=time.monotonic() - clock)
    try:
        job = client.submit(question, [], "auto", "en", api_name="/ask")
        seen = 0
        while True:
            finished = job.done()
            outputs = job.outputs()
            now = time.monotonic() - clock
            for output in outputs[seen:]:
                _observe(timing, answer_state(output), now)
                timing.most_ahead = max(timing.most_ahead, places_ahead(output))
            seen = len(outputs)
            if finished:
                break
            if now - timing.submitted > timeout:
                job.cancel()
                timing.outcome, timing.error = "error", f"no answer after {timeout:.0f} s"
                return timing
            time.sleep(POLL_S)
        problem = job.exception()
        if problem is not None:
            timing.outcome, timing.error = "error", f"{type(problem).__name__}: {problem}"
    except Exception as exc:  # noqa: BLE001 - a failed request is a result to report, not a crash
        timing.outcome, timing.error = "error", f"{type(exc).__name__}: {exc}"
    timing.done = time.monotonic() - clock
    if timing.outcome == "error" and not timing.error:
        timing.error = "the page showed an error message"
    return timing


def run_user(url: str, user: int, questions: list[tuple[str, str]], start: threading.Barrier, clock: list[float],
             timeout: float, results: list[AnswerTiming]) -> None:
    from gradio_client import Client

    client, problem = None, ""
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # noqa: BLE001 - reported with this user's answers
        problem = f"could not connect: {type(exc).__name__}: {exc}"
    start.wait()  # everyone starts together, connected or not
    for question, lang in questions:
        if client is None:
            results.append(AnswerTiming(user, question, lang, 0.0, outcome="error", error=problem))
            continue
        results.append(ask_once(client, user, question, lang, clock[0], timeout))


def run_load(url: str, users: int, per_user: int, timeout: float = 900.0) -> list[AnswerTiming]:
    """``users`` simultaneous sessions on the page at ``url``, each asking ``per_user`` questions."""
    plan = pick_questions(users, per_user)
    clock = [0.0]  # set when the last user has connected: the run's time zero
    start = threading.Barrier(users, action=lambda: clock.__setitem__(0, time.monotonic()))
    results: list[AnswerTiming] = []
    threads = [threading.Thread(target=run_user, args=(url, u + 1, plan[u], start, clock, timeout, results),
                                name=f"user-{u + 1}", daemon=True) for u in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout * per_user + 60)
    return sorted(results, key=lambda r: (r.user, r.submitted))


# Figures ------------------------------------------------------------------------------------------------
def _most_at_once(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def _waited_for_another(timing: AnswerTiming, timings: list[AnswerTiming]) -> bool:
    """While this answer still showed "Reading the sources…", the model was writing another one."""
    waiting_to = timing.first_words if timing.first_words is not None else timing.done
    return waiting_to is not None and any(
        other is not timing and other.writing_from is not None and other.writing_to is not None
        and other.writing_from < waiting_to and other.writing_to > timing.submitted for other in timings)


def summarize(timings: list[AnswerTiming]) -> dict:
    """Per user and overall: answers back / asked, errors, p50 and p95 of first words and total time;
    and how the answers shared the model."""
    def row(group: list[AnswerTiming]) -> dict:
        first = [t.first_words_s for t in group if t.came_back]
        total = [t.total_s for t in group if t.came_back]
        return {"asked": len(group), "came_back": sum(t.came_back for t in group),
                "answered": sum(t.outcome == "answered" for t in group),
                "abstained": sum(t.outcome == "abstained" for t in group),
                "errors": sum(t.outcome not in ("answered", "abstained") for t in group),
                "first_words_p50": med(first), "first_words_p95": percentile(first, 0.95),
                "total_p50": med(total), "total_p95": percentile(total, 0.95)}

    users = sorted({t.user for t in timings})
    in_flight = [(t.submitted, t.done) for t in timings if t.done is not None]
    writing = [(t.writing_from, t.writing_to) for t in timings
               if t.writing_from is not None and t.writing_to is not None]  # (both set by the first words)
    queued = [t for t in timings if t.came_back and _waited_for_another(t, timings)]
    return {"per_user": {u: row([t for t in timings if t.user == u]) for u in users}, "all": row(timings),
            "most_in_flight": _most_at_once(in_flight), "most_writing": _most_at_once(writing),
            "queued": len(queued), "most_ahead": max((t.most_ahead for t in timings), default=0),
            "wall_s": max((t.done or 0.0 for t in timings), default=0.0)}


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_report(timings: list[AnswerTiming], summary: dict, meta: dict) -> str:
    lines = [f"Concurrency: {meta['users']} users at once, {meta['questions']} questions each (Indonesian and "
             f"English), model {meta['llm']}, {meta['threads']} threads on {meta['cpus']} CPUs; page {meta['url']}",
             f"(load average when the run began: {meta.get('load_average', '?')}, other work included)",
             "", "seconds from asking:  first words = the answer starts to appear; total = the checked answer is shown",
             f"{'user':>4s} {'back/asked':>10s} {'answered':>8s} {'abstained':>9s} {'errors':>6s} "
             f"{'first p50':>9s} {'first p95':>9s} {'total p50':>9s} {'total p95':>9s}"]
    rows = [(str(u), r) for u, r in summary["per_user"].items()] + [("all", summary["all"])]
    for name, r in rows:
        lines.append(f"{name:>4s} {r['came_back']:>4d}/{r['asked']:<5d} {r['answered']:>8d} {r['abstained']:>9d} "
                     f"{r['errors']:>6d} {_s(r['first_words_p50']):>9s} {_s(r['first_words_p95']):>9s} "
                     f"{_s(r['total_p50']):>9s} {_s(r['total_p95']):>9s}")
    everything = summary["all"]
    lines += ["", f"Questions in flight at once: up to {summary['most_in_flight']}; answers the model wrote at once: "
                  f"up to {summary['most_writing']}.",
              f"{summary['queued']} of {everything['asked']} answers waited while another was being written, "
              f"shown their place in line (up to {summary['most_ahead']} questions ahead); "
              f"{everything['came_back']} of {everything['asked']} came back, "
              f"{everything['errors']} errors, in {summary['wall_s']:.0f} s.",
              "", f"{'user':>4s} {'lang':>4s} {'asked at':>8s} {'first':>6s} {'total':>6s} {'ahead':>5s}  "
                  "outcome    question"]
    for t in timings:
        lines.append(f"{t.user:>4d} {t.lang:>4s} {t.submitted:>8.1f} {_s(t.first_words_s):>6s} {_s(t.total_s):>6s} "
                     f"{t.most_ahead:>5d}  "
                     f"{t.outcome:<10s} {t.question[:60]}" + (f"  [{t.error}]" if t.error else ""))
    return "\n".join(lines)


# Serving the page for the run ---------------------------------------------------------------------------
def serve_throwaway(llm: str | None, work: Path) -> tuple[str, Any, Any]:
    """The page on a free local port over a throw-away index of the bundled articles in ``work``;
    (url, app, assistant)."""
    from rag import Assistant, load_settings
    from ui.app import launch

    shutil.copytree(REPO / "data" / "articles", work / "articles")
    overrides: dict[str, Any] = {"home": work / "home", "articles_dir": work / "articles",
                                 "models_dir": load_settings().models_path}
    if llm:
        overrides["llm"] = llm
    bot = Assistant(load_settings(**overrides))
    bot.prepare()  # index and load before the clock starts
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch(bot, "127.0.0.1", port, block=False, quiet=True)
    return f"http://127.0.0.1:{port}/", app, bot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=4, help="simultaneous users (default 4)")
    p.add_argument("--questions", type=int, default=2, help="questions per user (default 2)")
    p.add_argument("--llm", default=None, help="language model of the page served here (default: the configured one)")
    p.add_argument("--url", default=None, help="a page already running (default: serve one here)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds one answer may take (default 900)")
    p.add_argument("--no-warmup", action="store_true", help="skip the untimed first question")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = p.parse_args(argv)
    if args.users < 1 or args.questions < 1:
        p.error("--users and --questions must be at least 1")

    app = bot = None
    url = args.url
    work = Path(tempfile.mkdtemp(prefix="tanya-load-"))
    try:
        if url is None:
            url, app, bot = serve_throwaway(args.llm, work)
        if not args.no_warmup:  # the model's first prompt fills its cache: not what a later visitor waits for
            from gradio_client import Client

            # A question nobody asks in the run: an identical prompt would be read from the model's cache.
            warmup, lang = pick_questions(args.users + 1, args.questions)[-1][0]
            ask_once(Client(url, verbose=False), 0, warmup, lang, time.monotonic(), args.timeout)
        load = os.getloadavg()[0]  # other work on the machine shares the CPU too
        timings = run_load(url, args.users, args.questions, args.timeout)
    finally:
        if app is not None:
            app.close()
        shutil.rmtree(work, ignore_errors=True)
    summary = summarize(timings)
    meta = {"users": args.users, "questions": args.questions, "url": url, "cpus": os.cpu_count(),
            "llm": bot.settings.llm if bot else (args.llm or "(the page's)"),
            "threads": bot.settings.threads if bot else "?", "load_average": round(load, 1)}
    if args.json:
        print(json.dumps({"meta": meta, "summary": summary, "answers": [asdict(t) for t in timings]}, indent=2))
    else:
        print(format_report(timings, summary, meta))
    return 0 if summary["all"]["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
