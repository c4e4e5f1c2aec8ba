"""The hand-written eval set (eval/data/questions.jsonl) and the support-judge pairs (support_pairs*.jsonl).

The eval set is split once, for good, into ``dev`` (every choice: thresholds, weights, prompts)
and ``test`` (reported only). Code that chooses a setting takes its questions through
:func:`for_tuning`, which refuses test rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.language import Language

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS = DATA / "questions.jsonl"
SUPPORT_PAIRS = DATA / "support_pairs.jsonl"
#: English sentences over Indonesian passages, half of them contradictions; ``split`` "choose" or "report".
SUPPORT_PAIRS_CROSSLINGUAL = DATA / "support_pairs_crosslingual.jsonl"
SPLITS = ("dev", "test")


class HeldOutError(ValueError):
    """Test (held-out) data was passed to code that chooses settings: choose on dev/valid data only."""


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    text: str  # an exact substring of the cleaned article


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: Language  # checked by problems(): a row of another language is reported
    type: str
    question: str
    answerable: bool
    gold_answer: str | None
    gold_facts: list[list[str]]  # each fact: acceptable surface forms
    evidence: list[Evidence] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    split: str = "dev"  # "dev" (for choosing) or "test" (for reporting only)


@dataclass(frozen=True)
class SupportPair:
    id: str
    sentence: str
    sentence_lang: str
    doc_id: str
    passage: str
    supported: bool
    kind: str
    split: str = ""  # in the cross-lingual file: "choose" (thresholds are chosen on it) or "report"


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
    return rows


def load_questions(path: Path = QUESTIONS) -> list[EvalItem]:
    items = []
    for row in _read_jsonl(path):
        evidence = [Evidence(e["doc_id"], e["text"]) for e in row.get("evidence") or []]
        items.append(EvalItem(id=row["id"], lang=row["lang"], type=row["type"], question=row["question"],
                              answerable=bool(row["answerable"]), gold_answer=row.get("gold_answer"),
                              gold_facts=[list(f) for f in row.get("gold_facts") or []], evidence=evidence,
                              doc_ids=list(row.get("doc_ids") or []), split=row.get("split", "")))
    return items


def in_split(items: list[EvalItem], split: str | None) -> list[EvalItem]:
    """The items of one split (all of them for None)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return [i for i in items if split is None or i.split == split]


def for_tuning(items: list[EvalItem]) -> list[EvalItem]:
    """``items``, checked to hold no test question: what code that chooses a setting must go through."""
    held_out = [i.id for i in items if i.split != "dev"]
    if held_out:
        raise HeldOutError(f"{len(held_out)} held-out question(s) ({', '.join(held_out[:5])}...) passed to code "
                           "that chooses settings: choose on the dev split (in_split(items, 'dev')) only.")
    return items


def load_support_pairs(path: Path = SUPPORT_PAIRS) -> list[SupportPair]:
    return [SupportPair(id=r["id"], sentence=r["sentence"], sentence_lang=r["sentence_lang"], doc_id=r["doc_id"],
                        passage=r["passage"], supported=bool(r["supported"]), kind=r["kind"],
                        split=r.get("split", ""))
            for r in _read_jsonl(path)]


def problems(items: list[EvalItem], articles: dict[str, str]) -> list[str]:
    """What is wrong with the eval set against the cleaned article texts (empty when it is sound)."""
    found = []
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        found.append("duplicate ids")
    for item in items:
        if item.lang not in ("id", "en"):
            found.append(f"{item.id}: lang {item.lang!r}")
        if item.split not in SPLITS:
            found.append(f"{item.id}: split {item.split!r}")
        if item.answerable and (not item.gold_facts or not item.evidence):
            found.append(f"{item.id}: answerable but no gold facts or evidence")
        if not item.answerable and (item.evidence or item.gold_facts):
            found.append(f"{item.id}: unanswerable but has evidence or facts")
        for ev in item.evidence:
            if ev.text not in articles.get(ev.doc_id, ""):
                found.append(f"{item.id}: evidence not in {ev.doc_id}: {ev.text[:60]!r}")
        if set(item.doc_ids) != {e.doc_id for e in item.evidence}:
            found.append(f"{item.id}: doc_ids do not match the evidence")
    return found
