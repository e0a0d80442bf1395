"""Masked global pooling over time that ignores padding and survives empty texts."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="genreclf")
class MaskedGlobalPooling1D(keras.layers.Layer):
    """Global max or mean pooling over the time axis that honours the Keras mask.

    Keras' `GlobalMaxPooling1D` drops the mask, so padded steps take part in
    the max; `GlobalAveragePooling1D` divides by zero when every step is
    masked (an empty text), giving NaN scores. Here padded steps never count
    and a text with no tokens pools to zeros.

    Args:
        mode: `"max"` or `"mean"`.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [-5.0], [9.0]]], dtype="float32")
    >>> mask = np.array([[True, True, False]])
    >>> MaskedGlobalPooling1D("max")(x, mask=mask).numpy().tolist()
    [[1.0]]
    >>> MaskedGlobalPooling1D("mean")(x, mask=mask).numpy().tolist()
    [[-2.0]]
    """

    def __init__(self, mode="max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean'. Received: mode={mode!r}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1) if self.mode == "max" else ops.mean(inputs, axis=1)
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
        if self.mode == "mean":
            weights = ops.cast(mask, inputs.dtype)
            total = ops.sum(inputs * weights, axis=1)
            return total / ops.maximum(ops.sum(weights, axis=1), 1.0)
        pooled = ops.max(ops.where(mask, inputs, ops.full_like(inputs, -1e9)), axis=1)
        return ops.where(ops.any(mask, axis=1), pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


def pool_over_time(x, mode, mask=None):
    """Pools `[batch, time, dim]` over time: `"max"`, `"mean"` or `"mean_max"` (both, concatenated).

    The layers are named `max_pool`, `mean_pool` and `mean_max_pool`.

    Args:
        x: the symbolic sequence.
        mode: `"max"`, `"mean"` or `"mean_max"`.
        mask: an explicit `[batch, time]` padding mask; None uses the Keras mask
            that `x` carries.

    Example:

    >>> import keras
    >>> pool_over_time(keras.Input(shape=(5, 4)), "mean_max").shape
    (None, 8)
    """
    kwargs = {} if mask is None else {"mask": mask}
    modes = ("mean", "max") if mode == "mean_max" else (mode,)
    pooled = [MaskedGlobalPooling1D(m, name=f"{m}_pool")(x, **kwargs) for m in modes]
    return keras.layers.Concatenate(name="mean_max_pool")(pooled) if len(pooled) > 1 else pooled[0]


# bilstm models saved before the layer took a `mode` name their max pooling
# "genreclf>MaskedGlobalMaxPooling1D" (config without `mode`, or "max"): they
# load as MaskedGlobalPooling1D, whose default mode is "max".
keras.saving.get_custom_objects()["genreclf>MaskedGlobalMaxPooling1D"] = MaskedGlobalPooling1D
