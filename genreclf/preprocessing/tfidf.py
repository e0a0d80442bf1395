"""TF-IDF inside the graph, computed exactly as scikit-learn's `TfidfVectorizer`.

`fit_tfidf_vocabulary` chooses the n-gram vocabulary (document frequency at
least `min_df`, the `max_tokens` most frequent) and smooth IDF weights
`log((1 + n) / (1 + df)) + 1`; `SublinearTfIdf` turns the counts of a
`TextVectorization(output_mode="count")` layer into `(1 + log tf) * idf`,
L2-normalised — `TfidfVectorizer(sublinear_tf=True)`'s features, inside the
Keras graph, so the exported SavedModel takes raw strings.

`tfidf_matrix` computes the same features as a SciPy sparse matrix from the
*same* layer's token ids, for solvers that fit on sparse input (the linear
heads of `ngram` and `stack`). Keras' own `tf_idf` mode has neither
sublinear tf nor a minimum document frequency, hence this module.

Every function takes an `analyzer`: `"word"` (1..`ngrams`-grams of words of
two or more letters, marks or digits, `normalize_words`) or `"char_wb"` (word-boundary
character 2–5-grams, `genreclf.preprocessing.char_ngrams`; `ngrams` is
ignored), the features of `TfidfVectorizer(analyzer="char_wb",
ngram_range=(2, 5), sublinear_tf=True)`.
"""

import collections

import keras
import numpy as np
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.preprocessing.text_vectorizer import normalize_words


@keras.saving.register_keras_serializable(package="genreclf")
def split_words(texts):
    """Splits standardized texts on whitespace, dropping one-character tokens.

    scikit-learn's default token pattern (`\\b\\w\\w+\\b`) does the same: "a",
    "s" (from "detective's") and stray letters carry no signal.

    Example:

    >>> split_words(tf.constant(["a detective s case"])).to_list()
    [[b'detective', b'case']]
    """
    tokens = tf.strings.split(texts)
    return tf.ragged.boolean_mask(tokens, tf.strings.length(tokens, unit="UTF8_CHAR") >= 2)


ANALYZERS = ("word", "char_wb")


def _check_analyzer(analyzer):
    if analyzer not in ANALYZERS:
        raise ConfigError(
            f"Unknown TF-IDF analyzer. Expected one of {ANALYZERS}. Received: "
            f"analyzer={analyzer!r}."
        )


def _vectorizer_args(analyzer, ngrams):
    """`TextVectorization` `standardize`, `split` and `ngrams` of an analyzer."""
    _check_analyzer(analyzer)
    if analyzer == "char_wb":
        from genreclf.preprocessing.char_ngrams import char_wb_ngrams
        from genreclf.preprocessing.char_ngrams import normalize_chars

        return {"standardize": normalize_chars, "split": char_wb_ngrams, "ngrams": None}
    return {"standardize": normalize_words, "split": split_words, "ngrams": ngrams}


def _document_frequency(texts, ngrams, analyzer="word", batch_size=2048):
    """The document frequency of each n-gram of `texts` (graph tokenization), as bytes.

    Each batch's distinct (text, n-gram) pairs are counted by TensorFlow ops,
    so Python only sees each batch's distinct n-grams.
    """
    args = _vectorizer_args(analyzer, ngrams)
    widths = list(range(1, ngrams + 1)) if args["ngrams"] else None
    frequency = collections.Counter()
    for start in range(0, len(texts), batch_size):
        batch = tf.constant(list(texts[start : start + batch_size]), dtype=tf.string)
        grams = args["split"](args["standardize"](batch))
        if widths:
            grams = tf.strings.ngrams(grams, widths, separator=" ")
        rows = tf.strings.as_string(grams.value_rowids())
        pairs, _ = tf.unique(tf.strings.join([rows, grams.flat_values], separator="\x01"))
        distinct = tf.strings.regex_replace(pairs, "^[0-9]+\x01", "")
        values, _, counts = tf.unique_with_counts(distinct)
        frequency.update(dict(zip(values.numpy().tolist(), counts.numpy().tolist())))
    return frequency


