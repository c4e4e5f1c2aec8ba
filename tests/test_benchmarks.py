"""Benchmark loaders and runners on tiny files in the benchmarks' own formats (tiny model: structure only)."""

import json

import pytest

from eval.benchmarks import BenchmarkError, detokenize, facqa_articles, load_facqa, run_idk_mrc

FACQA_ROWS = [
    ("['Siapa', 'pelatih', 'ganda', 'putra', '?']",
     "['Pelatih', 'ganda', 'putra', ',', 'Christian', 'Hadinata', ',', 'tak', 'ragu', '.']",
     "['O', 'O', 'O', 'O', 'B', 'I', 'O', 'O', 'O', 'O']"),
]


def _write_facqa(folder):
    folder.mkdir()
    for split in ("train", "valid", "test"):
        lines = ["question,passage,seq_label"]
        for q, p, label in FACQA_ROWS:
            lines.append(f'"{q}","{p}","{label}"')
        (folder / f"{split}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_detokenize():
    assert detokenize(["Pelatih", ",", "Christian", "(", "CH", ")", "."]) == "Pelatih, Christian (CH)."


def test_facqa_loader_reads_spans_and_dedupes_passages(tmp_path):
    _write_facqa(tmp_path / "facqa")
    items = load_facqa(tmp_path / "facqa", "test")
    assert items[0].question == "Siapa pelatih ganda putra?"
    assert items[0].answer == "Christian Hadinata"
    assert items[0].passage == "Pelatih ganda putra, Christian Hadinata, tak ragu."
    articles = facqa_articles(tmp_path / "facqa")
    assert len(articles) == 1 and articles[0].doc_id == items[0].passage_id


IDK_DATA = [{"context": "Sirkuit terpadu mulai dikembangkan pada tahun 1959 oleh para insinyur.",
             "qas": [{"id": "a", "question": "Kapan sirkuit terpadu mulai dikembangkan?", "is_impossible": False,
                      "answers": [{"text": "1959", "answer_start": 46}]},
                     {"id": "b", "question": "Siapa presiden Indonesia pada tahun 1959?", "is_impossible": True,
                      "answers": []}]}]


def _write_idk(folder):
    folder.mkdir()
    (folder / "test.json").write_text(json.dumps(IDK_DATA), encoding="utf-8")


def test_idk_mrc_runner_reports_abstention_and_f1(tiny_bot, tmp_path):
    _write_idk(tmp_path / "idk")
    report = run_idk_mrc(tiny_bot, tmp_path / "idk", tmp_path / "out", progress=False)
    assert report["questions"] == 2
    assert report["abstention"]["correct_rate"] in (0.0, 1.0)
    assert 0.0 <= report["answer"]["f1"] <= 1.0
    rows = [json.loads(line) for line in (tmp_path / "out" / "idk_mrc.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]


def test_interrupted_benchmark_run_continues_where_it_stopped(tiny_bot, tmp_path):
    _write_idk(tmp_path / "idk")
    out = tmp_path / "out"
    run_idk_mrc(tiny_bot, tmp_path / "idk", out, limit=1, progress=False)
    results = out / "idk_mrc.jsonl"
    first = json.loads(results.read_text())
    first["answer"] = "written by the first run"
    # The first run's row, then the half-written line of a run killed while writing "b".
    results.write_text(json.dumps(first) + '\n{"id": "b", "question": "Siapa', encoding="utf-8")
    report = run_idk_mrc(tiny_bot, tmp_path / "idk", out, progress=False)
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["answer"] == "written by the first run"  # kept, not asked again
    assert report["questions"] == 2


def test_benchmark_refuses_a_folder_of_another_run_and_missing_data(tiny_bot, tmp_path):
    _write_idk(tmp_path / "idk")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "idk_mrc.jsonl").write_text('{"question": "no id"}\n', encoding="utf-8")
    from eval.resume import RunFolderError

    with pytest.raises(RunFolderError, match="another --out"):
        run_idk_mrc(tiny_bot, tmp_path / "idk", tmp_path / "out", progress=False)
    with pytest.raises(BenchmarkError, match="--data"):
        run_idk_mrc(tiny_bot, tmp_path / "nowhere", tmp_path / "out2", progress=False)


def test_ask_from_given_passages_cites_only_them(tiny_bot):
    answer = tiny_bot.ask("Kapan sirkuit terpadu mulai dikembangkan?",
                          passages=["Sirkuit terpadu mulai dikembangkan pada tahun 1959."])
    assert all(c.doc_id == "given-1" for c in answer.citations)


def test_retrieval_latency_benchmark_reports_every_mode(tiny_bot):
    from eval.bench_retrieval import measure

    results = measure(tiny_bot, ["Kapan Kim tiba di Rusia?", "Who gave Kim a vest?"], k=3, repeat=1)
    assert set(results) == {"hybrid", "dense", "bm25"}
    assert all(r["queries"] == 2 and 0 < r["p50_ms"] <= r["p95_ms"] for r in results.values())


def test_a_sentence_answer_holding_the_gold_span_counts():
    from eval.benchmarks import _gold_in

    assert _gold_in("Perdana Menteri Inggris adalah Tony Blair [1].", ["Tony Blair"], False) == 1.0
    assert _gold_in("Presiden Indonesia adalah Jusuf Kalla [1].", ["Susilo Bambang Yudhoyono"], False) == 0.0
    assert _gold_in("Tony Blair", ["Tony Blair"], True) == 0.0


def test_words_key_makes_copies_of_a_passage_equal():
    from eval.benchmarks import words_key

    assert words_key("Pelatih ganda putra, Christian Hadinata.") == words_key("pelatih ganda putra Christian  Hadinata")
    assert words_key("Harga naik 5 persen.") != words_key("Harga naik 6 persen.")


def test_facqa_runner_answers_and_continues_an_interrupted_run(tmp_path, models_dir, embedder):
    from eval.benchmarks import run_facqa
    from rag import Assistant, load_settings

    _write_facqa(tmp_path / "facqa")
    bot = Assistant(load_settings(home=tmp_path / "home", models_dir=models_dir, llm="smollm2-135m", threads=2,
                                  max_answer_tokens=16), embedder=embedder)
    out = tmp_path / "out"
    report = run_facqa(bot, tmp_path / "facqa", out, progress=False)
    assert report["retrieval"]["hybrid"]["recall_at_1"] == 1.0
    assert (set(report["answer"]) == {"exact_match", "f1", "gold_in_answer", "abstained_rate"}
            and report["latency"]["median_s"] > 0)
    row = json.loads((out / "facqa.jsonl").read_text())
    assert row["n"] == 0 and row["gold"] == "Christian Hadinata"
    row["answer"] = "kept"
    (out / "facqa.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    run_facqa(bot, tmp_path / "facqa", out, progress=False)
    assert json.loads((out / "facqa.jsonl").read_text())["answer"] == "kept"
    row["question"] = "Pertanyaan lain dari split lain?"
    (out / "facqa.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    from eval.resume import RunFolderError

    with pytest.raises(RunFolderError, match="other questions"):
        run_facqa(bot, tmp_path / "facqa", out, progress=False)
