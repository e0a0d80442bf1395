"""Which word of the text each embedded token position belongs to.

Integrated gradients give one attribution per token position of the probed
embedding (`[rows, positions]`; rows are a long text's windows). Two kinds
of token sequences occur in genreclf's families:

* word ids (`bilstm`, `transformer`): position i is the i-th token of the
  model's vectorizer (its standardization, `normalize_words` or in models
  saved before it `normalize_text`, split on whitespace; padding after the
  last);
* WordPiece ids (`pretrained`, the encoder of `stack`): `[CLS] pieces
  [SEP] [PAD]...` per window, `##` marking a piece that continues a word.

`word_positions` returns the word index of every position (-1: no word).
"""

import numpy as np

from genreclf.explaining.layers import find_layer
from genreclf.explaining.words import align_tokens
from genreclf.explaining.words import fold_pieces
from genreclf.explaining.words import standardizer

WORD_EMBEDDINGS = ("embedding", "token_and_position_embedding")
PIECE_EMBEDDINGS = ("token_embedding",)
PIECE_PREPROCESSORS = ("bert_preprocessor", "bert_chunker")
WORD_VECTORIZER = "text_vectorizer"


def word_level_tokens(text, standardize=None):
    """The word-level families' tokens of `text`: `standardize`, then whitespace.

    Args:
        text: the text.
        standardize: the model's vectorizer's standardization (`standardizer`);
            None: `normalize_words`, new models'.

    Example:

    >>> word_level_tokens("A detective's case!")
    ['a', 'detective', 's', 'case']
    """
    import tensorflow as tf

    standardize = standardize or standardizer(None)
    split = tf.strings.split(standardize(tf.constant([text])))
    return [t.decode("utf-8") for t in split.to_list()[0]]


def word_positions(model, layer_name, text, words, ids):
    """Word index per position of `ids` (`[rows, positions]`), -1 where none.

    Args:
        model: the model (to find its word vectorizer or WordPiece vocabulary).
        layer_name: the probed embedding layer's name.
        text: the text.
        words: its `Word`s.
        ids: the token ids the embedding read, `[rows, positions]`.

    Example:

    >>> from genreclf.explaining.words import text_words
    >>> text = "A ghost ship."
    >>> word_positions(None, "embedding", text, text_words(text), np.ones((1, 4))).tolist()
    [[0, 1, 2, -1]]
    """
    ids = np.asarray(ids)
    out = np.full(ids.shape, -1, dtype="int64")
    if layer_name in WORD_EMBEDDINGS:
        vectorizer = None if model is None else find_layer(model, WORD_VECTORIZER)
        placed = align_tokens(word_level_tokens(text, standardizer(vectorizer)), words)
        for position in range(min(len(placed), ids.shape[1])):
            if placed[position] is not None:
                out[0, position] = placed[position]
        return out
    if layer_name not in PIECE_EMBEDDINGS:
        raise ValueError(
            f"Unknown embedding layer {layer_name!r}. Expected one of "
            f"{WORD_EMBEDDINGS + PIECE_EMBEDDINGS}."
        )
    preprocessor = find_layer(model, PIECE_PREPROCESSORS)
    vocabulary = preprocessor.tokenizer.get_vocabulary()
    special = {
        preprocessor.cls_token,
        preprocessor.sep_token,
        preprocessor.pad_token,
    }
    slots, pieces = [], []
    for row in range(ids.shape[0]):
        for position in range(ids.shape[1]):
            piece = vocabulary[int(ids[row, position])]
            if piece in special:
                continue
            slots.append((row, position))
            pieces.append(piece[2:] if piece.startswith("##") else piece)
    placed = align_tokens(pieces, words, fold=fold_pieces, unknown=preprocessor.oov_token)
    for (row, position), word in zip(slots, placed):
        if word is not None:
            out[row, position] = word
    return out


def to_words(attributions, positions, n_words):
    """Sums `[rows, positions, C]` attributions per word: (`[n_words, C]`, unplaced `[C]`).

    Example:

    >>> a = np.array([[[1.0], [2.0], [4.0]]])
    >>> words, unplaced = to_words(a, np.array([[0, 0, -1]]), 1)
    >>> words.tolist(), unplaced.tolist()
    ([[3.0]], [4.0])
    """
    attributions = np.asarray(attributions, dtype="float64")
    flat = attributions.reshape(-1, attributions.shape[-1])
    where = np.asarray(positions).reshape(-1)
    out = np.zeros((n_words, flat.shape[1]))
    placed = where >= 0
    np.add.at(out, where[placed], flat[placed])
    return out, flat[~placed].sum(axis=0)
