"""In-graph TF-IDF: the same features as scikit-learn's TfidfVectorizer(sublinear_tf=True)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing.tfidf import SublinearTfIdf
from genreclf.preprocessing.tfidf import fit_tfidf_vocabulary
from genreclf.preprocessing.tfidf import make_count_vectorizer
from genreclf.preprocessing.tfidf import tfidf_matrix

TEXTS = [
    "A crew of thieves plans a heist on a space station.",
    "A haunted house whispers to the family at night; the house is haunted.",
    "Two strangers fall in love on a night train.",
    "A ghost ship drifts into a quiet harbour at night.",
    "The sheriff rides out to face the outlaw gang in the desert.",
    "Robots learn to dream on a distant moon, far from the station.",
]


def _graph_features(vocabulary, idf, texts):
    text = keras.Input(shape=(), dtype="string")
    model = keras.Model(text, SublinearTfIdf(idf)(make_count_vectorizer(vocabulary, 2)(text)))
    return np.asarray(model(tf.constant(texts)))


def test_features_equal_scikit_learn_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    vocabulary, idf = fit_tfidf_vocabulary(TEXTS, ngrams=2, min_df=1)
    ours = tfidf_matrix(TEXTS, vocabulary, idf, ngrams=2).toarray()
    reference = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    theirs = reference.fit_transform(TEXTS).toarray()
    assert sorted(vocabulary) == sorted(reference.get_feature_names_out())
    columns = [reference.vocabulary_[g] for g in vocabulary]
    np.testing.assert_allclose(ours, theirs[:, columns], atol=1e-6)


def test_graph_computes_the_sparse_features():
    vocabulary, idf = fit_tfidf_vocabulary(TEXTS, ngrams=2, min_df=1)
    texts = TEXTS + ["an unseen zebra", ""]
    dense = _graph_features(vocabulary, idf, texts)
    assert dense.shape == (len(texts), len(vocabulary) + 1)
    assert np.all(dense[:, 0] == 0)  # the unknown n-gram column carries nothing
    np.testing.assert_allclose(
        dense[:, 1:], tfidf_matrix(texts, vocabulary, idf, 2).toarray(), atol=1e-6
    )


def test_min_df_and_max_tokens_bound_the_vocabulary():
    texts = TEXTS * 10  # 60 texts: min_df applies; an n-gram of one text occurs in 10
    vocabulary, idf = fit_tfidf_vocabulary(texts, min_df=11)
    assert "night" in vocabulary and "heist" not in vocabulary and len(idf) == len(vocabulary)
    assert len(fit_tfidf_vocabulary(texts, min_df=1, max_tokens=5)[0]) == 5


def test_no_surviving_ngram_is_a_clear_error():
    with pytest.raises(ConfigError, match="No n-gram occurs in at least 100 texts"):
        fit_tfidf_vocabulary(TEXTS * 10, min_df=100)


def test_texts_without_a_word_are_told_so_not_to_lower_min_df():
    # Every text "!!!" said "No n-gram occurs in at least 1 texts... Lower min_df".
    texts = ["!!!", "?! a"] * 30
    for min_df in (1, 2):
        with pytest.raises(ConfigError, match="hold no word") as caught:
            fit_tfidf_vocabulary(texts, min_df=min_df)
        assert "min_df" not in str(caught.value)
        assert "Received: 60 texts, such as '!!!'." in str(caught.value)
        assert '`--set analyzer=char_wb` (model_config={"analyzer": "char_wb"})' in str(
            caught.value
        )
    assert "!!!" in " ".join(fit_tfidf_vocabulary(texts, analyzer="char_wb")[0])


def test_layer_round_trips_through_a_keras_file(tmp_path):
    vocabulary, idf = fit_tfidf_vocabulary(TEXTS, min_df=1)
    text = keras.Input(shape=(), dtype="string", name="text")
    model = keras.Model(text, SublinearTfIdf(idf)(make_count_vectorizer(vocabulary, 2)(text)))
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(
        np.asarray(restored(tf.constant(TEXTS))), np.asarray(model(tf.constant(TEXTS))), atol=1e-6
    )
