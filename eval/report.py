"""report.md (with PNG charts) for one run, and the side-by-side comparison of two runs."""

from __future__ import annotations

import json
from pathlib import Path

HEADLINE = [
    ("retrieval.recall_at_5", "Retrieval recall@5"),
    ("retrieval.mrr_at_10", "Retrieval MRR@10"),
    ("answer.correctness", "Answer correctness (gold facts)"),
    ("answer.f1", "Answer token F1"),
    ("citation.precision", "Citation precision"),
    ("citation.recall", "Citation recall"),
    ("citation.dangling_rate", "[n] with no passage"),
    ("abstention.correct_rate", "Unanswerable: abstained"),
    ("abstention.false_rate", "Answerable: wrongly abstained"),
    ("language.match_rate", "Language match"),
    ("latency.ttft_median_s", "Time to first token, median (s)"),
    ("latency.ttft_p90_s", "Time to first token, p90 (s)"),
    ("latency.total_median_s", "Total time, median (s)"),
    ("latency.total_p90_s", "Total time, p90 (s)"),
    ("latency.ttft_generated_median_s", "Time to first token when the model is asked, median (s)"),
    ("latency.total_generated_median_s", "Total time when the model is asked, median (s)"),
    ("latency.prompt_tokens_median", "Prompt tokens, median"),
]
LOWER_IS_BETTER = ({"citation.dangling_rate", "abstention.false_rate"}
                   | {k for k, _ in HEADLINE if k.startswith("latency")})


def get(report: dict, dotted: str):
    node = report
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _charts(report: dict, rows: list[dict], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    keys = [("retrieval.recall_at_5", "recall@5"), ("retrieval.mrr_at_10", "MRR@10"),
            ("answer.correctness", "correct"), ("citation.precision", "cit. prec."),
            ("citation.recall", "cit. rec."), ("abstention.correct_rate", "abstain (unans.)"),
            ("language.match_rate", "lang. match")]
    langs = [lang for lang in ("id", "en") if lang in report.get("by_language", {})]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / max(1, len(langs))
    for i, lang in enumerate(langs):
        values = [get(report["by_language"][lang], k) or 0 for k, _ in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width,
               label={"id": "Indonesian", "en": "English"}[lang])
    ax.set_xticks([x + width * (len(langs) - 1) / 2 for x in range(len(keys))], [label for _, label in keys])
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right")
    ax.set_title("Quality by question language")
    fig.tight_layout()
    fig.savefig(out / "quality.png", dpi=110)
    plt.close(fig)
    made.append("quality.png")

    ttft = [r["ttft_s"] for r in rows if r.get("ttft_s") is not None]
    total = [r["total_s"] for r in rows if r.get("total_s") is not None]
    if total:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        ax.hist([ttft, total], bins=15, label=["time to first token", "total"])
        ax.set_xlabel("seconds")
        ax.set_ylabel("questions")
        ax.legend()
        ax.set_title("Answer latency")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        made.append("latency.png")
    return made


def write_markdown(report: dict, rows: list[dict], out: Path) -> None:
    meta = report.get("meta", {})
    lines = [f"# Eval report: {meta.get('name', out.name)}", ""]
    if meta:
        lines += ["| setting | value |", "| --- | --- |"] + [f"| {k} | {fmt(v)} |" for k, v in meta.items()] + [""]
    langs = [lang for lang in ("id", "en") if lang in report.get("by_language", {})]
    lines += ["## Headline", "", "| metric | all | " + " | ".join(langs) + " |",
              "| --- | --- | " + " | ".join("---" for _ in langs) + " |"]
    for key, label in HEADLINE:
        cells = [fmt(get(report, key))] + [fmt(get(report["by_language"][lang], key)) for lang in langs]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Retrieval: ours against the baselines (same questions, same index)", "",
              "| retriever | recall@1 | recall@5 | recall@10 | MRR@10 | median latency (s) |",
              "| --- | --- | --- | --- | --- | --- |"]
    retrieval_baselines = [(f"{m}-only", b["retrieval"]) for m, b in report.get("baselines", {}).items()
                           if "retrieval" in b]
    for name, block in [("hybrid (ours)", report["retrieval"])] + retrieval_baselines:
        lines.append(f"| {name} | {fmt(block['recall_at_1'])} | {fmt(block['recall_at_5'])} | "
                     f"{fmt(block['recall_at_10'])} | {fmt(block['mrr_at_10'])} | {fmt(block['latency_median_s'])} |")
    try:
        charts = _charts(report, rows, out)
    except Exception as exc:  # a chart is a convenience; the numbers are above
        charts = []
        lines += ["", f"(charts not drawn: {exc})"]
    lines += [""] + [f"![{c}]({c})" for c in charts]
    lines += vanilla_section(report)
    failures = [r for r in rows if "answer" in r and ((r["answerable"] and (r["abstained"] or (r["facts"] or 0) < 1))
                                                      or (not r["answerable"] and not r["abstained"]))]
    if failures:
        lines += ["", "## Questions not fully right", "",
                  "| id | question | answer | why |", "| --- | --- | --- | --- |"]
        for r in failures:
            why = ("wrongly abstained" if r["answerable"] and r["abstained"] else
                   "missing facts" if r["answerable"] else "answered an unanswerable question")
            answer = r["answer"].replace("|", "\\|").replace("\n", " ")[:160]
            lines.append(f"| {r['id']} | {r['question'].replace('|', '/')} | {answer} | {why} |")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


