"""Bag-of-n-gram features of one text, and attributions per feature spread over its words.

The `ngram` family (and the TF-IDF tower of `stack`) scores a vector with
one column per n-gram of its vocabulary: word n-grams, word-boundary
character n-grams (`analyzer="char_wb"`), or both side by side
(`"word+char_wb"`). An attribution per column (an exact linear
contribution, or integrated gradients on the vector) is shown per word: each
n-gram's attribution is split equally between its occurrences in the text,
and each occurrence's share equally between the words it covers (a character
n-gram covers the words its characters fall in), so the words' attributions
sum to the columns' total. The unknown column (out-of-vocabulary n-grams;
always 0 in TF-IDF mode) is spread over the out-of-vocabulary n-grams' words.
"""

import re

import numpy as np

from genreclf.explaining.layers import find_layer
from genreclf.explaining.words import align_tokens
from genreclf.explaining.words import standardizer

# (feature layer, its counting vectorizer), in the column order of a union.
TOWERS = (("tfidf", "tfidf_counts"), ("tfidf_char", "tfidf_char_counts"))
BAG = ("l2_normalize", "text_vectorizer")
FEATURE_NAMES = ("tfidf_union", "tfidf", "tfidf_char", "l2_normalize")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


class NgramVocabulary:
    """The n-gram columns of one bag-of-n-grams vectorizer of a model.

    Args:
        model: the model.
        name: the `TextVectorization` layer's name (`tfidf_counts`,
            `tfidf_char_counts` or `text_vectorizer`).

    Example:

    >>> from genreclf.models.ngram import build_ngram
    >>> from genreclf.explaining.words import text_words
    >>> model = build_ngram(2, train_texts=["a dark heist", "a ghost"], max_tokens=20)
    >>> vocab = NgramVocabulary(model, "tfidf_counts")
    >>> words = text_words("A dark heist")
    >>> spread = vocab.spreader("A dark heist", words)
    >>> spread([vocab.index["dark heist"]], [[1.0]])[0].ravel().tolist()
    [0.0, 0.5, 0.5]
    """

    def __init__(self, model, name):
        layer = find_layer(model, name)
        if layer is None:
            raise ValueError(
                f"No bag-of-n-grams vectorizer named {name!r} in model {model.name!r}."
            )
        config = layer.get_config()
        ngrams = config.get("ngrams") or 1
        self.widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else tuple(ngrams)
        split = config.get("split")
        self.chars = getattr(split, "__name__", str(split)).endswith("char_wb_ngrams")
        self.whitespace = split == "whitespace"
        self.standardize = standardizer(layer)
        self.vocabulary = [str(g) for g in layer.get_vocabulary()]
        self.index = {g: i for i, g in enumerate(self.vocabulary)}
        # Out-of-vocabulary n-grams count in the unknown column (multi-hot and
        # count modes; the TF-IDF layer gives that column weight 0).
        self.unknown = 0 if self.vocabulary and self.vocabulary[0] == "[UNK]" else None

    def tokens(self, text):
        """The graph's word tokens of `text` (the layer's standardization, then its split)."""
        import tensorflow as tf

        from genreclf.preprocessing.tfidf import split_words

        standardized = self.standardize(tf.constant([text]))
        split = tf.strings.split(standardized) if self.whitespace else split_words(standardized)
        return [t.decode("utf-8") for t in split.to_list()[0]]

    def occurrences(self, text, words):
        """Column → list of occurrences, each a list of word indices (None: no word)."""
        if self.chars:
            return self._char_occurrences(text, words)
        tokens = self.tokens(text)
        placed = align_tokens(tokens, words)
        found = {}
        for width in self.widths:
            for start in range(len(tokens) - width + 1):
                column = self.index.get(" ".join(tokens[start : start + width]), self.unknown)
                if column is not None:
                    found.setdefault(column, []).append(placed[start : start + width])
        return found

    def _char_occurrences(self, text, words):
        """`char_wb`: the 2–5-grams of each space-padded whitespace token, on its words."""
        import tensorflow as tf

        from genreclf.preprocessing.char_ngrams import CHAR_NGRAM_RANGE
        from genreclf.preprocessing.char_ngrams import normalize_chars

        standardized = normalize_chars(tf.constant([text])).numpy()[0].decode("utf-8")
        tokens = standardized.split(" ") if standardized else []
        spans = [
            m.span() for m in re.finditer(r"\S+", _BREAK.sub(lambda m: " " * len(m.group()), text))
        ]
        low, high = CHAR_NGRAM_RANGE
        found = {}
        for i, token in enumerate(tokens):
            start, end = spans[i] if len(spans) == len(tokens) else (None, None)
            # Characters of the token → word index (when folding kept its length).
            per_char = [None] * len(token)
            if start is not None and end - start == len(token):
                for w, word in enumerate(words):
                    for c in range(max(word.start, start), min(word.end, end)):
                        per_char[c - start] = w
            inside = [
                w for w, word in enumerate(words) if start is not None and start <= word.start < end
            ]
            padded = f" {token} "
            grams = [(a, a + n) for n in range(low, high + 1) for a in range(len(padded) - n + 1)]
            for a, b in grams:
                column = self.index.get(padded[a:b], self.unknown)
                if column is None:
                    continue
                covered = sorted(
                    {per_char[c - 1] for c in range(max(a, 1), min(b, len(padded) - 1))} - {None}
                )
                found.setdefault(column, []).append(covered or inside or [None])
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


