"""`MaskedGlobalMaxPooling1D`: max over time that ignores padded positions."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="genreclf")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Global max pooling over the time axis that honours the Keras mask.

    Keras' `GlobalMaxPooling1D` drops the mask, so padded steps take part in
    the max. This layer fills them with the lowest value first. A sequence with
    no unmasked step pools to zeros.

    Example:

    >>> import numpy as np
    >>> layer = MaskedGlobalMaxPooling1D()
    >>> x = np.array([[[1.0], [-5.0], [9.0]]], dtype="float32")
    >>> layer(x, mask=np.array([[True, True, False]])).numpy().tolist()
    [[1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = ops.full_like(inputs, -1e9)
        pooled = ops.max(ops.where(mask, inputs, lowest), axis=1)
        any_step = ops.any(mask, axis=1)
        return ops.where(any_step, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
