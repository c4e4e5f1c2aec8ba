"""The held-out suite (`tanya eval --suite heldout`): every answer change is judged here, on
questions and articles nobody tuned for; and its twin on the splits for choosing (`--suite dev`).

Four sets, each asked through the public API (``Assistant.events``):

- ``ours``: our eval set over the bundled articles (eval/data/questions.jsonl): its frozen
  test half in the held-out suite, its dev half in the dev suite;
- ``facqa-id``: FacQA (Indonesian news QA), open-domain over the index of every FacQA passage:
  test (held-out) or valid (dev);
- ``facqa-en``: the hand-written English versions of 150 of those questions of each split
  (eval/data/facqa_en.jsonl), over the same index: English questions, Indonesian news;
- ``idk-mrc``: IDK-MRC test (held-out) or valid (dev), each question answered from its own
  paragraph (answerable and not).

``sample`` takes a fixed-seed sample per set, both classes balanced where a set has both; the
FacQA sets then share their questions (the English sample's originals), so the two languages are
compared on the same facts. One line a question is appended to ``<out>/<set>.jsonl`` as it is
answered: run the same command again to continue (a sample's rows count in a later full run).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TypedDict

from eval.benchmarks import DEFAULT_ROOT, BenchmarkError, facqa_articles, load_facqa, words_key
from eval.dataset import DATA, in_split, load_questions
from eval.judge import Judge
from eval.metrics import (
    citation_scores,
    contains_evidence,
    facts_present,
    mean,
    med,
    percentile,
    recall_at,
    reciprocal_rank,
)
from eval.resume import RunFolderError, resumed_rows
from eval.runner import timed_answer
from rag import Assistant
from rag.abstention import Reason
from rag.language import Language, answer_language
from rag.llm import ChatModel
from rag.settings import Settings

SETS = ("ours", "facqa-id", "facqa-en", "idk-mrc")
#: Each suite's splits: of our set, of FacQA (and its English versions), of IDK-MRC.
SUITES = {"heldout": ("test", "test", "test"), "dev": ("dev", "valid", "valid")}
FACQA_EN = DATA / "facqa_en.jsonl"
SEED = 16
RETRIEVAL_K = 10


@dataclass(frozen=True)
class SuiteItem:
    """One question of a set, with what an answer to it must hold."""

    set: str
    key: str  # unique within the set
    lang: Language
    question: str
    answerable: bool
    golds: list[list[str]] = field(default_factory=list)  # gold facts, each with its accepted forms
    passages: list[str] | None = None  # answer from these texts instead of the index (IDK-MRC)
    evidence: list[str] = field(default_factory=list)  # a retrieved chunk holding one of these is relevant
    whole_passage: bool = False  # evidence is a whole passage: relevance by words (copies, chunk splits)


# The sets --------------------------------------------------------------------------------
def ours(split: str = "test") -> list[SuiteItem]:
    return [SuiteItem("ours", i.id, i.lang, i.question, i.answerable, i.gold_facts,
                      evidence=[e.text for e in i.evidence])
            for i in in_split(load_questions(), split)]


def load_facqa_en(split: str, path: Path = FACQA_EN) -> list[dict]:
    """The English versions of FacQA ``split`` ("valid" for choosing, "test" for reporting)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def facqa(folder: Path, lang: str, split: str = "test") -> list[SuiteItem]:
    """FacQA ``split`` in Indonesian (every question) or English (the hand-written versions)."""
    items = load_facqa(folder, split)
    if lang == "id":
        return [SuiteItem("facqa-id", str(n), "id", it.question, True, [[it.answer]], evidence=[it.passage],
                          whole_passage=True) for n, it in enumerate(items)]
    out = []
    for row in load_facqa_en(split):
        n = row["n"]
        if n >= len(items):
            continue  # a cut-down FacQA copy (the tests')
        it = items[n]
        if it.question != row["question"]:
            raise BenchmarkError(f"FacQA {split} row {n} is {it.question!r}, but {FACQA_EN.name} translates "
                                 f"{row['question']!r}: is {folder} another version of FacQA?")
        out.append(SuiteItem("facqa-en", str(n), "en", row["question_en"], True, [[it.answer, *row["gold_en"]]],
                             evidence=[it.passage], whole_passage=True))
    return out


