import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing import make_text_vectorizer
from genreclf.preprocessing import normalize_text
from genreclf.preprocessing import normalize_words
from genreclf.preprocessing.text_vectorizer import word_runs

# Words whose vowel signs, points or accents are combining marks (category M).
MARKED = ["हिन्दी फ़िल्म", "ภาพยนตร์ สยองขวัญ", "שָׁלוֹם", "cafe\u0301 noir"]
# Marks after no letter ("´" is NFKC's space and U+0301) start no word; the
# default-ignorable characters (a variation selector, a soft hyphen) are dropped.
STRAY = ["don\u00b4t stop", "I \u2764\ufe0f it", "\u0301start", "ab\u00adcd", "a\u034fb"]


def test_normalize_words_handles_case_html_punctuation_and_unicode():
    for standardize in (normalize_words, normalize_text):
        out = standardize(tf.constant(["Ａ <br />DETECTIVE's CASE! Café"])).numpy()[0].decode()
        assert out == "a detective s case café"


def test_words_keep_their_combining_marks_in_the_graph_and_in_python():
    graph = [t.decode().split() for t in normalize_words(tf.constant(MARKED)).numpy()]
    assert graph == [word_runs(text) for text in MARKED]
    stray = [t.decode().split() for t in normalize_words(tf.constant(STRAY)).numpy()]
    assert stray == [word_runs(text) for text in STRAY]
    assert stray == [["don", "t", "stop"], ["i", "it"], ["start"], ["abcd"], ["ab"]]
    assert [len(words) for words in graph] == [2, 2, 1, 2]
    assert graph[0] == ["हिन्दी", "फ़िल्म"] and graph[3] == ["café", "noir"]  # NFKC composes é
    # the standardization models were saved with before: marks became spaces
    assert normalize_text(tf.constant(MARKED[:1])).numpy()[0].decode().split()[:2] == ["ह", "न"]


def test_a_vectorizer_gives_a_marked_word_one_id_and_reads_an_old_standardize_name():
    layer = make_text_vectorizer(["हिन्दी फ़िल्म", "हिन्दी गाना"], max_tokens=10, max_length=3)
    assert "हिन्दी" in layer.get_vocabulary()
    assert layer(tf.constant(["हिन्दी"])).numpy()[0][1] == 0  # one token, then padding
    old = make_text_vectorizer(["हिन्दी"], max_tokens=10, max_length=3, standardize="normalize_text")
    assert "हिन्दी" not in old.get_vocabulary()


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
