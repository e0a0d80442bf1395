"""Pooling over a pretrained encoder's token states."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="genreclf")
class MaskedMeanPooling(keras.layers.Layer):
    """Mean of token states over real (unpadded) positions.

    The sentence embedding sentence-transformers computes for MiniLM: the
    average of the last hidden states weighted by the padding mask.

    Call arguments:
        inputs: `[batch, length, dim]` token states.
        padding_mask: `[batch, length]`, 1 (or True) for real tokens.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [100.0]]], dtype="float32")
    >>> MaskedMeanPooling()(x, np.array([[1, 1, 0]])).numpy().tolist()
    [[2.0]]
    """

    def call(self, inputs, padding_mask):
        mask = ops.expand_dims(ops.cast(padding_mask, inputs.dtype), -1)
        total = ops.sum(inputs * mask, axis=1)
        count = ops.maximum(ops.sum(mask, axis=1), 1.0)
        return total / count

    def compute_output_shape(self, inputs_shape, padding_mask_shape):
        return (inputs_shape[0], inputs_shape[2])


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
