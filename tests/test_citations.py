from rag.citations import answer_sentences, cited_numbers, renumber, strip_citations, with_citations


def test_cited_numbers_reads_every_form():
    assert cited_numbers("A [1]. B [2][3]. C [4, 5]. D [12].") == [1, 2, 3, 4, 5, 12]
    assert cited_numbers("no citations here (2023)") == []


def test_answer_sentences_keeps_citation_after_full_stop_with_its_sentence():
    text = "Kim pulang pada Minggu.[1] Ia naik kereta [2]. Putin menerima undangan."
    assert answer_sentences(text) == ["Kim pulang pada Minggu[1].", "Ia naik kereta [2].", "Putin menerima undangan."]


def test_answer_sentences_does_not_break_decimals():
    assert answer_sentences("Jaraknya 8.000 km dari Moskow [1].") == ["Jaraknya 8.000 km dari Moskow [1]."]


def test_strip_citations():
    assert strip_citations("Kim pulang [1][2]. ") == "Kim pulang."


def test_with_citations_places_markers_before_final_punctuation():
    assert with_citations("Kim pulang [3].", [1, 2]) == "Kim pulang [1][2]."
    assert with_citations("Kim pulang", [1, 1]) == "Kim pulang [1]"
    assert with_citations("Kim pulang [3].", []) == "Kim pulang."


def test_renumber_orders_sources_by_first_appearance():
    text, order = renumber([("A [9].", [4]), ("B.", [1, 4]), ("C.", [2])])
    assert text == "A [1]. B [2][1]. C [3]."
    assert order == [4, 1, 2]
    # every number in the text maps to a source
    assert sorted(set(cited_numbers(text))) == list(range(1, len(order) + 1))


def test_the_prompts_own_placeholder_is_not_left_in_an_answer():
    from rag.citations import strip_citations, with_citations

    assert with_citations("Kim was given five drones. [n]", [1]) == "Kim was given five drones [1]."
    assert strip_citations("Kim left on Sunday [n] [2].") == "Kim left on Sunday."
