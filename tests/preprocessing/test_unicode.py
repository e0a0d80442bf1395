"""NFKC and case folding in every text path: TF-IDF, TextVectorization, WordPiece."""

import numpy as np
import tensorflow as tf

from genreclf.preprocessing import make_text_vectorizer
from genreclf.preprocessing import normalize_text
from genreclf.preprocessing.text_vectorizer import fold_text
from genreclf.preprocessing.text_vectorizer import fold_text_python

TEXTS = [
    "ＧＨＯＳＴ ＳＨＩＰ",  # full-width letters
    "ﬁnal ﬂight",  # ligatures
    "Die Straße",  # sharp s folds to "ss"
    "ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ",  # Greek, final sigma
    "ДЕТЕКТИВ Ёлкин",  # Cyrillic
    "Ⅻ ① ㎞",  # compatibility numerals and units
    "İstanbul",
    "bad \ufffd byte",
]


def test_graph_fold_equals_python_fold():
    graph = [t.decode("utf-8") for t in fold_text(tf.constant(TEXTS)).numpy()]
    assert graph == [fold_text_python(t) for t in TEXTS]
    assert graph[:3] == ["ghost ship", "final flight", "die strasse"]
    assert graph[3] == "σίσυφοσ ὀδυσσεύσ"


def test_word_standardization_folds_compatibility_forms_and_case():
    out = normalize_text(tf.constant(["ＧＨＯＳＴ-Ｓhip!", "Ghost ship", "STRASSE", "Straße"]))
    values = [t.decode() for t in out.numpy()]
    assert values[0].split() == values[1].split() == ["ghost", "ship"]
    assert values[2] == values[3] == "strasse"


def test_sequence_vectorizer_gives_folded_forms_the_same_ids():
    layer = make_text_vectorizer(["ghost ship drifts", "strasse"], max_tokens=20, max_length=3)
    ids = np.asarray(layer(tf.constant(["ＧＨＯＳＴ SHIP Drifts", "ghost ship drifts"])))
    np.testing.assert_array_equal(ids[0], ids[1])
    np.testing.assert_array_equal(
        np.asarray(layer(tf.constant(["Straße"])))[0][:1],
        ids[:0].sum() + np.asarray(layer(tf.constant(["strasse"])))[0][:1],
    )


def test_minilm_wordpiece_folds_when_the_preset_lowercases():
    from genreclf.models.pretrained.bert_packing import BertTextPreprocessor

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "ghost", "ship", "final"]
    layer = BertTextPreprocessor(vocab, sequence_length=6, lowercase=True)
    folded = layer(tf.constant(["ＧＨＯＳＴ ＳＨＩＰ ﬁnal", "ghost ship final"]))[
        "token_ids"
    ].numpy()
    np.testing.assert_array_equal(folded[0], folded[1])
    assert 1 not in folded[0]  # no [UNK]
