"""External benchmarks on real data nobody here wrote (see eval/README.md for where to get it).

- FacQA (IndoNLU; Wilie et al., 2020), open-domain: every distinct passage of all
  three splits is indexed; the test questions are asked against the whole index.
  Retrieval: is the gold passage in the top 1/5/20. FacQA holds the same passage
  under several ids (differing only in spacing or punctuation), so two figures are
  reported: ``recall_at_k`` counts a retrieved passage with the gold passage's words
  (the gold evidence) as a hit, ``strict_recall_at_k`` only the gold id itself.
  Answers: exact match and token F1 against the gold span, as SQuAD scores them.
- IDK-MRC (Putri and Oh, EMNLP 2022): each question answered from its own paragraph
  alone. Abstention on unanswerable questions; F1 on answerable ones.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from eval.metrics import exact_match, facts_present, mean, med, token_f1
from eval.resume import RunFolderError, resumed_rows
from index import Article
from rag import Assistant
from rag.citations import strip_citations
from rag.errors import TanyaError
from rag.language import detect_language

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"


class BenchmarkError(TanyaError, ValueError):
    """The benchmark's data is not where it was looked for; the message says what to pass instead."""


def detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r"\s+([.,!?;:%)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class FacQAItem:
    question: str
    passage: str
    answer: str

    @property
    def passage_id(self) -> str:
        return "facqa-" + hashlib.sha1(self.passage.encode("utf-8")).hexdigest()[:12]


def load_facqa(folder: Path, split: str) -> list[FacQAItem]:
    path = folder / f"{split}.csv"
    if not path.is_file():
        raise BenchmarkError(f"{path} not found: pass --data with the FacQA folder (train/valid/test.csv).")
    items = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tokens, labels = ast.literal_eval(row["passage"]), ast.literal_eval(row["seq_label"])
            answer = detokenize([t for t, label in zip(tokens, labels, strict=True) if label != "O"])
            items.append(FacQAItem(detokenize(ast.literal_eval(row["question"])), detokenize(tokens), answer))
    return items


def words_key(text: str) -> str:
    """A passage's words, without case, spacing or punctuation: copies of one passage share it."""
    return " ".join(re.findall(r"\w+", text.lower()))


def facqa_articles(folder: Path) -> list[Article]:
    seen: dict[str, Article] = {}
    for split in ("train", "valid", "test"):
        for item in load_facqa(folder, split):
            if item.passage_id not in seen:
                seen[item.passage_id] = Article(doc_id=item.passage_id, path=folder / f"{split}.csv",
                                                title=item.passage[:60], text=item.passage,
                                                content_hash=item.passage_id[-12:], publisher="FacQA")
    return list(seen.values())