def fit_tfidf_vocabulary(texts, *, ngrams=2, min_df=2, max_tokens=200000, analyzer="word"):
    """Chooses the n-gram vocabulary and smooth IDF weights of `texts`.

    Args:
        texts: the training texts.
        ngrams: n-grams from 1 to this size.
        min_df: keep n-grams that occur in at least this many texts (lowered
            to 1 when fewer than 50 texts are given).
        max_tokens: keep at most this many n-grams, the most frequent first.
        analyzer: `"word"` or `"char_wb"` (see the module docstring).

    Returns:
        `(vocabulary, idf)`: a list of n-gram strings and `float32 [V]`.

    Raises:
        ConfigError: no n-gram in any text (texts with no word, e.g. only
            punctuation), or none in at least `min_df` texts.

    Example:

    >>> texts = ["my space heist", "my haunted heist"] * 25
    >>> vocabulary, idf = fit_tfidf_vocabulary(texts, min_df=30)
    >>> vocabulary, idf.round(2).tolist()
    (['heist', 'my'], [1.0, 1.0])
    """
    _check_analyzer(analyzer)
    if analyzer == "word" and (not isinstance(ngrams, int) or ngrams < 1):
        raise ConfigError(f"ngrams must be a positive integer. Received: ngrams={ngrams!r}.")
    texts = list(texts)
    if not texts:
        raise ConfigError("fit_tfidf_vocabulary needs at least one text. Received: 0 texts.")
    if len(texts) < 50:
        min_df = 1  # a handful of texts (tests, demos): keep every n-gram
    frequency = _document_frequency(texts, ngrams, analyzer)
    # UTF-8 bytes sort in code point order: the order of the decoded strings.
    kept = [(g, df) for g, df in frequency.items() if df >= min_df]
    kept.sort(key=lambda item: (-item[1], item[0]))
    kept = [(g.decode("utf-8"), df) for g, df in kept[:max_tokens]]
    if not frequency:  # no n-gram at all: a lower min_df cannot help
        raise _no_ngrams(texts, analyzer)
    if not kept:
        raise ConfigError(
            f"No n-gram occurs in at least {min_df} texts. Received: {len(texts)} texts, "
            f"min_df={min_df}. Lower min_df (e.g. `--set min_df=1`, min_df=1) or provide "
            "more text."
        )
    vocabulary = [g for g, _ in kept]
    df = np.array([d for _, d in kept], dtype="float64")
    idf = np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0
    return vocabulary, idf.astype("float32")


def _no_ngrams(texts, analyzer):
    """The error for texts of which `analyzer` keeps nothing at all."""
    example = repr(texts[0]) if len(repr(texts[0])) <= 40 else repr(texts[0])[:37] + "..."
    received = f"Received: {len(texts)} texts, such as {example}."
    check = "Check that the text column holds the texts (text=..., `--text`)"
    if analyzer == "char_wb":
        return ConfigError(f"The texts hold no character n-grams. {received} {check}.")
    return ConfigError(
        "The texts hold no word that word n-grams keep (two or more letters, marks or "
        f"digits, once case is folded and punctuation removed). {received} {check}, or "
        "use character n-grams, which keep punctuation: `--set analyzer=char_wb` "
        '(model_config={"analyzer": "char_wb"}).'
    )


def make_count_vectorizer(vocabulary, ngrams, name="ngram_counts", analyzer="word"):
    """A `TextVectorization` that counts the n-grams of `vocabulary` (column 0: unknown).

    The vocabulary is set after construction, so the `.keras` file stores it
    as the layer's asset file rather than inside `config.json` (Keras 3.15
    serializes a constructor vocabulary as bytes objects it cannot read back).
    """
    layer = keras.layers.TextVectorization(
        output_mode="count", name=name, **_vectorizer_args(analyzer, ngrams)
    )
    layer.set_vocabulary(list(vocabulary))
    return layer


