"""`BertTextPreprocessor`: raw strings → BERT inputs, inside the model graph.

WordPiece tokenization runs TF Text's `FastWordpieceTokenizer` (through
keras-hub's `WordPieceTokenizer`, whose vocabulary is saved as a `.keras`
asset). Packing one segment — truncate to `sequence_length - 2` word pieces
(the text's first ones, or with `truncation="head_tail"` a quarter of the
window from the text's start and the rest from its end), add `[CLS]` and
`[SEP]`, pad, padding mask, segment ids — uses core TensorFlow ops only.
keras-hub's `MultiSegmentPacker` calls TF Text's `RoundRobinTrim`, which the
TF Text bundled by TF Serving 2.12–2.19 (2.12.1) does not register, so an
export that used it would fail there with "Op type not registered".
"""

import keras
import tensorflow as tf


def pack_segments(tokens, length, cls_id, sep_id, pad_id, dynamic=False):
    """Lays out ragged word-piece ids as `[CLS] ids [SEP] [PAD]...`.

    Keeps the first `length - 2` ids of each row; core TensorFlow ops only.

    Args:
        tokens: ragged `[rows, (ids)]` word-piece ids.
        length: the packed length, `[CLS]` and `[SEP]` included.
        cls_id, sep_id, pad_id: the special tokens' ids.
        dynamic: pad only to the longest row (at most `length`), so a batch
            of short texts costs the encoder short sequences.

    Returns:
        A dict of `int32 [rows, length]` (`[rows, <= length]` if dynamic):
        `token_ids`, `segment_ids`, `padding_mask`.
    """
    body = length - 2
    kept = tf.minimum(tokens.row_lengths(), body)
    if dynamic:
        dense = tokens[:, :body].to_tensor(default_value=pad_id)
    else:
        dense = tokens.to_tensor(default_value=pad_id, shape=[None, body])
    batch = tf.shape(dense)[0]
    ids = tf.concat(
        [
            tf.fill([batch, 1], tf.cast(cls_id, dense.dtype)),
            dense,
            tf.fill([batch, 1], tf.cast(pad_id, dense.dtype)),
        ],
        axis=1,
    )
    positions = tf.range(tf.shape(ids, out_type=tf.int64)[1])[tf.newaxis, :]
    sep_position = (tf.cast(kept, tf.int64) + 1)[:, tf.newaxis]
    ids = tf.where(positions == sep_position, tf.cast(sep_id, ids.dtype), ids)
    ids = tf.cast(ids, tf.int32)
    mask = tf.cast(positions <= sep_position, tf.int32)
    width = None if dynamic else length
    ids = tf.ensure_shape(ids, [None, width])
    mask = tf.ensure_shape(mask, [None, width])
    return {"token_ids": ids, "segment_ids": tf.zeros_like(ids), "padding_mask": mask}


TRUNCATIONS = ("head", "head_tail")


def keep_head_and_tail(tokens, body, head):
    """Rows longer than `body` keep their first `head` and last `body - head` ids.

    Fine-tuning on a long review's head and tail beats its head alone (Sun et
    al., 2019, "How to Fine-Tune BERT for Text Classification?": 128 + 382 on
    IMDb; bench/RESULTS.md: +0.010 macro-F1 on aclImdb's ratings, two seeds).
    Core TensorFlow ops only.

    Args:
        tokens: ragged `[rows, (ids)]` word-piece ids (int64 row splits).
        body: the ids a row keeps.
        head: how many of them come from the row's start.

    Returns:
        Ragged `[rows, (<= body)]` ids; rows of at most `body` ids unchanged.

    Example:

    >>> import tensorflow as tf
    >>> ids = tf.ragged.constant([[1, 2, 3, 4, 5, 6, 7], [8, 9]], row_splits_dtype=tf.int64)
    >>> keep_head_and_tail(ids, body=4, head=1).to_list()
    [[1, 5, 6, 7], [8, 9]]
    """
    if not 0 <= head <= body:
        raise ValueError(f"head must be between 0 and body ({body}). Received: head={head}.")
    lengths = tokens.row_lengths()
    starts = tokens.row_starts()
    head = tf.minimum(lengths, tf.cast(head, lengths.dtype))
    tail_start = tf.maximum(head, lengths - tf.cast(body, lengths.dtype) + head)
    kept = tf.concat(
        [
            tf.ragged.range(starts, starts + head),
            tf.ragged.range(starts + tail_start, starts + lengths),
        ],
        axis=1,
    )
    return tf.RaggedTensor.from_row_splits(
        tf.gather(tokens.flat_values, kept.flat_values), kept.row_splits
    )


