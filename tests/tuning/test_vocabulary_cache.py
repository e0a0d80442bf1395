import keras
import numpy as np
import tensorflow as tf

from genreclf.models import build_model
from genreclf.tuning.vocabulary_cache import VocabularyCache


def _outputs(model, texts):
    return np.asarray(model({"text": tf.constant(texts)}))


def test_cached_build_equals_a_fresh_build(sample_data):
    _, train, _ = sample_data
    texts = train.texts
    cache = VocabularyCache()
    for family, config in [
        ("bilstm", {"embedding_dim": 4, "lstm_units": 4, "max_length": 16, "max_tokens": 300}),
        ("ngram", {"max_tokens": 300, "ngrams": 2, "mode": "count", "solver": "adamw"}),
    ]:
        keras.utils.set_random_seed(1)
        fresh = build_model(family, 3, train_texts=texts, **config)
        with cache:
            build_model(family, 3, train_texts=texts, **config)  # miss: adapts
            keras.utils.set_random_seed(1)
            cached = build_model(family, 3, train_texts=texts, **config)  # hit
        assert fresh.count_params() == cached.count_params()
        np.testing.assert_allclose(_outputs(fresh, texts[:4]), _outputs(cached, texts[:4]), atol=1e-6)
    assert (cache.hits, cache.misses, len(cache)) == (2, 2, 2)


def test_max_length_shares_a_vocabulary_max_tokens_does_not(sample_data):
    texts = sample_data[1].texts
    cache = VocabularyCache()
    with cache:
        for max_length, max_tokens in [(8, 200), (16, 200), (8, 100)]:
            build_model("bilstm", 2, train_texts=texts, embedding_dim=4, lstm_units=4,
                        max_length=max_length, max_tokens=max_tokens)
    assert (cache.hits, cache.misses) == (1, 2)


def test_inert_outside_the_context(sample_data):
    texts = sample_data[1].texts
    cache = VocabularyCache()
    with cache:
        build_model("ngram", 2, train_texts=texts, max_tokens=100, mode="count")
    build_model("ngram", 2, train_texts=texts, max_tokens=100, mode="count")
    assert (cache.hits, cache.misses) == (0, 1)
