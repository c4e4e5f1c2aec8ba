"""Sentence splitting and the choice of evidence sentences for the prompt (no models)."""

from index.sentences import split_sentences
from rag.evidence import select_evidence
from rag.retrieval import Passage, ScoredSentence


def test_split_sentences_keeps_numbers_dates_and_abbreviations_whole():
    text = ('Jaraknya sekitar 8.000 km dari Moskow. Pada Selasa (12/9/2023) Kim tiba bersama Dr. Kim. '
            '"Ini bersejarah," kata dia. OK.\n\nParagraf baru dimulai di sini.')
    assert split_sentences(text) == [
        "Jaraknya sekitar 8.000 km dari Moskow.",
        "Pada Selasa (12/9/2023) Kim tiba bersama Dr. Kim.",
        '"Ini bersejarah," kata dia. OK.',  # a two-word piece joins the sentence before it
        "Paragraf baru dimulai di sini.",
    ]


def test_split_sentences_of_empty_text():
    assert split_sentences("  \n ") == []


def _passage(doc_id, position, scored, publisher="P"):
    sentences = tuple(ScoredSentence(text, score, i) for i, (text, score) in enumerate(scored))
    return Passage(id=f"{doc_id}#{position:04d}", doc_id=doc_id, text=" ".join(t for t, _ in scored), score=1.0,
                   title=f"Title {doc_id}", publisher=publisher, metadata={"position": position}, sentences=sentences)


def test_evidence_takes_the_best_sentence_with_its_neighbours_and_close_runners_up():
    a = _passage("a", 0, [("Sebelumnya dia tiba.", 0.80), ("Gubernur memberi rompi.", 0.92),
                          ("Lalu dia pergi.", 0.79), ("Cuaca cerah hari itu.", 0.70)])
    b = _passage("b", 3, [("Rompi itu diberikan gubernur Primorye.", 0.90), ("Hal lain sama sekali.", 0.75)])
    sources = select_evidence([a, b], max_sentences=4, margin=0.04)
    assert [s.doc_id for s in sources] == ["a", "b"]  # best article first, numbered 1..N
    assert [s.number for s in sources] == [1, 2]
    assert sources[0].sentences == ("Sebelumnya dia tiba.", "Gubernur memberi rompi.", "Lalu dia pergi.")
    assert sources[0].best == "Gubernur memberi rompi."
    assert sources[1].sentences == ("Rompi itu diberikan gubernur Primorye.",)  # no neighbours for runners-up
    assert all("Cuaca" not in s.text for s in sources)  # far below the best: left out


def test_evidence_skips_a_retelling_but_keeps_a_disagreeing_figure():
    a = _passage("a", 0, [("Kota Artyom berjarak sekitar 254 km dari Khasan.", 0.91)])
    b = _passage("b", 0, [("Kota Artyom berjarak sekitar 254 km dari Khasan.", 0.905)])
    c = _passage("c", 0, [("Kota Artyom berjarak sekitar 200 km dari perbatasan.", 0.90)])
    sources = select_evidence([a, b, c], max_sentences=4, margin=0.04, neighbours=0)
    assert [s.doc_id for s in sources] == ["a", "c"]


def test_evidence_respects_the_character_budget():
    long = "x" * 300
    passages = [_passage(str(i), 0, [(f"Kalimat {i} {long}.", 0.9 - i * 0.001)]) for i in range(4)]
    sources = select_evidence(passages, max_sentences=4, margin=0.1, max_chars=700, neighbours=0)
    assert sum(len(s.text) for s in sources) <= 700 and len(sources) == 2


def test_passages_without_sentences_are_used_whole():
    p = Passage(id="given#0", doc_id="given-1", text="Teks utuh.", score=0.5, dense_score=0.5)
    [source] = select_evidence([p])
    assert source.text == "Teks utuh." and source.number == 1
