"""`max_length="auto"`: the seed's 200 tokens, longer for long texts, never past 300."""

import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing.sequence_length import auto_max_length
from genreclf.preprocessing.sequence_length import resolve_max_length
from genreclf.preprocessing.sequence_length import word_count


def test_words_are_what_the_vectorizer_keeps():
    from genreclf.preprocessing import make_text_vectorizer

    text = "Ａ <br />DETECTIVE's case, 1947: l'été!"
    layer = make_text_vectorizer([text], max_tokens=50, max_length=20)
    assert word_count(text) == int(tf.reduce_sum(tf.cast(layer([text]) > 0, tf.int32)))


def test_synopses_keep_200_and_reviews_read_further():
    synopses = ["a detective hunts a killer " * 8] * 50  # 40 words
    assert auto_max_length(synopses) == 200
    reviews = ["word " * n for n in range(100, 600, 5)]  # 90th percentile: 550
    assert auto_max_length(reviews) == 300
    between = ["word " * 230] * 20
    assert auto_max_length(between) == 232  # rounded up to a multiple of 8


def test_only_the_longest_tenth_may_be_cut():
    texts = ["word " * 220] * 85 + ["word " * 1000] * 15  # 15% very long
    assert auto_max_length(texts) == 300
    texts = ["word " * 220] * 95 + ["word " * 1000] * 5  # 5%: not worth reading
    assert auto_max_length(texts) == 224


def test_no_texts_gives_the_seed_length():
    assert auto_max_length([]) == 200
    assert resolve_max_length("auto", None) == 200


def test_a_dataset_of_strings_is_read():
    texts = tf.data.Dataset.from_tensor_slices(tf.constant(["word " * 260] * 4))
    assert resolve_max_length("auto", texts) == 264


@pytest.mark.parametrize("bad", [0, -3, "long", 2.5, True, None])
def test_anything_else_is_refused(bad):
    with pytest.raises(ConfigError, match=r"Received: max_length="):
        resolve_max_length(bad, ["a text"])


SMALL = {
    "bilstm": dict(embedding_dim=8, lstm_units=4, max_tokens=50, embedding_init="random"),
    "transformer": dict(
        word_dim=16,
        embedding_dim=8,
        num_heads=2,
        intermediate_dim=8,
        num_layers=1,
        max_tokens=50,
        embedding_init="random",
    ),
}


@pytest.mark.parametrize("family", sorted(SMALL))
def test_sequence_families_read_long_texts_further(family):
    """Both families default to "auto": 200 tokens for short texts, 300 for long reviews."""
    from genreclf.models import build_model
    from genreclf.models import get_family

    texts = [
        "A detective hunts a killer through a rainy city.",
        "Two friends open a bakery and fall in love.",
        "A haunted house wakes on the night of the storm.",
    ]
    assert get_family(family).defaults["max_length"] == "auto"
    reviews = [f"{text} " * 60 for text in texts]  # hundreds of words each
    for train_texts, length in ((texts, 200), (reviews, 300)):
        model = build_model(family, 3, train_texts=train_texts, **SMALL[family])
        assert model.get_layer("text_vectorizer")(tf.constant(texts[:1])).shape == (1, length)
