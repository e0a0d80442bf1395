"""Pooling over a pretrained encoder's token states."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="genreclf")
class MaskedTokenPooling(keras.layers.Layer):
    """Mean or max of token states over real (unpadded) positions.

    `"mean"` is the sentence embedding sentence-transformers computes for
    MiniLM: the average of the last hidden states weighted by the padding
    mask. A sequence without real tokens pools to zeros.

    Args:
        mode: `"mean"` or `"max"`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[batch, length, dim]` token states.
        padding_mask: `[batch, length]`, 1 (or True) for real tokens.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [100.0]]], dtype="float32")
    >>> MaskedTokenPooling("mean")(x, np.array([[1, 1, 0]])).numpy().tolist()
    [[2.0]]
    >>> MaskedTokenPooling("max")(x, np.array([[1, 1, 0]])).numpy().tolist()
    [[3.0]]
    """

    def __init__(self, mode="mean", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("mean", "max"):
            raise ValueError(f"mode must be 'mean' or 'max'. Received: mode={mode!r}.")
        self.mode = mode
        # Token states may carry a Keras mask (e.g. from an LSTM); the
        # explicit padding mask says the same, and the pooled output has none.
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def call(self, inputs, padding_mask):
        mask = ops.expand_dims(ops.cast(padding_mask, "bool"), -1)
        if self.mode == "max":
            pooled = ops.max(ops.where(mask, inputs, ops.full_like(inputs, -1e9)), axis=1)
            return ops.where(ops.any(mask, axis=1), pooled, ops.zeros_like(pooled))
        weights = ops.cast(mask, inputs.dtype)
        total = ops.sum(inputs * weights, axis=1)
        return total / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_output_shape(self, inputs_shape, padding_mask_shape):
        return (inputs_shape[0], inputs_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="genreclf")
class TokenMask(keras.layers.Layer):
    """Turns an integer padding mask into the boolean mask RNN layers take.

    Example:

    >>> import numpy as np
    >>> TokenMask()(np.array([[1, 0]])).numpy().tolist()
    [[True, False]]
    """

    def call(self, padding_mask):
        return ops.cast(padding_mask, "bool")

    def compute_output_spec(self, padding_mask):
        return keras.KerasTensor(padding_mask.shape, dtype="bool")


@keras.saving.register_keras_serializable(package="genreclf")
class FirstTokenPooling(keras.layers.Layer):
    """The state of the first token (`[CLS]`) of each sequence.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0]]], dtype="float32")
    >>> FirstTokenPooling()(x).numpy().tolist()
    [[1.0]]
    """

    def call(self, inputs):
        return inputs[:, 0, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
