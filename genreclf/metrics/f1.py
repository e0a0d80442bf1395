"""Streaming F1 scores as Keras metrics: `MacroF1`, `MicroF1`, `WeightedF1`.

They follow scikit-learn's `f1_score(average=..., zero_division=0)` over all
K classes, accumulated over every batch of an epoch, so `val_macro_f1` can be
the monitor of `EarlyStopping` and `ModelCheckpoint` (with `mode="max"`).

Why not `keras.metrics.F1Score`? It computes the same counts but decides
differently, so it does not match genreclf's reports or scikit-learn exactly:

- Single-label (`threshold=None`): every class tied with the top score counts
  as predicted. An untrained model, or an empty text that pools to zeros,
  gives equal softmax scores and so "predicts" all K classes; genreclf takes
  the arg-max, one class per row, as `Run.predict` and the reports do.
- Multi-label: one float threshold compared with `>`; genreclf takes one
  threshold per class (tuned on validation data, `thresholds.json`) and
  compares with `>=`, as `LabelVocabulary.decode` and `tune_thresholds` do.
- Precision and recall carry `epsilon` in their denominators (a perfect
  score reads 0.9999999); genreclf divides without it, as scikit-learn does.

Keras has no macro-averaged precision or recall either (`MacroPrecision`,
`MacroRecall` here). tests/metrics/test_f1.py pins these differences and
checks that both agree where the decisions coincide.
"""

import keras
from keras import ops

from genreclf.metrics.class_counts import ClassCountsMetric


@keras.saving.register_keras_serializable(package="genreclf")
class MacroF1(ClassCountsMetric):
    """The unweighted mean of the per-class F1 scores (every class counts alike).

    A class that is neither present nor predicted scores 0, as with
    scikit-learn's `zero_division=0`. See `ClassCountsMetric` for the inputs.

    Args:
        num_classes: the number of classes K.
        multi_label: threshold sigmoid scores instead of taking the arg-max.
        threshold: multi-label threshold, a float or one float per class.
        name: the metric name; Keras logs `val_macro_f1` on validation data.
        dtype: the dtype of the state variables and result.
        **kwargs: passed to `keras.metrics.Metric`.

    Example:

    >>> m = MacroF1(num_classes=3)
    >>> m.update_state([[1, 0, 0], [0, 1, 0]], [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1]])
    >>> round(float(m.result()), 4)  # F1 = (2/3, 0, 0) averaged over 3 classes
    0.2222

    With a model: `model.compile(..., metrics=[MacroF1(num_classes=K)])` and
    `keras.callbacks.EarlyStopping(monitor="val_macro_f1", mode="max")`.
    """

    default_name = "macro_f1"

    def result(self):
        _, _, f1 = self._per_class()
        return ops.mean(f1)


@keras.saving.register_keras_serializable(package="genreclf")
class MicroF1(ClassCountsMetric):
    """F1 of the pooled counts of all classes (every example counts alike).

    For single-label tasks this equals accuracy. See `ClassCountsMetric` for
    the inputs and `MacroF1` for the arguments (default name `micro_f1`).

    Example:

    >>> m = MicroF1(num_classes=2, multi_label=True)
    >>> m.update_state([[1, 1], [0, 1]], [[0.9, 0.2], [0.1, 0.7]])
    >>> round(float(m.result()), 4)  # TP=2, FP=0, FN=1
    0.8
    """

    default_name = "micro_f1"

    def result(self):
        tp = ops.sum(self.true_positives)
        fp = ops.sum(self.false_positives)
        fn = ops.sum(self.false_negatives)
        return ops.divide_no_nan(2.0 * tp, 2.0 * tp + fp + fn)


@keras.saving.register_keras_serializable(package="genreclf")
class WeightedF1(ClassCountsMetric):
    """The mean of the per-class F1 scores weighted by each class's support.

    See `ClassCountsMetric` for the inputs and `MacroF1` for the arguments
    (default name `weighted_f1`).

    Example:

    >>> m = WeightedF1(num_classes=2)
    >>> m.update_state([[1, 0], [1, 0], [0, 1]], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    >>> round(float(m.result()), 4)  # (2 * 0.6667 + 1 * 0.6667) / 3
    0.6667
    """

    default_name = "weighted_f1"

    def result(self):
        _, _, f1 = self._per_class()
        support = self.support
        return ops.divide_no_nan(ops.sum(f1 * support), ops.sum(support))
