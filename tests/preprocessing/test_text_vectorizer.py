import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing import make_text_vectorizer
from genreclf.preprocessing import normalize_text


def test_normalize_text_handles_case_html_punctuation_and_unicode():
    out = normalize_text(tf.constant(["Ａ <br />DETECTIVE's CASE! Café"])).numpy()[0].decode()
    assert out == "a detective s case café"


def test_int_mode_pads_to_max_length():
    layer = make_text_vectorizer(["a space heist", "a haunted house"], max_tokens=20, max_length=5)
    assert layer(tf.constant(["a heist"])).shape == (1, 5)


def test_adapts_from_tf_data():
    ds = tf.data.Dataset.from_tensor_slices(["one two", "two three"])
    layer = make_text_vectorizer(ds, mode="multi_hot", max_tokens=10)
    assert "two" in layer.get_vocabulary()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "bpe"}, "Received: mode='bpe'"),
        ({"max_tokens": 1}, "max_tokens=1"),
        ({"max_length": 0}, "max_length=0"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_text_vectorizer(None, **kwargs)
