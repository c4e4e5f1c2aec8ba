"""Judge a change after the model on a suite run's own replies, without the model.

    python -m eval.replay RUN --out OUT        # the current settings (TANYA_...), the replies RUN recorded

Everything after the model writes (the answerability and confidence decisions, verification, the quoted
fallback, the rules on the checked answer) is deterministic given the model's reply and its first-step
probabilities, which a run records per question (``pieces``, ``token_probabilities``, ``signals``). A replay
asks every question of ``RUN`` again through the public API with a :class:`ReplayModel` in place of the model:
retrieval, evidence and the prompt are built afresh, and where the pipeline asks for the answer, the model's
recorded reply comes back, token by token, with the probabilities it had. Other requests (a translation of a
wrong-language answer) go to the real model, loaded only when one comes.

Made for choosing on dev runs recorded with the model made to answer (``TANYA_MIN_ANSWERABILITY=0
TANYA_MIN_CONFIDENCE=0``): under any threshold, an answer withheld is withheld before its first piece is shown,
so the replay gives what a run with that threshold gives. The settings that shape the prompt must be the run's
(:data:`PROMPT_SETTINGS`): otherwise the recorded reply would answer another prompt, and the replay refuses.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from eval.benchmarks import DEFAULT_ROOT
from eval.heldout import SuiteAssistants, SuiteItem, markdown, run_suite
from eval.resume import RunFolderError
from rag.llm import ChatModel, Generation, GenerationStats, Message, Opening

#: Settings that change the prompt the model answered (the evidence, its order, the fixed prefix, the model).
PROMPT_SETTINGS = ("embed_model", "llm", "llm_base_url", "llm_model", "context_window", "max_answer_tokens",
                   "temperature", "chunk_size", "chunk_overlap", "top_k", "candidates", "duplicate_threshold",
                   "sentence_weight_id", "sentence_weight_en", "bm25_weight_id", "bm25_weight_en",
                   "evidence_sentences", "evidence_margin", "evidence_chars", "demonstrations", "bilingual_question",
                   "library_in_prompt")


class ReplayError(RunFolderError):
    """A run that cannot be replayed under these settings (it answered another prompt, or recorded no reply)."""


class ReplayModel:
    """A :class:`rag.llm.ChatModel` that gives back a recorded reply to the answer prompt (the one asked with
    an ``opening``) of the question set by :meth:`expect`, and sends every other request to ``real()``."""

    def __init__(self, real: Callable[[], ChatModel], name: str = "replay") -> None:
        self.name = name
        self._real_factory = real
        self._real: ChatModel | None = None
        self._row: dict | None = None
        self.replayed = self.passed_on = 0

    def expect(self, row: dict | None) -> None:
        """The recorded row of the next question (None: it has none, and its answer prompt is an error)."""
        self._row = row

    def count_tokens(self, text: str) -> int:
        """The real model's count (whether the library fits in the prompt, setting ``library_in_prompt``)."""
        if self._real is None:
            self._real = self._real_factory()
        count = getattr(self._real, "count_tokens", None)
        if count is None:
            raise ReplayError("the model named by the settings cannot count its tokens: replay a run with the "
                              "whole library in the prompt with the local model it was made with.")
        return int(count(text))

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float,
               stop: threading.Event | None = None, opening: str | None = None,
               forbid_opening: Callable[[float], bool] | None = None) -> Generation:
        if opening is None:
            self.passed_on += 1
            if self._real is None:
                self._real = self._real_factory()
            return self._real.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop)
        row, self._row = self._row, None
        if row is None or not row.get("pieces"):
            raise ReplayError("the run recorded no reply for this question's answer prompt: it was answered "
                              "without the model there (replay a run made with TANYA_MIN_ANSWERABILITY=0 "
                              "TANYA_MIN_CONFIDENCE=0 and the local model).")
        self.replayed += 1
        signals = row.get("signals") or {}
        pieces, probabilities = list(row["pieces"]), list(row.get("token_probabilities") or [])
        stats = GenerationStats(prompt_tokens=row.get("prompt_tokens") or 0)

        def written() -> Iterator[str]:
            for n, piece in enumerate(pieces):
                stats.pieces.append(piece)
                if n < len(probabilities):
                    stats.token_probabilities.append(probabilities[n])
                stats.completion_tokens += 1
                yield piece

        return Generation(written(), stats, Opening(signals.get("not_found_probability"),
                                                    signals.get("not_found_likeliest")))


def check_settings(run_settings: dict, settings: dict) -> None:
    """Refuse a replay whose prompt-shaping settings differ from the run's."""
    changed = [k for k in PROMPT_SETTINGS if k in run_settings and run_settings[k] != settings.get(k)]
    if changed:
        raise ReplayError(f"the run's model answered another prompt: {', '.join(changed)} differ "
                          f"({', '.join(f'{k}={run_settings[k]!r}' for k in changed)} in the run). Replay with "
                          "those settings, or make a new run.")


def replay(run: Path, out: Path, *, root: Path = DEFAULT_ROOT, progress: bool = True) -> dict:
    """Ask ``run``'s questions again with the current settings and its recorded replies; write ``out``."""
    from eval.judge import GroundingJudge
    from rag import load_settings
    from rag.llm import load_chat_model

    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    recorded = {(r["set"], r["key"]): r for path in sorted(run.glob("*.jsonl"))
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
                for r in [json.loads(line)] if "answer" in r}
    base = load_settings()
    model = ReplayModel(lambda: load_chat_model(base))
    bot_for = SuiteAssistants(base, chat_model=model)

    from eval.heldout import _fingerprint

    check_settings(meta["settings"], _fingerprint(bot_for.articles))

    def before(item: SuiteItem) -> None:
        model.expect(recorded.get((item.set, item.key)))

    sets = sorted({s for s, _ in recorded})
    report = run_suite(bot_for, GroundingJudge(bot_for.articles.embedder), out, root=root, sets=sets,
                       sample=meta.get("sample"), suite=meta["suite"], progress=progress, before=before,
                       meta={"command": "python -m eval.replay " + " ".join(sys.argv[1:]), "replay_of": str(run),
                             "llm": f"replayed from {run}"})
    report["replayed"], report["passed_on"] = model.replayed, model.passed_on
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.replay", description=__doc__.split("\n\n")[0])
    p.add_argument("run", type=Path, help="a suite run folder (tanya eval --suite ...) with recorded replies")
    p.add_argument("--out", type=Path, required=True, help="where the replayed run goes (a new folder)")
    p.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder holding facqa/ and idk_mrc/")
    args = p.parse_args(argv)
    report = replay(args.run, args.out, root=args.data)
    print(markdown(report))
    print(f"{report['replayed']} replies replayed, {report['passed_on']} other requests sent to the model.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
