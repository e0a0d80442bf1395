r"""`make_text_vectorizer`: a fitted Keras `TextVectorization` for a model's graph.

The vectorizer is a layer of the model itself, so the exported SavedModel takes
raw strings and training and serving share one preprocessing object.

Words are runs of letters, combining marks and digits (`normalize_words`):
Devanagari, Thai or Hebrew words carry their vowel signs and points as marks
(Unicode category M), which the first standardization (`normalize_text`)
turned into spaces, leaving "हिन्दी" as the letters "ह न द". That function
stays registered so that models saved with it load with the preprocessing
they were trained on; new models use `normalize_words`, and `word_runs` is
its tokens in Python (the `regex` module, for `\p{M}`).
"""

import re
import unicodedata

import keras
import regex
import tensorflow as tf

from genreclf.errors import ConfigError

DEFAULT_STANDARDIZE = "normalize_words"
# A word starts with a letter or digit; the marks after it are its own. A mark
# after a space or punctuation (NFKC turns "don´t" into "don ́t") starts none.
_WORD_RUN = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}]*")
_NOT_WORDS = r"[^\p{L}\p{M}\p{N}]+\p{M}*|^\p{M}+"  # the graph's: become one space
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")
_MODES = ("int", "tf_idf", "multi_hot", "count")


def fold_text(texts):
    """Unicode-normalises and case-folds (NFKC_Casefold), and turns HTML breaks into spaces.

    TF Text's `case_fold_utf8` applies Unicode's NFKC_Casefold mapping:
    compatibility forms (full-width letters, ligatures) become their plain
    letters and case is folded (`"ß"` → `"ss"`, `"Σ"`/`"ς"` → `"σ"`), in the
    graph. `fold_text_python` computes the same in Python. Bytes that are not
    UTF-8 become U+FFFD.

    Example:

    >>> import tensorflow as tf
    >>> fold_text(tf.constant(["Ｓtraße<br />ﬁLM"])).numpy()[0].decode()
    'strasse film'
    """
    import tensorflow_text as tf_text

    texts = tf.strings.unicode_transcode(
        texts, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
    )
    texts = tf_text.case_fold_utf8(texts)
    return tf.strings.regex_replace(texts, r"<br\s*/?>", " ")


def fold_text_python(text):
    """`fold_text` in Python (for scikit-learn's `preprocessor=`, and checks).

    NFKC_Casefold is computed as NFKC(casefold(NFKC(text))) without the
    default-ignorable code points (a soft hyphen, a variation selector, a
    zero-width joiner), which ICU's mapping removes; it agrees with ICU for
    every letter of the scripts genreclf is tested on
    (tests/preprocessing/test_unicode.py).

    Example:

    >>> fold_text_python("Ｓtraße<br />ﬁLM")
    'strasse film'
    """
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return re.sub(r"<br[\t\n\f\r ]*/?>", " ", _IGNORABLE.sub("", text))


@keras.saving.register_keras_serializable(package="genreclf")
def normalize_words(texts):
    """Unicode-normalises (NFKC), case-folds and strips HTML breaks and punctuation.

    Runs inside the graph (TensorFlow and TF Text string ops only, which TF
    Serving bundles), so serving needs nothing else. Letters of any script
    and their combining marks (vowel signs, points, accents) are kept;
    everything that is neither a letter, a mark nor a digit becomes a space,
    with the marks that follow it (they belong to no letter).

    Example:

    >>> import tensorflow as tf
    >>> texts = tf.constant(["Ａ <br />DETECTIVE's case!", "हिन्दी फ़िल्म"])
    >>> [t.decode() for t in normalize_words(texts).numpy()]
    ['a detective s case ', 'हिन्दी फ़िल्म']
    """
    return tf.strings.regex_replace(fold_text(texts), _NOT_WORDS, " ")


@keras.saving.register_keras_serializable(package="genreclf")
def normalize_text(texts):
    """The standardization of models saved before `normalize_words`: marks became spaces.

    Kept, under its registered name, so that those models load and answer
    as they were trained; new models use `normalize_words`.

    Example:

    >>> import tensorflow as tf
    >>> normalize_text(tf.constant(["Ａ <br />DETECTIVE's case!"])).numpy()
    array([b'a detective s case '], dtype=object)
    """
    return tf.strings.regex_replace(fold_text(texts), r"[^\p{L}\p{N}]+", " ")


def word_runs(text):
    """The words `normalize_words` leaves in `text`, computed in Python.

    Example:

    >>> word_runs("A detective's <br />café"), word_runs("don´t ❤️ it")
    (['a', 'detective', 's', 'café'], ['don', 't', 'it'])
    """
    return _WORD_RUN.findall(fold_text_python(text))


_STANDARDIZERS = {"normalize_words": normalize_words, "normalize_text": normalize_text}


def make_text_vectorizer(
    train_texts=None,
    *,
    mode="int",
    max_tokens=20000,
    max_length=200,
    ngrams=None,
    standardize=DEFAULT_STANDARDIZE,
    name="text_vectorizer",
):
    """Builds a `keras.layers.TextVectorization` and fits it on `train_texts`.

    Args:
        train_texts: the training texts (list of strings or a `tf.data.Dataset`
            of strings); None leaves the layer unfitted.
        mode: `"int"` (token ids, for sequence models), `"tf_idf"`,
            `"multi_hot"` or `"count"` (bag-of-n-grams models).
        max_tokens: vocabulary size, padding and out-of-vocabulary included.
        max_length: sequence length for `"int"` mode (pads or truncates).
        ngrams: `None`, an int n (1..n-grams) or a tuple of n-gram sizes.
        standardize: `"normalize_words"` (genreclf's Unicode-aware default),
            `"normalize_text"` (the one before, which drops combining marks),
            or any `TextVectorization` standardize value.
        name: the layer name.

    Returns:
        A fitted `TextVectorization` layer.

    Example:

    >>> layer = make_text_vectorizer(["a space heist", "a haunted house"],
    ...                              max_tokens=20, max_length=4)
    >>> layer(["a heist"]).shape
    TensorShape([1, 4])
    """
    if mode not in _MODES:
        raise ConfigError(
            f"Unknown vectorizer mode. Expected one of {_MODES}. Received: mode={mode!r}."
        )
    if max_tokens is not None and max_tokens < 3:
        raise ConfigError(f"max_tokens must be at least 3. Received: max_tokens={max_tokens}.")
    if mode == "int" and (max_length is None or max_length < 1):
        raise ConfigError(
            f"Sequence models need max_length >= 1. Received: max_length={max_length}."
        )
    if isinstance(standardize, str) and standardize in _STANDARDIZERS:
        standardize = _STANDARDIZERS[standardize]
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        output_mode=mode,
        output_sequence_length=max_length if mode == "int" else None,
        ngrams=ngrams,
        name=name,
    )
    if train_texts is not None:
        from genreclf.models.registry import text_list  # a dataset, batched or not

        texts = tf.constant(list(text_list(train_texts)), dtype=tf.string)
        layer.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(1024))
    return layer