@keras.saving.register_keras_serializable(package="genreclf")
class SublinearTfIdf(keras.layers.Layer):
    """`(1 + log count) * idf`, then L2 normalisation, for n-gram count vectors.

    Column 0 of the counts (unknown n-grams) is ignored.

    Args:
        idf: the IDF weight of each vocabulary entry (`[V]`); the input has
            `V + 1` columns.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = SublinearTfIdf(idf=[1.0, 2.0])
    >>> layer(np.array([[5.0, 1.0, 0.0]])).numpy().round(3).tolist()
    [[0.0, 1.0, 0.0]]
    """

    def __init__(self, idf=None, **kwargs):
        super().__init__(**kwargs)
        idf = np.asarray(idf if idf is not None else [], dtype="float32").ravel()
        self._idf_values = idf
        self.idf = self.add_weight(
            name="idf",
            shape=(len(idf) + 1,),
            initializer=keras.initializers.Constant(np.concatenate([[0.0], idf])),
            trainable=False,
        )

    def call(self, counts):
        counts = tf.cast(counts, "float32")
        tf_part = tf.where(counts > 0, 1.0 + tf.math.log(tf.maximum(counts, 1.0)), 0.0)
        return tf.math.l2_normalize(tf_part * self.idf, axis=-1, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["idf"] = [float(v) for v in self._idf_values]
        return config


def tfidf_matrix(texts, vocabulary, idf, ngrams, batch_size=1024, analyzer="word"):
    """The features `SublinearTfIdf(make_count_vectorizer(...))` computes, as CSR.

    Token ids come from a `TextVectorization` with the same vocabulary,
    standardization and n-grams as the model's layer, so the sparse features a
    solver fits on are the ones the graph computes at serving time.

    Args:
        texts: the texts.
        vocabulary: the n-gram vocabulary (`fit_tfidf_vocabulary`).
        idf: its IDF weights.
        ngrams: n-grams from 1 to this size.
        batch_size: texts tokenized at a time.
        analyzer: `"word"` or `"char_wb"`.

    Returns:
        `scipy.sparse.csr_matrix` `[len(texts), V]`, rows L2-normalised.

    Example:

    >>> vocabulary, idf = fit_tfidf_vocabulary(["my heist", "my ghost"], min_df=1)
    >>> tfidf_matrix(["my heist heist"], vocabulary, idf, ngrams=2).shape
    (1, 5)
    """
    import scipy.sparse

    ids_layer = keras.layers.TextVectorization(
        output_mode="int",
        vocabulary=list(vocabulary),
        ragged=True,
        **_vectorizer_args(analyzer, ngrams),
    )
    idf = np.asarray(idf, dtype="float64")
    blocks = []
    texts = list(texts)
    for start in range(0, len(texts), batch_size):
        ids = ids_layer(tf.constant(texts[start : start + batch_size], dtype=tf.string))
        # "int" mode: 0 is padding, 1 unknown, vocabulary entries from 2.
        values = ids.flat_values.numpy() - 2
        rows = np.repeat(np.arange(ids.nrows().numpy()), ids.row_lengths().numpy())
        keep = values >= 0
        block = scipy.sparse.csr_matrix(
            (np.ones(keep.sum()), (rows[keep], values[keep])),
            shape=(int(ids.nrows().numpy()), len(vocabulary)),
        )
        block.sum_duplicates()
        block.data = (1.0 + np.log(block.data)) * idf[block.indices]
        blocks.append(block)
    matrix = (
        scipy.sparse.vstack(blocks).tocsr()
        if blocks
        else scipy.sparse.csr_matrix((0, len(vocabulary)))
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = scipy.sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix
    return matrix.astype("float32").tocsr()
