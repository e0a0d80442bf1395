"""`paired_bootstrap`: is one model's lead over another on the same rows real?

Two models scored on the same few hundred held-out rows differ by a few
rows' worth of macro-F1 (on 27 skewed genres, one rare-class hit moves it by
0.01 or more). The paired bootstrap resamples the rows, with replacement,
scores both models' fixed predictions on every resample and reports the
difference's percentile interval: an interval that holds 0 says the rows do
not tell the two apart.

The resampling and the interval are `scipy.stats.bootstrap`'s (one sample of
row indices, so both models always see the same rows); only the metrics,
computed from the same per-class counts as `classification_report`, are
genreclf's.

A resample can leave out every row of a class with one or two held-out rows;
that class then scores 0 for both models, which pulls macro-F1 (and most of
all rare-class macro-F1) differences toward 0 in that resample. The interval
is therefore, if anything, conservative about such classes.
"""

import numpy as np

from genreclf.errors import ConfigError
from genreclf.metrics import scores as scores_lib

METRICS = ("macro_f1", "micro_f1", "accuracy", "rare_macro_f1")
DEFAULT_RESAMPLES = 2000


def paired_bootstrap(
    y_true,
    predictions_a,
    predictions_b,
    metrics=("macro_f1", "micro_f1"),
    confidence=0.95,
    resamples=DEFAULT_RESAMPLES,
    seed=0,
    rare_classes=None,
):
    """Differences B − A of `metrics` with paired bootstrap intervals.

    Args:
        y_true: 0/1 targets `[n, K]` (one-hot or multi-hot).
        predictions_a: model A's 0/1 predictions `[n, K]` (after arg-max or
            thresholds: `genreclf.metrics.scores.binarize`).
        predictions_b: model B's, on the same rows.
        metrics: any of `"macro_f1"`, `"micro_f1"`, `"accuracy"` (subset
            accuracy for multi-label; equal to micro-F1 for single-label) and
            `"rare_macro_f1"` (the mean F1 of `rare_classes`).
        confidence: the interval's confidence level, in (0, 1).
        resamples: bootstrap resamples of the rows.
        seed: the resampling seed (the same seed gives the same interval).
        rare_classes: column indices of the rare classes, fixed across
            resamples (e.g. a report's `rare_classes`, as indices); needed
            for `"rare_macro_f1"`.

    Returns:
        `{metric: {"a", "b", "difference", "low", "high", "confidence"}}`:
        both models' values on the rows, B − A, the interval's bounds and its
        confidence level, Python floats.

    Example:

    >>> y = np.eye(2)[[0, 1] * 50]
    >>> a = np.eye(2)[[0, 0] * 50]          # always "0": right on half the rows
    >>> result = paired_bootstrap(y, a, y, metrics=("accuracy",), resamples=200)
    >>> result["accuracy"]["difference"]
    0.5
    >>> 0.35 < result["accuracy"]["low"] < 0.5 < result["accuracy"]["high"] < 0.65
    True
    """
    from scipy.stats import bootstrap

    y_true, a, b = _check(y_true, predictions_a, predictions_b)
    metrics = _check_metrics(metrics, rare_classes, y_true.shape[1])
    if not 0.0 < float(confidence) < 1.0:
        raise ConfigError(
            f"Expected a confidence level between 0 and 1 (0.95 for 95%). "
            f"Received: confidence={confidence!r}."
        )
    if int(resamples) < 2:
        raise ConfigError(f"Expected at least 2 resamples. Received: resamples={resamples!r}.")

    def values(predicted, rows=slice(None)):
        return _values(y_true[rows], predicted[rows], rare_classes)

    def differences(rows):
        value_a, value_b = values(a, rows), values(b, rows)
        return np.array([value_b[m] - value_a[m] for m in metrics])

    result = bootstrap(
        (np.arange(len(y_true)),),
        differences,
        vectorized=False,
        n_resamples=int(resamples),
        confidence_level=float(confidence),
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    low = np.atleast_1d(result.confidence_interval.low)
    high = np.atleast_1d(result.confidence_interval.high)
    value_a, value_b = values(a), values(b)
    out = {}
    for k, name in enumerate(metrics):
        out[name] = {
            "a": value_a[name],
            "b": value_b[name],
            "difference": value_b[name] - value_a[name],
            "low": float(low[k]),
            "high": float(high[k]),
            "confidence": float(confidence),
        }
    return out


def _values(y_true, predictions, rare_classes):
    counts = scores_lib.class_counts(y_true, predictions)
    values = scores_lib.averaged_scores(*counts)
    values["accuracy"] = float(np.mean(np.all(y_true == predictions, axis=1)))
    if rare_classes is not None:
        f1 = scores_lib.per_class_scores(*counts)["f1"]
        values["rare_macro_f1"] = float(np.mean(f1[list(rare_classes)]))
    return values


def _check(y_true, predictions_a, predictions_b):
    arrays = [np.asarray(x) for x in (y_true, predictions_a, predictions_b)]
    names = ("y_true", "predictions_a", "predictions_b")
    shapes = ", ".join(f"{n}.shape={x.shape}" for n, x in zip(names, arrays))
    first = arrays[0].shape
    if len(first) != 2 or first[0] < 2 or any(x.shape != first for x in arrays):
        raise ConfigError(
            "Expected targets and both models' 0/1 predictions of one shape "
            f"[num_examples ≥ 2, num_classes], on the same rows. Received: {shapes}."
        )
    for name, array in zip(names, arrays):
        if not np.isin(array, (0, 1)).all():
            raise ConfigError(
                f"Expected 0/1 values in `{name}`, not scores. Received: values such as "
                f"{array[~np.isin(array, (0, 1))][0]!r}. Turn scores into predictions with "
                "`genreclf.metrics.scores.binarize` (arg-max or thresholds) first."
            )
    return [array.astype("int64") for array in arrays]


def _check_metrics(metrics, rare_classes, num_classes):
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ConfigError(f"Expected metrics among {METRICS}. Received: metrics={metrics!r}.")
    if rare_classes is not None:
        indices = list(rare_classes)
        if not indices or not all(
            isinstance(k, (int, np.integer)) and 0 <= k < num_classes for k in indices
        ):
            raise ConfigError(
                f"Expected rare_classes as column indices in [0, {num_classes}). "
                f"Received: rare_classes={rare_classes!r}."
            )
    elif "rare_macro_f1" in metrics:
        raise ConfigError(
            "The metric 'rare_macro_f1' needs the rare classes' column indices. "
            "Received: rare_classes=None. Pass rare_classes=[...] (e.g. from a report's "
            "`rare_classes`)."
        )
    return metrics
