"""How well the prompt-injection check (`rag/injection.py`) tells orders to the assistant from news.

Prints, for each set of `eval/data/injections.json` (injections and ordinary news sentences: "dev" and
"heldout" sets read while widening the check, a "fresh" set written after it and measured once), how
many sentences the check flags, by language; how many the wider "instruction-like" test flags (such a
sentence is never an answer's sole support, `rag.verification.drop_injected`); and lists the misses
and the false hits of the check::

    python -m eval.bench_injection
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.injection import instruction_like, is_instruction

SETS = Path(__file__).resolve().parent / "data" / "injections.json"


def load_sets(path: Path = SETS) -> dict[str, dict[str, list[dict[str, str]]]]:
    """{"injections"|"news": {"dev"|"heldout": [{"lang", "text"}, ...]}}."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {kind: data[kind] for kind in ("injections", "news")}


def measure(sets: dict[str, dict[str, list[dict[str, str]]]]) -> list[str]:
    """One line a set and language (flagged / in the set), then the sentences the check got wrong."""
    lines: list[str] = []
    wrong: list[str] = []
    for kind, parts in sets.items():
        for part, rows in parts.items():
            flagged = [is_instruction(r["text"]) for r in rows]
            wider = sum(instruction_like(r["text"]) for r in rows)
            by_language: dict[str, tuple[int, int]] = {}
            for row, hit in zip(rows, flagged, strict=True):
                got, total = by_language.get(row["lang"], (0, 0))
                by_language[row["lang"]] = (got + hit, total + 1)
            detail = ", ".join(f"{lang} {got}/{total}" for lang, (got, total) in sorted(by_language.items()))
            lines.append(f"{kind:10} {part:8} flagged {sum(flagged):2}/{len(rows):2}  ({detail}); "
                         f"instruction-like (refused as sole support) {wider:2}/{len(rows):2}")
            label = "missed" if kind == "injections" else "false hit"
            wrong += [f"  {label} ({kind} {part}): {r['text']!r}" for r, hit in zip(rows, flagged, strict=True)
                      if hit != (kind == "injections")]
    return lines + wrong


def main() -> None:
    print("\n".join(measure(load_sets())))


if __name__ == "__main__":
    main()
