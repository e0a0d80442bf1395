"""Bag-of-n-gram features of one text, and attributions per feature spread over its words.

The `ngram` family (and the TF-IDF tower of `stack`) scores a vector with
one column per n-gram of its vocabulary. An attribution per column (an
exact linear contribution, or integrated gradients on the vector) is shown
per word: each n-gram's attribution is split equally between its
occurrences in the text, and each occurrence's share equally between its
words, so the words' attributions sum to the columns' total. Columns with no
occurrence (the unknown column, always 0) stay unplaced.
"""

import numpy as np

from genreclf.explaining.layers import find_layer
from genreclf.explaining.words import align_tokens

VECTORIZER_NAMES = ("tfidf_counts", "text_vectorizer")
FEATURE_NAMES = ("tfidf", "l2_normalize")


class NgramVocabulary:
    """The n-gram columns of a model's bag-of-n-grams vectorizer.

    Args:
        model: a model with a `TextVectorization` named `tfidf_counts`
            (TF-IDF mode) or `text_vectorizer` (count / multi-hot mode).

    Example:

    >>> from genreclf.models.ngram import build_ngram
    >>> from genreclf.explaining.words import text_words
    >>> model = build_ngram(2, train_texts=["a dark heist", "a ghost"], max_tokens=20)
    >>> vocab = NgramVocabulary(model)
    >>> words = text_words("A dark heist")
    >>> spread = vocab.spreader("A dark heist", words)
    >>> column = vocab.index["dark heist"]
    >>> spread([column], [[1.0]])[0].ravel().tolist()
    [0.0, 0.5, 0.5]
    """

    def __init__(self, model):
        layer = find_layer(model, VECTORIZER_NAMES)
        if layer is None:
            raise ValueError(
                f"No bag-of-n-grams vectorizer in this model. Expected a layer named one of "
                f"{VECTORIZER_NAMES}. Received: model {model.name!r}."
            )
        config = layer.get_config()
        ngrams = config.get("ngrams") or 1
        self.widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else tuple(ngrams)
        self.whitespace = config.get("split") == "whitespace"
        self.vocabulary = [str(g) for g in layer.get_vocabulary()]
        self.index = {g: i for i, g in enumerate(self.vocabulary)}
        # Out-of-vocabulary n-grams count in the unknown column (multi-hot and
        # count modes; the TF-IDF layer gives that column weight 0).
        self.unknown = 0 if self.vocabulary and self.vocabulary[0] == "[UNK]" else None

    def tokens(self, text):
        """The graph's tokens of `text` (`normalize_text`, then the layer's split)."""
        import tensorflow as tf

        from genreclf.preprocessing.text_vectorizer import normalize_text
        from genreclf.preprocessing.tfidf import split_words

        standardized = normalize_text(tf.constant([text]))
        split = tf.strings.split(standardized) if self.whitespace else split_words(standardized)
        return [t.decode("utf-8") for t in split.to_list()[0]]

    def occurrences(self, text, words):
        """Column → list of occurrences, each a list of word indices (None: no word)."""
        tokens = self.tokens(text)
        placed = align_tokens(tokens, words)
        found = {}
        for width in self.widths:
            for start in range(len(tokens) - width + 1):
                column = self.index.get(" ".join(tokens[start : start + width]), self.unknown)
                if column is not None:
                    found.setdefault(column, []).append(placed[start : start + width])
        return found

    def spreader(self, text, words):
        """A function: (columns, their attributions `[n, C]`) → (`[n_words, C]`, unplaced `[C]`)."""
        found = self.occurrences(text, words)

        def spread(columns, values):
            values = np.asarray(values, dtype="float64")
            out = np.zeros((len(words), values.shape[1]))
            for column, value in zip(columns, values):
                occurrences = found.get(int(column))
                if not occurrences:
                    continue
                share = value / len(occurrences)
                for occurrence in occurrences:
                    for word in occurrence:
                        if word is not None:
                            out[word] += share / len(occurrence)
            return out, values.sum(axis=0) - out.sum(axis=0)

        return spread
