"""report.md renders every block a run can have, including the vanilla baseline."""

from eval.report import write_markdown
from eval.runner import aggregate


def _row(i, lang, answerable, abstained, facts):
    return {"id": f"{lang}-{i}", "lang": lang, "type": "fact", "question": f"q{i}", "answerable": answerable,
            "gold_answer": "x" if answerable else None,
            "retrieval": {m: {"rank": 1 if answerable else None, "ids": [], "seconds": 0.05}
                          for m in ("hybrid", "dense", "bm25")},
            "answer": "x [1]." if not abstained else "The sources do not say.", "abstained": abstained,
            "answer_language": lang, "citations": [], "notes": [], "facts": facts if answerable else None,
            "f1": 1.0 if answerable else None,
            "citation": {"sentences": 1, "recall": 1.0, "precision": 1.0, "citations": 1, "dangling": 0,
                         "verdicts": []},
            "ttft_s": 1.0, "total_s": 2.0, "prompt_tokens": 100, "completion_tokens": 10, "retrieval_s": 0.05}


def test_markdown_with_vanilla_baseline(tmp_path):
    rows = [_row(1, "id", True, False, 1.0), _row(2, "en", True, False, 0.5), _row(3, "en", False, True, None)]
    report = aggregate(rows)
    report["by_language"] = {lang: aggregate([r for r in rows if r["lang"] == lang]) for lang in ("id", "en")}
    vanilla = [{k: v for k, v in r.items() if k != "retrieval"} | {"ttft_s": 4.0, "total_s": 6.0} for r in rows]
    report["baselines"]["vanilla_llamaindex"] = {"questions": 3, "every": 1, "ours": aggregate(rows),
                                                 "vanilla": aggregate(vanilla)}
    write_markdown(report, rows, tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "| dense-only |" in md and "| bm25-only |" in md
    assert "Ours against vanilla llama-index" in md and "3.00x faster" in md
    assert report["answer"]["correctness"] == 0.75 and report["abstention"]["correct_rate"] == 1.0


class _Judge:
    """A stand-in judge with a fixed verdict (the local judge's attributes, so reports can name it)."""

    threshold = cross_threshold = 0.0

    def __init__(self, supported):
        self.supported = supported

    def judge(self, sentence, passage, given=frozenset()):
        from types import SimpleNamespace

        return SimpleNamespace(supported=self.supported)


def test_rescore_keeps_the_vanilla_baseline_and_rescores_it(tmp_path):
    import json

    from eval.runner import rescore, vanilla_baseline

    rows = [_row(1, "id", True, False, 1.0), _row(2, "en", True, False, 0.5)]
    vanilla = [r | {"passages": {"1": "x"}} for r in rows]
    (tmp_path / "vanilla").mkdir()
    (tmp_path / "vanilla" / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in vanilla))
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = aggregate(rows)
    report["baselines"]["vanilla_llamaindex"] = vanilla_baseline(rows, vanilla, 1)
    (tmp_path / "report.json").write_text(json.dumps(report))

    rescored = rescore(tmp_path, _Judge(False))
    block = rescored["baselines"]["vanilla_llamaindex"]
    assert block["questions"] == 2 and block["vanilla"]["citation"]["precision"] == 0.0
    assert rescore(tmp_path, _Judge(True))["baselines"]["vanilla_llamaindex"]["vanilla"]["citation"]["precision"] == 1.0


def test_vanilla_rows_without_passages_are_kept_as_scored(tmp_path):
    import json

    from eval.runner import rescore, vanilla_baseline

    rows = [_row(1, "id", True, False, 1.0)]
    (tmp_path / "vanilla").mkdir()
    (tmp_path / "vanilla" / "results.jsonl").write_text(json.dumps(rows[0]) + "\n")
    (tmp_path / "results.jsonl").write_text(json.dumps(rows[0]) + "\n")
    report = aggregate(rows)
    report["baselines"]["vanilla_llamaindex"] = vanilla_baseline(rows, rows, 3)
    (tmp_path / "report.json").write_text(json.dumps(report))
    block = rescore(tmp_path, _Judge(False))["baselines"]["vanilla_llamaindex"]
    assert block["not_rescored"] and block["every"] == 3


def test_rescore_counts_an_old_runs_abstentions_as_wrong(tmp_path):
    """Runs stored before abstentions scored 0 had credited the facts in an abstention's quote."""
    import json

    from eval.runner import rescore

    rows = [_row(1, "en", True, True, 1.0), _row(2, "en", True, False, 1.0)]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "report.json").write_text(json.dumps(aggregate(rows)))
    report = rescore(tmp_path, _Judge(True))
    assert report["answer"]["correctness"] == 0.5 and report["answer"]["f1"] == 0.5
    stored = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [r["facts"] for r in stored] == [0.0, 1.0]
