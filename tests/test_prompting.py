"""The answer prompt: the fixed prefix (system prompt, and the worked examples when asked for) and the question."""

from __future__ import annotations

from pathlib import Path

from rag.evidence import PromptSource
from rag.prompting import DEMONSTRATIONS, NOT_FOUND, SYSTEM_PROMPT, build_messages

ROOT = Path(__file__).resolve().parents[1]
SOURCE = PromptSource(1, "a", "Kim pulang", ("Kim tiba di Pyongyang pada Minggu.",), 0.9)


def test_the_demonstrations_are_the_fixed_prefix_and_the_question_comes_last():
    plain = build_messages("Kapan Kim tiba?", [SOURCE], "id")
    shown = build_messages("Kapan Kim tiba?", [SOURCE], "id", demonstrations=True)
    other = build_messages("When did Kim arrive?", [SOURCE], "en", demonstrations=True)
    assert plain == [shown[0], shown[-1]] and shown[0]["content"] == SYSTEM_PROMPT
    assert len(shown) == 2 + 2 * len(DEMONSTRATIONS)
    assert shown[:-1] == other[:-1]  # the same prefix for every question: its KV cache is reused
    assert [m["role"] for m in shown[1:-1]] == ["user", "assistant"] * len(DEMONSTRATIONS)
    replies = [m["content"] for m in shown[2:-1:2]]
    assert NOT_FOUND in replies and all(r == NOT_FOUND or "[1]" in r for r in replies)
    assert {lang for _, _, lang, _ in DEMONSTRATIONS} == {"id", "en"}


def test_the_demonstrations_are_about_events_no_eval_or_benchmark_text_holds():
    places = ["Talang Ubi", "Padang Galak", "Cikurai", "Bandung-Cirebon"]
    assert all(any(p in " ".join(given) for p in places) for _, given, _, _ in DEMONSTRATIONS)
    texts = [f for folder in (ROOT / "eval" / "data", ROOT / "data" / "articles", ROOT.parent / "shared" / "benchmarks")
             if folder.is_dir() for f in folder.rglob("*") if f.is_file() and f.suffix in (".jsonl", ".json", ".txt",
                                                                                           ".csv", ".tsv")]
    assert texts
    for f in texts:
        text = f.read_text(encoding="utf-8", errors="replace")
        assert not [p for p in places if p in text], f
