"""Word-boundary character n-grams in the graph = scikit-learn's analyzer="char_wb"."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing.char_ngrams import char_wb_ngrams
from genreclf.preprocessing.char_ngrams import char_wb_preprocessor
from genreclf.preprocessing.char_ngrams import normalize_chars
from genreclf.preprocessing.tfidf import SublinearTfIdf
from genreclf.preprocessing.tfidf import fit_tfidf_vocabulary
from genreclf.preprocessing.tfidf import make_count_vectorizer
from genreclf.preprocessing.tfidf import tfidf_matrix

# Plain lower-case-able ASCII with punctuation: scikit-learn's default
# preprocessing (str.lower) and ours agree on it.
ASCII = [
    "A crew of thieves plans a heist on a space-station.",
    "A haunted house whispers to the family at night; the house is haunted!",
    "Two strangers fall in love on a night train (in 1999).",
    "A ghost ship drifts into a quiet harbour at night.",
    "The sheriff rides out to face the outlaw gang in the desert.",
    "Robots learn to dream on a distant moon, far from the station.",
    "A detective's last case: a ghost, a train, a heist.",
    "ox",
]
# Several scripts, compatibility forms, odd whitespace: checked with our
# normalisation as scikit-learn's preprocessor.
UNICODE = [
    "Детектив расследует убийство в ночном поезде.",
    "ДЕТЕКТИВ и призрак: ночной поезд ИДЁТ на север",
    "Ｆｕｌｌ-width ＧＨＯＳＴ\u3000ship\u2003drifts\tinto the harbour",
    "Die Straße der Geister: ΣΊΣΥΦΟΣ kehrt zurück",
    "Le ﬁlm d'un fantôme<br />à Paris",
    "strasse der geister, ein film",
    "Призрак корабля дрейфует в гавань ночью.",
]


def _sklearn(texts, **kwargs):
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, **kwargs
    )
    return reference, reference.fit_transform(texts).toarray()


def _graph(vocabulary, idf, texts):
    text = keras.Input(shape=(), dtype="string")
    counts = make_count_vectorizer(vocabulary, None, analyzer="char_wb")(text)
    model = keras.Model(text, SublinearTfIdf(idf)(counts))
    return model, np.asarray(model(tf.constant(texts)))


@pytest.mark.parametrize(
    "texts, kwargs",
    [
        ([f"{ASCII[i % len(ASCII)]} Reel {i}." for i in range(60)], {}),
        (
            [f"{UNICODE[i % len(UNICODE)]} № {i}" for i in range(56)] + ASCII,
            {"preprocessor": char_wb_preprocessor},
        ),
    ],
    ids=["ascii-default-preprocessing", "unicode-our-preprocessing"],
)
def test_graph_features_equal_scikit_learn_char_wb(texts, kwargs):
    # 50 texts or more, so min_df=2 applies (and drops each "reel N"'s own n-grams).
    vocabulary, idf = fit_tfidf_vocabulary(texts, analyzer="char_wb", min_df=2)
    reference, theirs = _sklearn(texts, **kwargs)
    assert sorted(vocabulary) == sorted(reference.get_feature_names_out())
    columns = [reference.vocabulary_[g] for g in vocabulary]
    ours = tfidf_matrix(texts, vocabulary, idf, None, analyzer="char_wb").toarray()
    np.testing.assert_allclose(ours, theirs[:, columns], atol=1e-6)
    _, dense = _graph(vocabulary, idf, texts)
    assert np.all(dense[:, 0] == 0)
    np.testing.assert_allclose(dense[:, 1:], theirs[:, columns], atol=1e-6)


def test_short_words_give_themselves_once_as_scikit_learn_does():
    grams = char_wb_ngrams(normalize_chars(tf.constant(["a ox"]))).to_list()[0]
    assert sorted(g.decode() for g in grams) == sorted(
        [" a", "a ", " a ", " o", "ox", "x ", " ox", "ox ", " ox "]
    )


def test_python_preprocessor_equals_the_graph():
    graph = [t.decode("utf-8") for t in normalize_chars(tf.constant(UNICODE + ASCII)).numpy()]
    assert graph == [char_wb_preprocessor(t) for t in UNICODE + ASCII]


def test_vocabulary_with_spaces_round_trips_through_a_keras_file(tmp_path):
    vocabulary, idf = fit_tfidf_vocabulary(UNICODE * 2, analyzer="char_wb")
    assert " д" in vocabulary  # word-start n-grams keep their padding space
    model, before = _graph(vocabulary, idf, UNICODE)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(restored(tf.constant(UNICODE))), before, atol=1e-6)


def test_unknown_analyzer_is_a_clear_error():
    with pytest.raises(ConfigError, match="Received: analyzer='chars'"):
        fit_tfidf_vocabulary(ASCII, analyzer="chars")
