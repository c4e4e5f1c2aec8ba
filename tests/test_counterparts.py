"""The counterpart check of the grounding judge (rag/counterparts.py): every content word of an English
sentence needs a counterpart among the Indonesian passage's words (issue 18, item 6)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from fakes import WordEmbedder

from index.embedding import Embedder
from rag.counterparts import content_word, counterparts, weakest, word_spans
from rag.grounding import GroundingJudge

GIFT = ("Sebelum berangkat dari Vladivostok, Kim dihadiahi lima drone peledak, sebuah drone pengintai, dan rompi "
        "antipeluru sebagai hadiah dari gubernur wilayah Primorye, yang berbatasan dengan China dan Korea Utara.")
ISSUE = "Kim dihadiahi rompi antipeluru dari gubernur wilayah Primorye"


class BilingualWords:
    """A stand-in for a multilingual model, context-free: a word's vector is that of its meaning, so an
    Indonesian word and its English translation (in this fake's few words) share one; any other word is
    its own. Sentence vectors are the normalised sums of their words'."""

    MEANINGS = {"dihadiahi": "given", "rompi": "vest", "antipeluru": "bulletproof", "gubernur": "governor",
                "dari": "by", "hadiah": "gift", "presiden": "president"}
    dimension = 1024

    def _word(self, word: str) -> np.ndarray:
        row = np.zeros(self.dimension, dtype=np.float32)
        row[zlib.crc32(self.MEANINGS.get(word.lower(), word.lower()).encode()) % self.dimension] = 1.0
        return row

    def _text(self, text: str) -> np.ndarray:
        rows = [self._word(text[a:b]) for a, b in word_spans(text)] or [np.zeros(self.dimension, np.float32)]
        total = np.sum(rows, axis=0)
        return total / max(float(np.linalg.norm(total)), 1e-12)

    def embed_queries(self, texts):
        return np.stack([self._text(t) for t in texts])

    embed_passages = embed_queries

    def embed_spans(self, text, spans, *, query: bool):
        return np.stack([self._word(text[a:b]) for a, b in spans])


def test_function_words_names_and_words_the_passage_writes_need_no_counterpart():
    lower = GIFT.lower()
    assert not content_word("was", lower) and not content_word("the", lower)  # function words
    assert not content_word("Kozhemyako", lower)  # a name: the judge's name check covers it
    assert not content_word("drones", lower)  # the passage writes it ("drone")
    assert not content_word("October", "pada oktober")  # CLDR's Indonesian form
    assert not content_word("governor", lower, given=frozenset({"governor"}))  # the question's own word
    assert content_word("tank", lower) and content_word("President", lower) and content_word("vest", lower)


def test_each_content_word_is_paired_with_its_closest_passage_word():
    fake = BilingualWords()
    found = counterparts("Kim was given a tank by the governor.", ISSUE,
                         lambda text, query: fake.embed_spans(text, word_spans(text), query=query))
    assert found is not None
    scores = {c.word: (c.passage_word, c.score) for c in found}
    assert scores["given"] == ("dihadiahi", 1.0) and scores["governor"] == ("gubernur", 1.0)
    assert scores["tank"][1] == 0.0
    assert weakest(found).word == "tank"
    assert weakest([]) is None


def test_the_judge_rejects_a_translated_word_that_has_no_counterpart():
    """The issue's example: "tank" and "president" are not in "rompi antipeluru dari gubernur"."""
    judge = GroundingJudge(BilingualWords(), cross_threshold=0.0, counterpart_threshold=0.76)
    wrong = judge.judge("Kim was given a tank by the president of Primorye.", ISSUE)
    assert wrong.cross_lingual and not wrong.supported
    assert set(wrong.missing_counterparts) == {"tank", "president"} and wrong.counterpart == 0.0
    right = judge.judge("Kim was given a bulletproof vest by the governor of Primorye.", ISSUE)
    assert right.supported and right.missing_counterparts == () and right.counterpart == 1.0


def test_the_check_can_be_turned_off_and_is_skipped_without_word_vectors():
    sentence = "Kim was given a tank by the president of Primorye."
    off = GroundingJudge(BilingualWords(), cross_threshold=0.0, counterpart_threshold=0.0).judge(sentence, ISSUE)
    assert off.supported and off.counterpart == 1.0
    no_vectors = GroundingJudge(WordEmbedder(), cross_threshold=0.0, counterpart_threshold=0.76)
    assert no_vectors.judge(sentence, ISSUE).missing_counterparts == ()


def test_an_indonesian_sentence_is_not_checked_word_by_word():
    judge = GroundingJudge(BilingualWords(), threshold=0.0, counterpart_threshold=0.76)
    verdict = judge.judge("Kim dihadiahi tank oleh gubernur.", ISSUE)
    assert not verdict.cross_lingual and verdict.missing_counterparts == ()


def test_span_vectors_are_the_mean_of_the_tokens_over_each_span():
    class Tokens:  # a sentence-transformers-like model: two tokens for "rompi", one for "baru"
        max_seq_length = 512

        def tokenizer(self, text, **_):
            start = text.index("rompi")
            return {"offset_mapping": [(0, 0), (start, start + 3), (start + 3, start + 5), (start + 6, start + 10),
                                       (0, 0)]}

        def encode(self, texts, **_):
            import torch

            return [torch.tensor([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [3.0, 0.0], [9.0, 9.0]])]

    embedder = Embedder(name="fake", model=Tokens())  # type: ignore[arg-type]
    rows = embedder.embed_spans("rompi baru", [(0, 5), (6, 10), (11, 15)], query=False)
    assert rows is not None
    assert np.allclose(rows[0], [2 ** -0.5, 2 ** -0.5]) and np.allclose(rows[1], [1.0, 0.0])
    assert not rows[2].any()  # past the text: a zero row


ACCURACY = ("Meskipun sistem artileri lama mereka memiliki reputasi akurasi yang buruk, namun kedua belah pihak "
            "dilaporkan menembakkan ribuan peluru artileri setiap hari.")


@pytest.mark.parametrize(("sentence", "passage"), [
    ("Kim was given a tank by the governor of Primorye.", GIFT),
    ("Their old artillery systems have a reputation for excellent accuracy.", ACCURACY)])
def test_the_real_model_finds_no_counterpart_for_a_wrong_word(embedder, sentence, passage):
    """Both are accepted without the check (similarity 0.84 and 0.83, over the cross-lingual threshold)."""
    verdict = GroundingJudge(embedder, counterpart_threshold=0.76).judge(sentence, passage)
    assert verdict.similarity >= GroundingJudge(embedder).cross_threshold
    assert not verdict.supported and verdict.missing_counterparts


def test_the_real_model_keeps_a_faithful_translation(embedder):
    verdict = GroundingJudge(embedder, counterpart_threshold=0.76).judge(
        "Before leaving Vladivostok, Kim received five explosive drones, a reconnaissance drone and a bulletproof "
        "vest.", GIFT)
    assert verdict.supported, verdict


def test_counterparts_are_scored_only_for_a_sentence_similar_enough_to_be_supported():
    """The check runs while the answer streams: a source the similarity already rejects costs nothing more."""
    judge = GroundingJudge(BilingualWords(), cross_threshold=0.99, counterpart_threshold=0.76)
    verdict = judge.judge("Kim was given a tank by the president of Primorye.", ISSUE)
    assert not verdict.supported and verdict.counterpart == 1.0 and verdict.missing_counterparts == ()


def test_the_judge_benchmark_times_each_answer_sentence_against_its_sources():
    from eval.bench_judge import measure

    sentences = ["Kim was given a vest by the governor.", "Kim was given a tank.", "The governor gave gifts.",
                 "Kim left Vladivostok."]
    result = measure(BilingualWords(), sentences, [ISSUE, GIFT, "Kim tiba di Rusia."], per_answer=2, sources=2)
    assert result["sentences"] == 4 and 0 < result["p50_ms"] <= result["p95_ms"]
