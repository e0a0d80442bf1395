"""Long texts read in windows: `BertChunkPreprocessor` and `ChunkMeanPooling`.

A review of a thousand words is more than an encoder's 128 or 512
positions. Rather than keep only its first window, the text's word pieces are
cut into consecutive windows (at most `max_chunks`), each packed as its own
`[CLS] ... [SEP]` sequence; the encoder reads every window and
`ChunkMeanPooling` averages the window embeddings back into one vector per
text. A short text is one window, so it costs what it did before. Core
TensorFlow ops only (the export passes the TF Text 2.12.1 op check).
"""

import keras
import tensorflow as tf

from genreclf.models.pretrained.bert_packing import BertTextPreprocessor
from genreclf.models.pretrained.bert_packing import pack_segments


@keras.saving.register_keras_serializable(package="genreclf")
class BertChunkPreprocessor(BertTextPreprocessor):
    """Tokenizes raw strings and packs each into up to `max_chunks` windows.

    Windows are padded to the longest in the batch (at most
    `sequence_length`), so short texts cost the encoder short sequences.

    Args:
        max_chunks: the most windows per text; word pieces beyond
            `max_chunks * (sequence_length - 2)` are dropped.
        **kwargs: `BertTextPreprocessor` arguments (`vocabulary`,
            `sequence_length`, `lowercase`, ...).

    Returns:
        A dict: `token_ids`, `segment_ids`, `padding_mask` (`int32 [windows,
        <= sequence_length]`, the windows of all texts in order) and `chunk_text`
        (`int32 [windows]`: the text each window belongs to).

    Example:

    >>> import tensorflow as tf
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "ghost", "story"]
    >>> layer = BertChunkPreprocessor(vocab, sequence_length=4, max_chunks=3)
    >>> out = layer(tf.constant(["a ghost story", "a"]))
    >>> out["token_ids"].numpy().tolist()
    [[2, 4, 5, 3], [2, 6, 3, 0], [2, 4, 3, 0]]
    >>> layer(tf.constant(["a"]))["token_ids"].numpy().tolist()
    [[2, 4, 3]]
    >>> out["chunk_text"].numpy().tolist()
    [0, 0, 1]
    """

    def __init__(self, vocabulary=None, max_chunks=8, **kwargs):
        if kwargs.get("truncation", "head") != "head":
            raise ValueError(
                "A windowed text keeps every word piece up to max_chunks windows; it has no "
                f"truncation but 'head'. Received: truncation={kwargs['truncation']!r}."
            )
        super().__init__(vocabulary, **kwargs)
        if self.sequence_length < 3:
            raise ValueError(
                "A window needs room for [CLS], [SEP] and at least one word piece: "
                "sequence_length must be at least 3. Received: "
                f"sequence_length={self.sequence_length}."
            )
        if int(max_chunks) < 1:
            raise ValueError(f"max_chunks must be at least 1. Received: max_chunks={max_chunks}.")
        self.max_chunks = int(max_chunks)

    def call(self, inputs):
        inputs = tf.reshape(tf.convert_to_tensor(inputs), [-1])
        cls_id, sep_id, pad_id = self._special_ids()
        tokens = self._tokenize(inputs)
        tokens = tokens.with_row_splits_dtype(tf.int64)
        body = self.sequence_length - 2
        tokens = tokens[:, : body * self.max_chunks]
        lengths = tokens.row_lengths()
        windows = tf.maximum(
            tf.math.floordiv(lengths + body - 1, body), 1
        )  # an empty text: one window
        first_window = tf.cumsum(windows, exclusive=True)
        row = tokens.value_rowids()
        position = tf.range(tf.shape(row, out_type=tf.int64)[0]) - tf.gather(
            tokens.row_starts(), row
        )
        window_of_token = tf.gather(first_window, row) + position // body
        chunks = tf.RaggedTensor.from_value_rowids(
            tokens.flat_values, window_of_token, nrows=tf.reduce_sum(windows)
        )
        packed = pack_segments(chunks, self.sequence_length, cls_id, sep_id, pad_id, dynamic=True)
        batch = tf.shape(inputs, out_type=tf.int64)[0]
        packed["chunk_text"] = tf.cast(tf.repeat(tf.range(batch), windows), tf.int32)
        return packed

    def compute_output_spec(self, inputs):
        spec = super().compute_output_spec(inputs)
        spec = {name: keras.KerasTensor((None, None), dtype="int32") for name in spec}
        spec["chunk_text"] = keras.KerasTensor((None,), dtype="int32")
        return spec

    def get_config(self):
        return {**super().get_config(), "max_chunks": self.max_chunks}


@keras.saving.register_keras_serializable(package="genreclf")
class ChunkMeanPooling(keras.layers.Layer):
    """Averages window embeddings `[windows, D]` into text embeddings `[batch, D]`.

    Call arguments:
        windows: `[windows, D]` embeddings.
        chunk_text: `int32 [windows]`, the text of each window.
        text: the `string [batch]` input (only its length is used).

    Example:

    >>> import numpy as np, tensorflow as tf
    >>> pooled = ChunkMeanPooling()(np.array([[1.0], [3.0], [5.0]], dtype="float32"),
    ...                             tf.constant([0, 0, 1]), tf.constant(["a b", "c"]))
    >>> pooled.numpy().tolist()
    [[2.0], [5.0]]
    """

    def call(self, windows, chunk_text, text):
        batch = tf.shape(text)[0]
        return tf.math.unsorted_segment_mean(windows, chunk_text, num_segments=batch)

    def compute_output_shape(self, windows_shape, chunk_text_shape, text_shape):
        return (text_shape[0], windows_shape[-1])