class NgramColumns:
    """Every n-gram column of a model's feature vector (one tower, or a union of two).

    Args:
        model: the model.
        feature_layer: the layer whose output is the vector (`tfidf`,
            `tfidf_char`, `tfidf_union` or `l2_normalize`).

    Example:

    >>> from genreclf.models.ngram import build_ngram
    >>> from genreclf.explaining.words import text_words
    >>> model = build_ngram(2, train_texts=["a dark heist", "a ghost"], max_tokens=50,
    ...                     analyzer="word+char_wb")
    >>> columns = NgramColumns(model, "tfidf_union")
    >>> words = text_words("A dark heist")
    >>> spread = columns.spreader("A dark heist", words)
    >>> char = columns.offsets[1] + columns.towers[1].index["ist "]
    >>> spread([char], [[1.0]])[0].ravel().tolist()
    [0.0, 0.0, 1.0]
    """

    def __init__(self, model, feature_layer):
        if feature_layer == "l2_normalize":
            pairs = [BAG]
        elif feature_layer == "tfidf_union":
            pairs = [(f, c) for f, c in TOWERS if find_layer(model, f) is not None]
        else:
            pairs = [next((f, c) for f, c in TOWERS if f == feature_layer)]
        self.towers = [NgramVocabulary(model, counts) for _, counts in pairs]
        sizes = [len(t.vocabulary) for t in self.towers]
        self.offsets = list(np.cumsum([0] + sizes[:-1]))

    def spreader(self, text, words):
        """Like `NgramVocabulary.spreader`, over the whole (concatenated) vector."""
        spreads = [t.spreader(text, words) for t in self.towers]
        ends = self.offsets[1:] + [np.inf]

        def spread(columns, values):
            columns = np.asarray(columns, dtype="int64")
            values = np.asarray(values, dtype="float64")
            if values.ndim != 2:  # one class per column; [0, C] stays (a text of no n-gram)
                values = values.reshape(len(columns), -1)
            out = np.zeros((len(words), values.shape[1]))
            unplaced = np.zeros(values.shape[1])
            for tower_spread, start, end in zip(spreads, self.offsets, ends):
                mine = (columns >= start) & (columns < end)
                placed, rest = tower_spread(columns[mine] - start, values[mine])
                out += placed
                unplaced += rest
            return out, unplaced

        return spread