VANILLA_ROWS = [
    ("answer.correctness", "Answer correctness"), ("answer.f1", "Answer token F1"),
    ("citation.precision", "Citation precision"), ("citation.recall", "Citation recall"),
    ("citation.dangling_rate", "[n] with no passage"), ("abstention.correct_rate", "Unanswerable: abstained"),
    ("abstention.false_rate", "Answerable: wrongly abstained"), ("language.match_rate", "Language match"),
    ("latency.ttft_median_s", "Time to first token, median (s)"), ("latency.total_median_s", "Total time, median (s)"),
]


def vanilla_section(report: dict) -> list[str]:
    """The vanilla llama-index baseline beside ours, on the same questions (when it was run)."""
    block = report.get("baselines", {}).get("vanilla_llamaindex")
    if not block:
        return []
    ours, theirs = block["ours"], block["vanilla"]
    lines = ["", f"## Ours against vanilla llama-index (VectorStoreIndex + CitationQueryEngine, defaults; "
             f"same models, same {block['questions']} questions)", "",
             "| metric | ours | vanilla llama-index | ours better by |", "| --- | --- | --- | --- |"]
    for key, label in VANILLA_ROWS:
        a, b = get(ours, key), get(theirs, key)
        delta = ""
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if key.startswith("latency") and a:
                delta = f"{b / a:.2f}x faster" if b >= a else f"{a / b:.2f}x slower"
            else:
                gain = (b - a) if key in LOWER_IS_BETTER else (a - b)
                delta = f"{gain:+.3f}"
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {delta} |")
    if block.get("not_rescored"):
        lines += ["", "The vanilla answers were stored without their passages, so a rescore could not judge their "
                      "citations again: the vanilla citation figures are from the judge of the day they were run."]
    return lines


def _verdict(row: dict) -> str:
    if "answer" not in row:
        return "retrieval-only"
    if not row["answerable"]:
        return "abstained (right)" if row["abstained"] else "answered (wrong)"
    if row["abstained"]:
        return "abstained (wrong)"
    return "correct" if row["facts"] == 1.0 else "incomplete"


def compare(a: Path, b: Path) -> str:
    """Two runs side by side: every headline metric, and the questions whose verdict changed."""
    ra, rb = (json.loads((p / "report.json").read_text(encoding="utf-8")) for p in (a, b))
    lines = [f"| metric | {a.name} | {b.name} | change |", "| --- | --- | --- | --- |"]
    for key, label in HEADLINE:
        va, vb = get(ra, key), get(rb, key)
        change = ""
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and va != vb:
            better = (vb < va) if key in LOWER_IS_BETTER else (vb > va)
            change = f"{vb - va:+.3f} ({'better' if better else 'worse'})"
        lines.append(f"| {label} | {fmt(va)} | {fmt(vb)} | {change} |")
    rows_a = {r["id"]: r for r in map(json.loads, (a / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    rows_b = {r["id"]: r for r in map(json.loads, (b / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    changed = [(i, _verdict(rows_a[i]), _verdict(rows_b[i])) for i in sorted(rows_a.keys() & rows_b.keys())
               if _verdict(rows_a[i]) != _verdict(rows_b[i])]
    lines += ["", f"{len(changed)} question(s) changed verdict" + (":" if changed else ".")]
    lines += [f"- {i}: {va} -> {vb}  ({rows_b[i]['question']})" for i, va, vb in changed]
    return "\n".join(lines)
