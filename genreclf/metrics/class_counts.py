"""`ClassCountsMetric`: the streaming base of genreclf's F1, precision and recall metrics."""

import keras
import numpy as np
from keras import ops

from genreclf.errors import ConfigError


def _check_num_classes(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ConfigError(
            "Expected `num_classes` to be a positive integer (the number of "
            f"labels). Received: num_classes={num_classes!r}. Pass "
            "`len(vocabulary)`."
        )


def _check_threshold(threshold, num_classes):
    """Returns the threshold as a float, or as a list of `num_classes` floats."""
    try:
        values = np.asarray(threshold, dtype="float64")
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim > 1 or (values.ndim == 1 and values.shape[0] != num_classes):
        raise ConfigError(
            f"Expected `threshold` to be a float or a list of {num_classes} "
            f"floats (one per class). Received: threshold={threshold!r}."
        )
    if np.any(values < 0.0) or np.any(values > 1.0) or np.any(np.isnan(values)):
        raise ConfigError(
            "Expected thresholds in [0, 1] (they compare with sigmoid scores). "
            f"Received: threshold={threshold!r}."
        )
    return float(values) if values.ndim == 0 else [float(v) for v in values]


class ClassCountsMetric(keras.metrics.Metric):
    """Accumulates per-class true positives, false positives and false negatives.

    The base of `MacroF1`, `MicroF1`, `WeightedF1`, `MacroPrecision` and
    `MacroRecall`: subclasses only implement `result()` from the counts. The
    counts live in three `float32 [K]` state variables (summed across replicas),
    updated with backend-agnostic `keras.ops`, so the metric streams over any
    number of batches and works with every Keras backend.

    Targets `y_true` are one-hot (single-label) or multi-hot (multi-label)
    `float32 [batch, K]` rows, as `LabelVocabulary.encode` writes them.
    Scores `y_pred` are `[batch, K]`. Single-label predictions
    are the arg-max class; multi-label predictions are the classes whose score
    is at or above `threshold`.

    Args:
        num_classes: the number of classes K.
        multi_label: whether rows may carry several labels (sigmoid scores).
        threshold: multi-label decision threshold, a float or a list of one
            float per class (e.g. from `tune_thresholds`). Ignored for
            single-label.
        name: the metric name (Keras logs `val_<name>` on validation data).
        dtype: the dtype of the state variables and result.
        **kwargs: passed to `keras.metrics.Metric`.

    Example:

    >>> class TruePositiveCount(ClassCountsMetric):
    ...     def result(self):
    ...         return ops.sum(self.true_positives)
    >>> m = TruePositiveCount(num_classes=2, name="tp")
    >>> m.update_state([[1.0, 0.0], [0.0, 1.0]], [[0.9, 0.1], [0.8, 0.2]])
    >>> float(m.result())
    1.0
    """

    default_name = None  # subclasses name themselves: "macro_f1", ...

    def __init__(
        self,
        num_classes,
        multi_label=False,
        threshold=0.5,
        name=None,
        dtype=None,
        **kwargs,
    ):
        _check_num_classes(num_classes)
        super().__init__(name=name or self.default_name, dtype=dtype, **kwargs)
        self.num_classes = num_classes
        self.multi_label = bool(multi_label)
        self.threshold = _check_threshold(threshold, num_classes)
        self.true_positives = self._counts_variable("true_positives")
        self.false_positives = self._counts_variable("false_positives")
        self.false_negatives = self._counts_variable("false_negatives")

    def _counts_variable(self, name):
        return self.add_variable(
            shape=(self.num_classes,),
            initializer="zeros",
            dtype=self.dtype,
            aggregation="sum",
            name=name,
        )

    @property
    def support(self):
        """Per-class support seen so far (TP + FN), a `[K]` tensor."""
        return self.true_positives + self.false_negatives

    def _binarize(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, self.dtype)
        if y_pred.shape[-1] is not None and y_pred.shape[-1] != self.num_classes:
            raise ConfigError(
                f"Expected scores with {self.num_classes} classes (the metric's "
                f"`num_classes`). Received: y_pred.shape={tuple(y_pred.shape)}. "
                "Build the metric with `num_classes=len(vocabulary)`."
            )
        sparse = len(y_true.shape) == 1 or (y_true.shape[-1] == 1 and self.num_classes > 1)
        if sparse and self.multi_label:
            raise ConfigError(
                f"Expected multi-hot targets [batch, {self.num_classes}] for a multi-label "
                f"metric. Received: y_true.shape={tuple(y_true.shape)}. Pass one 0/1 column "
                "per class (`TextDataset.targets(vocabulary)`)."
            )
        if sparse:  # class ids, as with sparse_categorical_crossentropy
            ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            y_true = ops.one_hot(ids, self.num_classes)
            y_pred = ops.one_hot(ops.argmax(y_pred, axis=-1), self.num_classes)
            return ops.cast(y_true, self.dtype), ops.cast(y_pred, self.dtype)
        if y_true.shape[-1] is not None and y_true.shape[-1] != self.num_classes:
            raise ConfigError(
                f"Expected one-hot targets [batch, {self.num_classes}] or class ids [batch]. "
                f"Received: y_true.shape={tuple(y_true.shape)}."
            )
        if not self.multi_label:
            y_true = ops.one_hot(ops.argmax(y_true, axis=-1), self.num_classes)
            y_pred = ops.one_hot(ops.argmax(y_pred, axis=-1), self.num_classes)
            return ops.cast(y_true, self.dtype), ops.cast(y_pred, self.dtype)
        threshold = ops.convert_to_tensor(self.threshold, dtype=self.dtype)
        y_true = ops.cast(ops.greater_equal(ops.cast(y_true, self.dtype), 0.5), self.dtype)
        y_pred = ops.cast(ops.greater_equal(y_pred, threshold), self.dtype)
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch of targets and scores to the counts.

        Args:
            y_true: one-hot or multi-hot targets `[batch, K]`; single-label,
                class ids `[batch]` or `[batch, 1]` too (sparse targets).
            y_pred: scores `[batch, K]`.
            sample_weight: optional per-example weights `[batch]` (or
                `[batch, 1]`): each example counts with its weight.
        """
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        y_true, y_pred = self._binarize(y_true, y_pred)
        if sample_weight is None:
            weight = ops.ones_like(y_true[:, :1])
        else:
            weight = ops.cast(ops.convert_to_tensor(sample_weight), self.dtype)
            weight = ops.reshape(weight, (-1, 1))
        self.true_positives.assign_add(ops.sum(y_true * y_pred * weight, axis=0))
        self.false_positives.assign_add(ops.sum((1.0 - y_true) * y_pred * weight, axis=0))
        self.false_negatives.assign_add(ops.sum(y_true * (1.0 - y_pred) * weight, axis=0))

    def reset_state(self):
        """Sets every count back to zero (Keras calls this at each epoch start)."""
        for variable in (self.true_positives, self.false_positives, self.false_negatives):
            variable.assign(ops.zeros((self.num_classes,), dtype=self.dtype))

    def _per_class(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = ops.divide_no_nan(tp, tp + fp)
        recall = ops.divide_no_nan(tp, tp + fn)
        f1 = ops.divide_no_nan(2.0 * tp, 2.0 * tp + fp + fn)
        return precision, recall, f1

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "multi_label": self.multi_label,
                "threshold": self.threshold,
            }
        )
        return config
