"""Losses: cross-entropy with class weights for single- and multi-label tasks."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="genreclf")
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy with a weight on each class's positive term.

    For multi-label tasks, where Keras' `class_weight` does not apply: a rare
    genre's missed positives cost `pos_weight[k]` times more.

    Args:
        pos_weight: one float per class (None: all ones).
        label_smoothing: as in `keras.losses.BinaryCrossentropy`.

    Example:

    >>> import numpy as np
    >>> loss = WeightedBinaryCrossentropy(pos_weight=[1.0, 4.0])
    >>> round(float(loss(np.array([[0.0, 1.0]]), np.array([[0.1, 0.4]]))), 4)
    1.8853
    """

    def __init__(self, pos_weight=None, label_smoothing=0.0, name="weighted_bce", **kwargs):
        super().__init__(name=name, **kwargs)
        self.pos_weight = None if pos_weight is None else [float(w) for w in pos_weight]
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        eps = keras.backend.epsilon()
        y_pred = ops.clip(y_pred, eps, 1.0 - eps)
        positive = y_true * ops.log(y_pred)
        if self.pos_weight is not None:
            positive = positive * ops.convert_to_tensor(self.pos_weight, y_pred.dtype)
        negative = (1.0 - y_true) * ops.log(1.0 - y_pred)
        return -ops.mean(positive + negative, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"pos_weight": self.pos_weight, "label_smoothing": self.label_smoothing})
        return config


def make_loss(multi_label, pos_weight=None, label_smoothing=0.0):
    """The loss for a task: weighted BCE (multi-label) or categorical CE.

    Single-label class weights are applied as per-example sample weights by the
    input pipeline, so the loss itself is the plain categorical cross-entropy.
    """
    if multi_label:
        return WeightedBinaryCrossentropy(pos_weight, label_smoothing=label_smoothing)
    return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
