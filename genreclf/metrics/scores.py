"""Precision, recall and F1 from per-class counts, the way scikit-learn defines them.

These NumPy functions are the reference the streaming Keras metrics follow and
what `classification_report` and `tune_thresholds` use: per class

- precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN),
- each 0 when its denominator is 0 (scikit-learn's `zero_division=0`),

and macro averages over all K classes (a class never seen nor predicted counts
as 0), micro averages pool the counts, weighted averages weight each class by
its support (TP + FN).
"""

import numpy as np

from genreclf.errors import ConfigError


def _safe_divide(numerator, denominator):
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    out = np.zeros(np.broadcast(numerator, denominator).shape, dtype="float64")
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def binarize(scores, multi_label, thresholds=0.5):
    """Turns scores `[n, K]` into 0/1 predictions `[n, K]`.

    Single-label: the arg-max class of each row. Multi-label: every class whose
    score is at or above its threshold (a float, or one per class).

    Example:

    >>> binarize([[0.2, 0.7], [0.6, 0.4]], multi_label=False).tolist()
    [[0, 1], [1, 0]]
    >>> binarize([[0.2, 0.7]], multi_label=True, thresholds=[0.1, 0.8]).tolist()
    [[1, 0]]
    """
    scores = np.asarray(scores, dtype="float64")
    if scores.ndim != 2:
        raise ConfigError(
            "Expected scores of shape [num_examples, num_classes]. "
            f"Received: scores.shape={scores.shape}."
        )
    if not multi_label:
        out = np.zeros(scores.shape, dtype="int64")
        if scores.shape[0]:
            out[np.arange(scores.shape[0]), scores.argmax(axis=1)] = 1
        return out
    thresholds = np.asarray(thresholds, dtype="float64")
    if thresholds.ndim not in (0, 1) or (
        thresholds.ndim == 1 and thresholds.shape[0] != scores.shape[1]
    ):
        raise ConfigError(
            f"Expected one threshold or {scores.shape[1]} (one per class). "
            f"Received: thresholds.shape={thresholds.shape}."
        )
    return (scores >= thresholds).astype("int64")


def class_counts(y_true, y_pred):
    """Per-class true positives, false positives and false negatives.

    Args:
        y_true: 0/1 targets `[n, K]` (one-hot or multi-hot).
        y_pred: 0/1 predictions `[n, K]`.

    Returns:
        `(tp, fp, fn)`, three int64 arrays of shape `[K]`.

    Example:

    >>> tp, fp, fn = class_counts([[1, 0], [0, 1]], [[1, 0], [1, 0]])
    >>> tp.tolist(), fp.tolist(), fn.tolist()
    ([1, 0], [1, 0], [0, 1])
    """
    y_true = np.asarray(y_true) >= 0.5
    y_pred = np.asarray(y_pred) >= 0.5
    if y_true.shape != y_pred.shape:
        raise ConfigError(
            "Targets and predictions must have the same shape [n, K]. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
        )
    tp = np.sum(y_true & y_pred, axis=0).astype("int64")
    fp = np.sum(~y_true & y_pred, axis=0).astype("int64")
    fn = np.sum(y_true & ~y_pred, axis=0).astype("int64")
    return tp, fp, fn


def per_class_scores(tp, fp, fn):
    """Precision, recall and F1 per class, from counts.

    Returns:
        A dict with float64 arrays `precision`, `recall`, `f1` and the int
        array `support` (TP + FN), all of shape `[K]`.

    Example:

    >>> s = per_class_scores([1, 0], [1, 0], [0, 1])
    >>> s["precision"].tolist(), s["recall"].tolist(), s["f1"].round(3).tolist()
    ([0.5, 0.0], [1.0, 0.0], [0.667, 0.0])
    """
    tp, fp, fn = (np.asarray(x, dtype="float64") for x in (tp, fp, fn))
    return {
        "precision": _safe_divide(tp, tp + fp),
        "recall": _safe_divide(tp, tp + fn),
        "f1": _safe_divide(2 * tp, 2 * tp + fp + fn),
        "support": (tp + fn).astype("int64"),
    }


def averaged_scores(tp, fp, fn):
    """Macro, micro and weighted averages, from per-class counts.

    Returns:
        A dict of Python floats: `macro_f1`, `micro_f1`, `weighted_f1`,
        `macro_precision`, `macro_recall`.

    Example:

    >>> s = averaged_scores([1, 0], [1, 0], [0, 1])
    >>> round(s["macro_f1"], 4), round(s["micro_f1"], 4)
    (0.3333, 0.5)
    """
    per_class = per_class_scores(tp, fp, fn)
    tp_all, fp_all, fn_all = (float(np.sum(x)) for x in (tp, fp, fn))
    support = per_class["support"].astype("float64")
    return {
        "macro_f1": float(np.mean(per_class["f1"])),
        "micro_f1": float(_safe_divide(2 * tp_all, 2 * tp_all + fp_all + fn_all)),
        "weighted_f1": float(_safe_divide(np.sum(per_class["f1"] * support), np.sum(support))),
        "macro_precision": float(np.mean(per_class["precision"])),
        "macro_recall": float(np.mean(per_class["recall"])),
    }
