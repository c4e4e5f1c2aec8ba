"""Benchmark loaders and runners on tiny files in the benchmarks' own formats (tiny model: structure only)."""

import json

from eval.benchmarks import detokenize, facqa_articles, load_facqa, run_idk_mrc

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


def test_idk_mrc_runner_reports_abstention_and_f1(tiny_bot, tmp_path):
    data = [{"context": "Sirkuit terpadu mulai dikembangkan pada tahun 1959 oleh para insinyur.",
             "qas": [{"id": "a", "question": "Kapan sirkuit terpadu mulai dikembangkan?", "is_impossible": False,
                      "answers": [{"text": "1959", "answer_start": 46}]},
                     {"id": "b", "question": "Siapa presiden Indonesia pada tahun 1959?", "is_impossible": True,
                      "answers": []}]}]
    (tmp_path / "idk").mkdir()
    (tmp_path / "idk" / "test.json").write_text(json.dumps(data), encoding="utf-8")
    report = run_idk_mrc(tiny_bot, tmp_path / "idk", tmp_path / "out", progress=False)
    assert report["questions"] == 2
    assert report["abstention"]["correct_rate"] in (0.0, 1.0)
    assert 0.0 <= report["answer"]["f1"] <= 1.0
    rows = [json.loads(line) for line in (tmp_path / "out" / "idk_mrc.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]


def test_ask_from_given_passages_cites_only_them(tiny_bot):
    answer = tiny_bot.ask("Kapan sirkuit terpadu mulai dikembangkan?",
                          passages=["Sirkuit terpadu mulai dikembangkan pada tahun 1959."])
    assert all(c.doc_id == "given-1" for c in answer.citations)


def test_retrieval_latency_benchmark_reports_every_mode(tiny_bot):
    from eval.bench_retrieval import measure

    results = measure(tiny_bot, ["Kapan Kim tiba di Rusia?", "Who gave Kim a vest?"], k=3, repeat=1)
    assert set(results) == {"hybrid", "dense", "bm25"}
    assert all(r["queries"] == 2 and 0 < r["p50_ms"] <= r["p95_ms"] for r in results.values())


def test_words_key_makes_copies_of_a_passage_equal():
    from eval.benchmarks import words_key

    assert words_key("Pelatih ganda putra, Christian Hadinata.") == words_key("pelatih ganda putra Christian  Hadinata")
    assert words_key("Harga naik 5 persen.") != words_key("Harga naik 6 persen.")