def run_facqa(bot: Assistant, folder: Path, out: Path, *, split: str = "test", limit: int | None = None,
              answers: bool = True, progress: bool = True) -> dict:
    articles = facqa_articles(folder)
    bot.add_articles(articles, progress=progress)
    key_of = {a.doc_id: words_key(a.text) for a in articles}
    items = load_facqa(folder, split)[:limit] if limit else load_facqa(folder, split)
    path = out / "facqa.jsonl"

    def check(done: dict[str, dict]) -> None:
        if any(int(n) < len(items) and row["question"] != items[int(n)].question for n, row in done.items()):
            raise RunFolderError(f"{path} holds answers to other questions (another --split?); pass another --out.")

    def make_row(numbered: tuple[int, FacQAItem]) -> dict:
        n, item = numbered
        row: dict = {"n": n, "question": item.question, "gold": item.answer, "passage_id": item.passage_id,
                     "ranks": {}, "strict_ranks": {}, "retrieved": {}}
        gold_key = key_of[item.passage_id]
        for mode in ("hybrid", "dense", "bm25"):
            ids = [p.doc_id for p in bot.retriever.retrieve(item.question, 20, "id", mode=mode)]
            row["retrieved"][mode] = ids
            row["strict_ranks"][mode] = ids.index(item.passage_id) + 1 if item.passage_id in ids else None
            row["ranks"][mode] = next((i for i, doc_id in enumerate(ids, 1) if key_of.get(doc_id) == gold_key), None)
        if answers:
            answer = bot.ask(item.question)
            text = "" if answer.abstained else strip_citations(answer.text)
            row.update({"answer": answer.text, "abstained": answer.abstained,
                        "em": exact_match(text, item.answer), "f1": token_f1(text, item.answer),
                        "seconds": answer.stats.total_s})
        return row

    rows = resumed_rows(path, list(enumerate(items)), lambda numbered: str(numbered[0]), make_row, key="n",
                        needs="answer" if answers else "ranks", desc=f"FacQA {split}", progress=progress, check=check)

    def recall(key: str, mode: str, k: int) -> float | None:
        return mean([float(r[key][mode] is not None and r[key][mode] <= k) for r in rows])

    report = {"benchmark": "facqa", "split": split, "questions": len(rows), "chunks_indexed": bot.store.count(),
              "retrieval": {mode: {**{f"recall_at_{k}": recall("ranks", mode, k) for k in (1, 5, 20)},
                                   **{f"strict_recall_at_{k}": recall("strict_ranks", mode, k) for k in (1, 5, 20)}}
                            for mode in ("hybrid", "dense", "bm25")}}
    if answers:
        report["answer"] = {"exact_match": mean([r["em"] for r in rows]), "f1": mean([r["f1"] for r in rows]),
                            "gold_in_answer": mean([_gold_in(r["answer"], [r["gold"]], r["abstained"]) for r in rows]),
                            "abstained_rate": mean([float(r["abstained"]) for r in rows])}
        seconds = [r["seconds"] for r in rows if r.get("seconds") is not None]
        report["latency"] = {"median_s": med(seconds) if seconds else None}
    (out / "facqa-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _gold_in(answer: str, golds: list[str], abstained: bool) -> float:
    """1.0 when a gold span is in the answer (normalised as our eval's gold facts are), else 0.0.

    Our answers are sentences, not spans: SQuAD exact match scores "Perdana Menteri Inggris
    adalah Tony Blair [1]." as 0 against "Tony Blair"; this scores it 1.
    """
    return 0.0 if abstained else facts_present(answer, [golds])


def run_idk_mrc(bot: Assistant, folder: Path, out: Path, *, split: str = "test", limit: int | None = None,
                progress: bool = True) -> dict:
    path = folder / f"{split}.json"
    if not path.is_file():
        raise BenchmarkError(f"{path} not found: pass --data with the IDK-MRC folder (valid/test.json).")
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = [(para["context"], qa) for para in data for qa in para["qas"]]
    # Interleave answerable and unanswerable questions so that --limit keeps the mix.
    answerable = [p for p in pairs if not p[1]["is_impossible"]]
    impossible = [p for p in pairs if p[1]["is_impossible"]]
    # One of each while both last (strict=False: their numbers differ), then the rest of the longer one.
    interleaved = [p for pair in zip(answerable, impossible, strict=False) for p in pair]
    mixed = interleaved + answerable[len(impossible):] + impossible[len(answerable):]
    if limit:
        mixed = mixed[:limit]
    def make_row(pair: tuple[str, dict]) -> dict:
        context, qa = pair
        answer = bot.ask(qa["question"], passages=[context])
        text = "" if answer.abstained else strip_citations(answer.text)
        golds = [a["text"] for a in qa.get("answers") or []]
        return {"id": qa["id"], "question": qa["question"], "impossible": qa["is_impossible"], "answer": answer.text,
                "abstained": answer.abstained, "language": detect_language(answer.text),
                "f1": max((token_f1(text, g) for g in golds), default=0.0) if golds else None,
                "golds": golds,
                "seconds": answer.stats.total_s}

    rows = resumed_rows(out / "idk_mrc.jsonl", mixed, lambda pair: pair[1]["id"], make_row, key="id", needs="answer",
                        desc=f"IDK-MRC {split}", progress=progress)
    unanswerable = [r for r in rows if r["impossible"]]
    answerable_rows = [r for r in rows if not r["impossible"]]
    report = {"benchmark": "idk_mrc", "split": split, "questions": len(rows),
              "abstention": {"correct_rate": mean([float(r["abstained"]) for r in unanswerable]),
                             "false_rate": mean([float(r["abstained"]) for r in answerable_rows])},
              "answer": {"f1": mean([r["f1"] for r in answerable_rows]),
                         "gold_in_answer": mean([_gold_in(r["answer"], r["golds"], r["abstained"])
                                                 for r in answerable_rows if "golds" in r])},
              "latency": {"median_s": med([r["seconds"] for r in rows])}}
    (out / "idk_mrc-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
