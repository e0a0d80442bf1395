"""Word-boundary character n-grams in the graph: scikit-learn's `analyzer="char_wb"`.

Character n-grams survive typos ("detcetive" still shares "de", "tive", ...
with "detective") and need no word segmentation rules per language. The
n-grams are those of `TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))`:
each whitespace-separated word is padded with one space on each side and every
substring of 2 to 5 characters of the padded word is an n-gram (a padded word
of n characters or fewer gives itself once, as scikit-learn's does).

Two registered functions plug into `keras.layers.TextVectorization`:
`normalize_chars` (the standardization: NFKC, case folding, HTML breaks and
runs of whitespace to one space; punctuation is kept, as scikit-learn keeps it)
and `char_wb_ngrams` (the split). `char_wb_preprocessor` is the same
standardization in Python, for `TfidfVectorizer(preprocessor=...)` in checks
and benchmarks. Written with TensorFlow string ops because the features must
be computed inside the exported graph; scikit-learn's analyzer is Python.
"""

import re

import keras
import tensorflow as tf

from genreclf.preprocessing.text_vectorizer import fold_text
from genreclf.preprocessing.text_vectorizer import fold_text_python

CHAR_NGRAM_RANGE = (2, 5)
"""The n-gram sizes of `char_wb_ngrams` (scikit-learn's `ngram_range`)."""

# Python's str.split() whitespace, as one RE2 character class.
_WHITESPACE = r"[\t-\r\x{1c}-\x{1f}\x{85}\p{Z}]+"
_PY_WHITESPACE = re.compile(r"[\t-\r\x1c-\x1f\x85\s]+")


@keras.saving.register_keras_serializable(package="genreclf")
def normalize_chars(texts):
    """NFKC, case folding, HTML breaks; every run of whitespace becomes one space.

    Example:

    >>> normalize_chars(tf.constant(["Ｔhe\\u2003Ｂand's<br/>GIG!"])).numpy()[0].decode()
    "the band's gig!"
    """
    return tf.strings.strip(tf.strings.regex_replace(fold_text(texts), _WHITESPACE, " "))


@keras.saving.register_keras_serializable(package="genreclf")
def char_wb_ngrams(texts):
    """The word-boundary character 2–5-grams of standardized texts, `ragged [batch, grams]`.

    Example:

    >>> char_wb_ngrams(tf.constant(["ox"])).to_list()
    [[b' o', b'ox', b'x ', b' ox', b'ox ', b' ox ']]
    """
    words = tf.strings.split(texts)
    padded = tf.strings.join([" ", words, " "])
    chars = tf.strings.unicode_split(padded, "UTF-8")
    low, high = CHAR_NGRAM_RANGE
    grams = tf.strings.ngrams(chars, list(range(low, high + 1)), separator="")
    return grams.merge_dims(1, 2)


def char_wb_preprocessor(text):
    """`normalize_chars` in Python: pass it as `TfidfVectorizer(preprocessor=...)`.

    Example:

    >>> char_wb_preprocessor("Ｔhe\\u2003Ｂand's<br/>GIG!")
    "the band's gig!"
    """
    return _PY_WHITESPACE.sub(" ", fold_text_python(text)).strip()