def idk_mrc(folder: Path, split: str = "test") -> list[SuiteItem]:
    path = folder / f"{split}.json"
    if not path.is_file():
        raise BenchmarkError(f"{path} not found: pass --data with the folder holding idk_mrc/ and facqa/.")
    out = []
    for para in json.loads(path.read_text(encoding="utf-8")):
        for qa in para["qas"]:
            golds = [a["text"] for a in qa.get("answers") or []]
            out.append(SuiteItem("idk-mrc", qa["id"], "id", qa["question"], not qa["is_impossible"],
                                 [golds] if golds else [], passages=[para["context"]]))
    return out


def sampled(items: list[SuiteItem], n: int | None, seed: int = SEED) -> list[SuiteItem]:
    """A fixed-seed sample of ``n`` (all for None), half answerable and half not where both exist."""
    if n is None or n >= len(items):
        return items
    rng = random.Random(seed)
    yes = [i for i in items if i.answerable]
    no = [i for i in items if not i.answerable]
    if not yes or not no:
        chosen = rng.sample(items, n)
    else:
        half = min(len(no), n // 2)
        chosen = rng.sample(no, half) + rng.sample(yes, min(len(yes), n - half))
    keys = {i.key for i in chosen}
    return [i for i in items if i.key in keys]


def suite_items(root: Path, sets: Iterable[str] = SETS, sample: int | None = None,
                suite: str = "heldout") -> dict[str, list[SuiteItem]]:
    """Each set's questions (``root``: the folder holding facqa/ and idk_mrc/)."""
    if suite not in SUITES:
        raise BenchmarkError(f"unknown suite {suite!r}: choose from {', '.join(SUITES)}")
    ours_split, facqa_split, idk_split = SUITES[suite]
    chosen: dict[str, list[SuiteItem]] = {}
    english = (sampled(facqa(root / "facqa", "en", facqa_split), sample) if {"facqa-en", "facqa-id"} & set(sets)
               else [])
    for name in sets:
        if name == "ours":
            chosen[name] = sampled(ours(ours_split), sample)
        elif name == "facqa-en":
            chosen[name] = english
        elif name == "facqa-id":
            every = facqa(root / "facqa", "id", facqa_split)
            if sample is None:
                chosen[name] = every
            else:  # the same facts as the English sample
                keys = {i.key for i in english}
                chosen[name] = [i for i in every if i.key in keys]
        elif name == "idk-mrc":
            chosen[name] = sampled(idk_mrc(root / "idk_mrc", idk_split), sample)
        else:
            raise BenchmarkError(f"unknown set {name!r}: choose from {', '.join(SETS)}")
    return chosen


# Asking ----------------------------------------------------------------------------------
def relevant_rank(texts: list[str], item: SuiteItem) -> int | None:
    """1-based rank of the first retrieved text holding the item's evidence."""
    for rank, text in enumerate(texts, start=1):
        if item.whole_passage:
            chunk, gold = words_key(text), [words_key(e) for e in item.evidence]
            if any(chunk and (chunk in g or g in chunk) for g in gold):
                return rank
        elif contains_evidence(text, item.evidence):
            return rank
    return None


def ask_item(bot: Assistant, item: SuiteItem, judge: Judge, answers: bool = True) -> dict:
    """Everything the suite measures about one question (its retrieval only, without ``answers``)."""
    row: dict = {"key": item.key, "set": item.set, "lang": item.lang, "question": item.question,
                 "answerable": item.answerable}
    if item.passages is None and item.evidence:
        passages = bot.retrieve(item.question, RETRIEVAL_K, language=item.lang)
        row["rank"] = relevant_rank([p.text for p in passages], item)
    if not answers:
        return row
    answer, ttft, total = timed_answer(bot, item.question, item.passages)
    cited = {c.number: c.text for c in answer.citations}
    draft = "".join(answer.stats.pieces)
    citation = citation_scores(answer.text, cited, lambda s, p: judge.judge(s, p).supported)
    row.update({
        "answer": answer.text,
        "abstained": answer.abstained,
        "correct": (0.0 if answer.abstained else facts_present(answer.text, item.golds)) if item.answerable else None,
        # an abstention from an answerable question whose quoted closest sentence holds the answer: the reader,
        # told no answer could be confirmed, still sees it (it scores 0 as an answer all the same)
        "abstention_quotes_answer": (facts_present(answer.text, item.golds) >= 0.5
                                     if item.answerable and answer.abstained else None),
        # the model's own reply to the answer prompt, before any check: whether the model had the answer, so a
        # wrong final answer can be told apart as the model's (its draft was wrong too) or the checks' (they
        # withheld or replaced a right draft). None without a reply: none asked for (weak evidence), or cut at
        # its first token by the answerability decision (replay a run made with it off to see those drafts)
        "draft_correct": (facts_present(draft, item.golds)
                          if item.answerable and draft.strip() and answer.abstention is not Reason.NOT_ANSWERABLE
                          else None),
        "citation": {k: citation[k] for k in ("sentences", "recall", "precision", "citations", "dangling")},
        "language_match": answer_language(answer.text) == item.lang,
        "evidence_score": answer.evidence_score,
        "abstention": answer.abstention.value if answer.abstention else None,
        "signals": asdict(answer.signals) if answer.signals else None,
        "answerability": answer.answerability,
        "ttft_s": ttft,
        "total_s": total,
        "prompt_tokens": answer.stats.prompt_tokens,
        "pieces": answer.stats.pieces,
        "token_probabilities": [round(p, 4) for p in answer.stats.token_probabilities],
        "notes": answer.notes,
    })
    return row


# Scoring ---------------------------------------------------------------------------------
class CurvePoint(TypedDict):
    """One point of :func:`abstention_curve`: what withholding below ``threshold`` abstains."""

    threshold: float | None  # None: withhold nothing (+inf) or everything (-inf)
    false_abstention: float
    correct_abstention: float


def abstention_curve(rows: list[dict]) -> dict | None:
    """Correct abstention (unanswerable abstained) against false abstention (answerable abstained)
    when the answer is withheld below each threshold of the evidence score: the curve of the
    decision threshold, its area (1.0: the score puts every unanswerable question below every
    answerable one; 0.5: chance), the correct abstention it allows at false abstention <= 0.05,
    and where the system itself stands."""
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    if not yes or not no:
        return None

    def score(r: dict) -> float:
        return r["evidence_score"] if r.get("evidence_score") is not None else float("-inf")

    wins = sum(1.0 if score(a) > score(u) else 0.5 if score(a) == score(u) else 0.0 for a in yes for u in no)
    points: list[CurvePoint] = []
    for t in sorted({score(r) for r in rows} | {float("inf")}):
        points.append({"threshold": None if t in (float("inf"), float("-inf")) else round(t, 4),
                       "false_abstention": sum(score(r) < t for r in yes) / len(yes),
                       "correct_abstention": sum(score(r) < t for r in no) / len(no)})
    allowed = [p["correct_abstention"] for p in points if p["false_abstention"] <= 0.05]
    return {"auc": wins / (len(yes) * len(no)), "correct_at_false_0_05": max(allowed, default=0.0),
            "system": {"false_abstention": mean([float(r["abstained"]) for r in yes]),
                       "correct_abstention": mean([float(r["abstained"]) for r in no])},
            "points": points}


def summary(rows: list[dict]) -> dict:
    """One table row: the figures of these answers (retrieval only for rows without an answer)."""
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    ranks = [r["rank"] for r in yes if "rank" in r]
    retrieval = {"recall_at_1": mean([recall_at(x, 1) for x in ranks]) if ranks else None,
                 "recall_at_5": mean([recall_at(x, 5) for x in ranks]) if ranks else None,
                 "mrr_at_10": mean([reciprocal_rank(x, 10) for x in ranks]) if ranks else None}
    if not any("answer" in r for r in rows):
        return {"questions": len(rows), **{key: None for key, _, _ in COLUMNS[1:]}, **retrieval}
    answered = [r for r in rows if not r["abstained"]]
    return {
        "questions": len(rows),
        "answer_correct": mean([r["correct"] for r in yes]),
        "false_abstention": mean([float(r["abstained"]) for r in yes]),
        "false_abstention_quoting_answer": mean([float(r["abstention_quotes_answer"]) for r in yes
                                                 if r.get("abstention_quotes_answer") is not None]),
        "false_abstention_right_draft": (mean([float(r["abstained"] and (r.get("draft_correct") or 0.0) >= 0.5)
                                               for r in yes])
                                         if any("draft_correct" in r for r in yes) else None),
        "unanswerable_abstained": mean([float(r["abstained"]) for r in no]),
        "citation_precision": mean([r["citation"]["precision"] for r in answered if r["citation"]["citations"]]),
        "citation_recall": mean([r["citation"]["recall"] for r in answered if r["citation"]["sentences"]]),
        "dangling_citations": sum(r["citation"]["dangling"] for r in rows),
        "language_match": mean([float(r["language_match"]) for r in rows]),
        "ttft_median_s": med([r["ttft_s"] for r in rows]),
        "ttft_p90_s": percentile([r["ttft_s"] for r in rows], 0.9),
        "total_median_s": med([r["total_s"] for r in rows]),
        **retrieval,
    }


def suite_report(rows_by_set: dict[str, list[dict]]) -> dict:
    table = {}
    curves = {}
    for name, rows in rows_by_set.items():
        table[name] = {"all": summary(rows)}
        langs = sorted({r["lang"] for r in rows})
        if len(langs) > 1:
            table[name].update({lang: summary([r for r in rows if r["lang"] == lang]) for lang in langs})
        curve = abstention_curve(rows)
        if curve:
            curves[name] = curve
    return {"table": table, "abstention_curves": curves}


COLUMNS = [("questions", "n", "{:d}"), ("answer_correct", "correct", "{:.3f}"),
           ("false_abstention", "false abst.", "{:.3f}"),
           ("false_abstention_quoting_answer", "of which quoting the answer", "{:.3f}"),
           ("false_abstention_right_draft", "of which the model's draft right", "{:.3f}"),
           ("unanswerable_abstained", "unans. abst.", "{:.3f}"),
           ("citation_precision", "cit. P", "{:.3f}"), ("citation_recall", "cit. R", "{:.3f}"),
           ("language_match", "lang", "{:.3f}"), ("recall_at_1", "R@1", "{:.3f}"), ("recall_at_5", "R@5", "{:.3f}"),
           ("mrr_at_10", "MRR", "{:.3f}"), ("ttft_median_s", "first s", "{:.1f}"),
           ("total_median_s", "total s", "{:.1f}")]


def _cell(value, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def markdown(report: dict) -> str:
    """The report as the one table (and the abstention curves' figures) a person reads."""
    lines = ["| set | lang | " + " | ".join(c[1] for c in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for name, by_lang in report["table"].items():
        for lang, figures in by_lang.items():
            lines.append(f"| {name} | {lang} | " + " | ".join(_cell(figures[k], f) for k, _, f in COLUMNS) + " |")
    if report["abstention_curves"]:
        lines += ["", "Abstention by the evidence-score threshold (area under correct vs false abstention):", "",
                  "| set | area | correct abst. at false <= 0.05 | system: false abst. | system: correct abst. |",
                  "|---|---|---|---|---|"]
        for name, c in report["abstention_curves"].items():
            lines.append(f"| {name} | {c['auc']:.3f} | {c['correct_at_false_0_05']:.3f} | "
                         f"{c['system']['false_abstention']:.3f} | {c['system']['correct_abstention']:.3f} |")
    return "\n".join(lines) + "\n"


# Comparing two runs -------------------------------------------------------------------------
COMPARED = ["answer_correct", "false_abstention", "false_abstention_quoting_answer", "false_abstention_right_draft",
            "unanswerable_abstained",
            "citation_precision", "citation_recall", "mrr_at_10", "ttft_median_s", "total_median_s"]


def _run_rows(run: Path) -> tuple[dict, dict[str, dict[str, dict]]]:
    """A suite run folder's meta and its rows, by set and question key."""
    meta_path = run / "meta.json"
    if not meta_path.is_file():
        raise RunFolderError(f"{run} is not a suite run folder (no meta.json): pass a folder written by "
                             "`tanya eval --suite heldout|dev`.")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    rows = {}
    for path in sorted(run.glob("*.jsonl")):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows[path.stem] = {r["key"]: r for r in lines}
    return meta, rows


def compare_runs(a: Path, b: Path) -> str:
    """Two runs of one suite side by side, set by set and language by language, on the questions both asked
    (so a ``--sample`` run is compared with a full baseline on its own questions); and the settings that differ."""
    meta_a, rows_a = _run_rows(a)
    meta_b, rows_b = _run_rows(b)
    if meta_a.get("suite", "heldout") != meta_b.get("suite", "heldout"):
        raise RunFolderError(f"{a} is a run of the {meta_a.get('suite')} suite and {b} of the {meta_b.get('suite')} "
                             "suite: compare runs of one suite.")
    lines = [f"# {a.name} -> {b.name} ({meta_b.get('suite', 'heldout')} suite, the questions both runs asked)", ""]
    settings_a, settings_b = meta_a.get("settings", {}), meta_b.get("settings", {})
    changed = sorted(k for k in set(settings_a) | set(settings_b) if settings_a.get(k) != settings_b.get(k))
    lines += ["Settings changed: " + (", ".join(f"{k} {settings_a.get(k)!r} -> {settings_b.get(k)!r}"
                                                for k in changed) or "none"), ""]
    names = {key: label for key, label, _ in COLUMNS}
    lines += ["| set | lang | n | " + " | ".join(names[k] for k in COMPARED) + " |",
              "|---|---|---|" + "---|" * len(COMPARED)]
    for name in [n for n in rows_a if n in rows_b]:
        keys = [k for k in rows_a[name] if k in rows_b[name]]
        if not keys:
            continue
        langs = ["all"] + (sorted({rows_a[name][k]["lang"] for k in keys}) if name == "ours" else [])
        for lang in langs:
            chosen = [k for k in keys if lang == "all" or rows_a[name][k]["lang"] == lang]
            before = summary([rows_a[name][k] for k in chosen])
            after = summary([rows_b[name][k] for k in chosen])
            cells = []
            for k in COMPARED:
                x, y = before.get(k), after.get(k)
                cells.append("-" if x is None or y is None else f"{x:.3f} -> {y:.3f}" if not k.endswith("_s")
                             else f"{x:.1f} -> {y:.1f}")
            lines.append(f"| {name} | {lang} | {len(chosen)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# Running ---------------------------------------------------------------------------------
def _fingerprint(bot: Assistant) -> dict:
    """The settings that change answers (not where files live): a run folder continues only with these."""
    skip = {"home", "articles_dir", "models_dir", "chroma_url", "collection", "config"}
    return {k: v for k, v in bot.settings.model_dump(mode="json").items() if k not in skip}


#: The packages whose code decides an answer and its score: a run folder continues only with the same code.
CODE_PACKAGES = ("index", "rag", "eval")
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def code_fingerprint(root: Path = _SOURCE_ROOT) -> str:
    """A hash of the Python sources of :data:`CODE_PACKAGES` (recorded runs and lab scripts left out)."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "runs" not in path.relative_to(root / package).parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _check_meta(out: Path, meta: dict) -> None:
    path = out / "meta.json"
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("code", meta["code"]) != meta["code"]:
            raise RunFolderError(f"{out} was run with other code (fingerprint {old['code']}, now {meta['code']}): "
                                 "its answers cannot be mixed with this run's. Pass another --out.")
        if old.get("suite", "heldout") != meta["suite"]:
            raise RunFolderError(f"{out} holds a run of the {old.get('suite')} suite, not {meta['suite']}: "
                                 "pass another --out.")
        if old.get("settings") != meta["settings"]:
            changed = sorted(k for k in set(old.get("settings", {})) | set(meta["settings"])
                             if old.get("settings", {}).get(k) != meta["settings"].get(k))
            raise RunFolderError(f"{out} was run with other settings ({', '.join(changed)}): its answers cannot be "
                                 "mixed with this run's. Pass another --out.")
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class SuiteAssistants:
    """The assistants a suite run asks (``bot_for(set)``): one on the data home's index for our set and IDK-MRC,
    one on FacQA's own index (``<home>/benchmarks/facqa``), made when first needed; ``chat_model`` for both."""

    def __init__(self, settings: Settings, chat_model: ChatModel | None = None) -> None:
        self.settings, self.chat_model = settings, chat_model
        self.articles = Assistant(settings, chat_model=chat_model)
        self._facqa: Assistant | None = None

    def __call__(self, name: str) -> Assistant:
        if not name.startswith("facqa"):
            return self.articles
        if self._facqa is None:  # FacQA's passages have an index of their own
            s = self.settings
            self._facqa = Assistant(s, home=s.home / "benchmarks" / "facqa", models_dir=s.models_path,
                                    chat_model=self.chat_model)
        return self._facqa


def _after(before: Callable[[SuiteItem], None], ask: Callable[[SuiteItem], dict], item: SuiteItem) -> dict:
    before(item)
    return ask(item)


def run_suite(bot_for: Callable[[str], Assistant], judge: Judge, out: Path, *, root: Path = DEFAULT_ROOT,
              sets: Iterable[str] = SETS, sample: int | None = None, suite: str = "heldout", progress: bool = True,
              answers: bool = True, meta: dict | None = None,
              before: Callable[[SuiteItem], None] | None = None) -> dict:
    """Ask every set's questions (``bot_for(set)`` answers them) and write ``out``: one
    ``<set>.jsonl`` per set, ``<suite>-report.json`` and ``<suite>-report.md``. Without ``answers``,
    only the questions that have gold evidence to retrieve are asked, and only retrieval is measured.
    ``before(item)`` runs before each question is asked (a replay sets the recorded reply there)."""
    items = suite_items(root, sets, sample, suite)
    if not answers:
        items = {name: [i for i in its if i.evidence and i.passages is None] for name, its in items.items()}
        items = {name: its for name, its in items.items() if its}
    _check_meta(out, {**(meta or {}), "suite": suite, "sample": sample, "code": code_fingerprint(),
                      "settings": _fingerprint(bot_for(next(iter(items))))})
    rows_by_set = {}
    for name, set_items in items.items():
        bot = bot_for(name)
        if name.startswith("facqa"):
            bot.add_articles(facqa_articles(root / "facqa"), progress=progress)
        ask = partial(ask_item, bot, judge=judge, answers=answers)
        if before is not None:
            ask = partial(_after, before, ask)
        rows_by_set[name] = resumed_rows(out / f"{name}.jsonl", set_items, lambda i: i.key, ask, key="key",
                                         needs="answer" if answers else "rank", desc=name, progress=progress)
    report = {**suite_report(rows_by_set), "meta": {**(meta or {}), "suite": suite, "sample": sample,
                                                    "date": time.strftime("%Y-%m-%d %H:%M")}}
    (out / f"{suite}-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    (out / f"{suite}-report.md").write_text(markdown(report), encoding="utf-8")
    return report


__all__ = ["SETS", "SuiteAssistants", "SuiteItem", "abstention_curve", "ask_item", "markdown", "run_suite",
           "suite_items", "summary"]
