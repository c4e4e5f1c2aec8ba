"""Score fusion: the three scores standardised over the candidates, weighted per language and summed."""

import numpy as np

from rag.retrieval import DEFAULT_WEIGHTS, Weights, fuse, standardised


def test_standardised_scores_have_mean_0_and_spread_1_and_ties_give_zeros():
    z = standardised(np.array([0.9, 0.8, 0.7]))
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1.0) < 1e-12 and z[0] > z[1] > z[2]
    assert standardised(np.array([0.0, 0.0, 0.0])).tolist() == [0.0, 0.0, 0.0]  # no keyword shared with any
    assert standardised(np.array([0.5])).tolist() == [0.0]


def test_with_zero_weights_the_dense_order_is_kept():
    dense = np.array([0.80, 0.90, 0.85])
    fused = fuse(dense, np.array([0.9, 0.1, 0.5]), np.array([5.0, 0.0, 1.0]), Weights(sentence=0.0, bm25=0.0))
    assert np.argsort(-fused).tolist() == [1, 2, 0]


def test_a_chunk_far_ahead_on_one_score_is_not_overtaken_by_one_a_little_ahead_on_the_others():
    # Fusing ranks would put chunk 1 first (2nd, 1st, 1st against 1st, 2nd, 2nd); its leads are small and
    # chunk 0's is large.
    dense = np.array([0.95, 0.80, 0.79, 0.78])
    best_sentence = np.array([0.80, 0.81, 0.79, 0.78])
    keyword = np.array([0.5, 0.6, 0.4, 0.3])
    fused = fuse(dense, best_sentence, keyword, Weights(sentence=1.0, bm25=1.0))
    assert np.argmax(fused) == 0
    # ... while a clear lead on the other two does win.
    fused = fuse(dense, np.array([0.70, 0.95, 0.69, 0.68]), np.array([0.1, 3.0, 0.2, 0.2]), Weights(1.0, 1.0))
    assert np.argmax(fused) == 1


def test_english_questions_ignore_bm25_by_default():
    assert DEFAULT_WEIGHTS["en"].bm25 == 0.0 and DEFAULT_WEIGHTS["id"].bm25 > 0
    dense, sentence = np.array([0.9, 0.8]), np.array([0.9, 0.8])
    assert np.argmax(fuse(dense, sentence, np.array([0.0, 9.0]), DEFAULT_WEIGHTS["en"])) == 0


def test_the_settings_defaults_are_the_retrievers_defaults():
    from rag.settings import Settings

    fields = Settings.model_fields
    assert {
        "id": Weights(fields["sentence_weight_id"].default, fields["bm25_weight_id"].default),
        "en": Weights(fields["sentence_weight_en"].default, fields["bm25_weight_en"].default)} == DEFAULT_WEIGHTS
