"""The vanilla llama-index baseline's streamed answer, timed as the speed benchmark and the eval read it."""

from types import SimpleNamespace

from eval.vanilla import streamed_answer


class StreamingEngine:
    def __init__(self, pieces):
        self.pieces = pieces
        self.asked = []

    def query(self, question):
        self.asked.append(question)
        return SimpleNamespace(response_gen=iter(self.pieces), source_nodes=[])


def test_the_answer_is_its_pieces_and_its_first_words_come_at_the_first_non_empty_piece():
    engine = StreamingEngine(["", " Kim", " tiba", " [1]. "])
    response, text, first, total = streamed_answer(engine, "Siapa yang tiba?")
    assert engine.asked == ["Siapa yang tiba?"] and response.source_nodes == []
    assert text == "Kim tiba [1]." and first is not None and 0.0 <= first <= total


def test_an_engine_that_writes_nothing_has_no_first_words():
    _, text, first, total = streamed_answer(StreamingEngine([]), "Siapa?")
    assert text == "" and first is None and total >= 0.0