@keras.saving.register_keras_serializable(package="genreclf")
class BertTextPreprocessor(keras.layers.Layer):
    """Tokenizes and packs raw strings into BERT inputs of a fixed length.

    Args:
        vocabulary: the WordPiece vocabulary (a list of tokens). Not part of
            `get_config`: it is saved as an asset of the inner tokenizer.
        sequence_length: the packed length, `[CLS]` and `[SEP]` included.
        lowercase: lowercase the text before WordPiece.
        strip_accents: remove accents (NFD then drop combining marks).
        oov_token, cls_token, sep_token, pad_token: the special tokens.
        tokenizer: a serialized inner tokenizer (used by `from_config`).
        truncation: what a text longer than `sequence_length - 2` word
            pieces keeps: `"head"`, its first pieces, or `"head_tail"`, a
            quarter of the window from its start and the rest from its end
            (`keep_head_and_tail`).
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `string [batch]`.

    Returns:
        A dict of `int32 [batch, sequence_length]` tensors: `token_ids`,
        `segment_ids` (zeros: one segment) and `padding_mask` (1 for real
        tokens, 0 for padding).

    Example:

    >>> import tensorflow as tf
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "ghost", "story"]
    >>> layer = BertTextPreprocessor(vocab, sequence_length=6, lowercase=True)
    >>> layer(tf.constant(["A ghost story!"]))["token_ids"].numpy().tolist()
    [[2, 4, 5, 6, 1, 3]]
    >>> ends = BertTextPreprocessor(vocab, sequence_length=4, truncation="head_tail",
    ...                             lowercase=True)
    >>> ends(tf.constant(["A ghost story!"]))["token_ids"].numpy().tolist()
    [[2, 4, 1, 3]]
    """

    def __init__(
        self,
        vocabulary=None,
        sequence_length=128,
        lowercase=False,
        strip_accents=False,
        oov_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        tokenizer=None,
        truncation="head",
        **kwargs,
    ):
        super().__init__(**kwargs)
        import keras_hub

        if int(sequence_length) < 2:
            raise ValueError(
                "sequence_length must leave room for [CLS] and [SEP] (at least 2). "
                f"Received: sequence_length={sequence_length}."
            )
        if truncation not in TRUNCATIONS:
            raise ValueError(
                f"truncation must be one of {list(TRUNCATIONS)}. Received: "
                f"truncation={truncation!r}."
            )
        self.sequence_length = int(sequence_length)
        self.truncation = truncation
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.oov_token = oov_token
        self.cls_token = cls_token
        self.sep_token = sep_token
        self.pad_token = pad_token
        if tokenizer is not None:
            self.tokenizer = keras.saving.deserialize_keras_object(tokenizer)
            if vocabulary is not None:
                self.tokenizer.set_vocabulary(vocabulary)
        else:
            self.tokenizer = keras_hub.tokenizers.WordPieceTokenizer(
                vocabulary=vocabulary,
                lowercase=lowercase,
                strip_accents=strip_accents,
                oov_token=oov_token,
                dtype="int32",
                name="wordpiece",
            )
        self._graph_tokenize = None
        self.built = True

    def _special_ids(self):
        ids = []
        for token in (self.cls_token, self.sep_token, self.pad_token):
            token_id = self.tokenizer.token_to_id(token)
            if token_id is None:
                raise ValueError(
                    f"The vocabulary has no {token!r} token. Expected a BERT-family "
                    "vocabulary with [CLS], [SEP] and [PAD]."
                )
            ids.append(int(token_id))
        return ids

    def _tokenize(self, inputs):
        # keras-hub runs a pure-Python tokenizer in eager mode and TF Text's
        # ops inside a tf.function; always take the TF Text path, so eager
        # scores, `fit` and the exported SavedModel tokenize identically.
        if tf.inside_function():
            return self.tokenizer.tokenize(inputs)
        if self._graph_tokenize is None:
            self._graph_tokenize = tf.function(
                self.tokenizer.tokenize,
                input_signature=[tf.TensorSpec([None], tf.string)],
                autograph=False,  # its ops need no conversion, which took seconds
            )
        return self._graph_tokenize(inputs)

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs)
        if inputs.dtype != tf.string:
            raise ValueError(
                f"BertTextPreprocessor takes strings. Received: dtype={inputs.dtype.name}."
            )
        inputs = tf.reshape(inputs, [-1])
        cls_id, sep_id, pad_id = self._special_ids()
        tokens = self._tokenize(inputs)
        if isinstance(tokens, tf.RaggedTensor):
            tokens = tokens.with_row_splits_dtype(tf.int64)
        if self.truncation == "head_tail":
            body = self.sequence_length - 2
            tokens = keep_head_and_tail(tokens, body, min(self.sequence_length // 4, body))
        return pack_segments(tokens, self.sequence_length, cls_id, sep_id, pad_id)

    def compute_output_spec(self, inputs):
        shape = (inputs.shape[0], self.sequence_length)
        return {
            name: keras.KerasTensor(shape, dtype="int32")
            for name in ("token_ids", "segment_ids", "padding_mask")
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "truncation": self.truncation,
                "lowercase": self.lowercase,
                "strip_accents": self.strip_accents,
                "oov_token": self.oov_token,
                "cls_token": self.cls_token,
                "sep_token": self.sep_token,
                "pad_token": self.pad_token,
                "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
            }
        )
        return config
