"""Streaming macro precision and recall as Keras metrics: `MacroPrecision`, `MacroRecall`."""

import keras
from keras import ops

from genreclf.metrics.class_counts import ClassCountsMetric


@keras.saving.register_keras_serializable(package="genreclf")
class MacroPrecision(ClassCountsMetric):
    """The unweighted mean of the per-class precisions, TP / (TP + FP).

    A class never predicted has precision 0 (scikit-learn's
    `zero_division=0`). See `ClassCountsMetric` for the inputs.

    Args:
        num_classes: the number of classes K.
        multi_label: threshold sigmoid scores instead of taking the arg-max.
        threshold: multi-label threshold, a float or one float per class.
        name: the metric name (Keras logs `val_macro_precision`).
        dtype: the dtype of the state variables and result.
        **kwargs: passed to `keras.metrics.Metric`.

    Example:

    >>> m = MacroPrecision(num_classes=2)
    >>> m.update_state([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]])
    >>> float(m.result())  # class 0: 1/2, class 1: never predicted -> 0
    0.25
    """

    default_name = "macro_precision"

    def result(self):
        precision, _, _ = self._per_class()
        return ops.mean(precision)


@keras.saving.register_keras_serializable(package="genreclf")
class MacroRecall(ClassCountsMetric):
    """The unweighted mean of the per-class recalls, TP / (TP + FN).

    A class without examples has recall 0 (scikit-learn's `zero_division=0`).
    See `ClassCountsMetric` for the inputs and `MacroPrecision` for the
    arguments (default name `macro_recall`).

    Example:

    >>> m = MacroRecall(num_classes=2)
    >>> m.update_state([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]])
    >>> float(m.result())  # class 0: 1/1, class 1: 0/1
    0.5
    """

    default_name = "macro_recall"

    def result(self):
        _, recall, _ = self._per_class()
        return ops.mean(recall)
