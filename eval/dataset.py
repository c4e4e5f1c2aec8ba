"""The hand-written eval set (eval/data/questions.jsonl) and the support-judge pairs (support_pairs.jsonl)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS = DATA / "questions.jsonl"
SUPPORT_PAIRS = DATA / "support_pairs.jsonl"


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    text: str  # an exact substring of the cleaned article


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: str
    type: str
    question: str
    answerable: bool
    gold_answer: str | None
    gold_facts: list[list[str]]  # each fact: acceptable surface forms
    evidence: list[Evidence] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SupportPair:
    id: str
    sentence: str
    sentence_lang: str
    doc_id: str
    passage: str
    supported: bool
    kind: str


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
                              doc_ids=list(row.get("doc_ids") or [])))
    return items


def load_support_pairs(path: Path = SUPPORT_PAIRS) -> list[SupportPair]:
    return [SupportPair(id=r["id"], sentence=r["sentence"], sentence_lang=r["sentence_lang"], doc_id=r["doc_id"],
                        passage=r["passage"], supported=bool(r["supported"]), kind=r["kind"])
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
