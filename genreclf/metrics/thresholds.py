"""`tune_thresholds`: per-class decision thresholds for multi-label models, tuned on validation."""

import numpy as np

from genreclf.errors import ConfigError

DEFAULT_GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95
_NUM_QUANTILES = 99
_TIE_TOLERANCE = 1e-12


def _check_inputs(y_true, scores):
    y_true = np.asarray(y_true, dtype="float64")
    scores = np.asarray(scores, dtype="float64")
    if y_true.ndim != 2 or y_true.shape != scores.shape:
        raise ConfigError(
            "Expected targets and scores of the same shape [num_examples, "
            f"num_classes]. Received: y_true.shape={y_true.shape}, "
            f"scores.shape={scores.shape}."
        )
    if not np.all(np.isfinite(scores)):
        raise ConfigError(
            "Expected finite scores. Received: scores with NaN or infinite "
            "values. Check the model's outputs (a diverged training run?)."
        )
    return y_true >= 0.5, scores


def _candidates(class_scores, grid):
    quantiles = np.quantile(class_scores, np.linspace(0.01, 0.99, _NUM_QUANTILES))
    return np.unique(np.concatenate([grid, quantiles]))


def _f1_at(class_scores, positives, candidates):
    """F1 of `score >= t` for every candidate t, in O((n + m) log n)."""
    order = np.argsort(class_scores, kind="stable")
    sorted_scores = class_scores[order]
    # positives_below[i]: positives among the i lowest scores.
    positives_below = np.concatenate([[0], np.cumsum(positives[order])])
    first_predicted = np.searchsorted(sorted_scores, candidates, side="left")
    predicted = len(class_scores) - first_predicted
    tp = positives_below[-1] - positives_below[first_predicted]
    fp = predicted - tp
    fn = positives_below[-1] - tp
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def tune_thresholds(y_true, scores, grid=None):
    """Picks, for each class, the threshold that maximizes its F1 on validation.

    Multi-label models score each class with a sigmoid; 0.5 is rarely the best
    cut, least of all for rare classes. For each class this tries the `grid`
    plus 99 quantiles of that class's scores (so the search adapts to models
    whose scores sit far from 0.5) and keeps the threshold with the best F1 of
    `score >= threshold`. Ties go to the candidate closest to 0.5; classes
    without a single positive example keep 0.5.

    Tune on validation data and report on separate test data: thresholds tuned
    on the data they are scored on overstate F1.

    Args:
        y_true: multi-hot targets `[n, K]`.
        scores: sigmoid scores `[n, K]`.
        grid: candidate thresholds; defaults to 0.05, 0.10, ..., 0.95.

    Returns:
        `np.float32` array `[K]`: one threshold per class.

    Example:

    >>> y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype="float32")
    >>> scores = np.array([[0.3, 0.9], [0.1, 0.8], [0.35, 0.7], [0.2, 0.4]])
    >>> [round(float(t), 2) for t in tune_thresholds(y_true, scores)]
    [0.3, 0.5]
    """
    positives, scores = _check_inputs(y_true, scores)
    grid = np.asarray(DEFAULT_GRID if grid is None else grid, dtype="float64").ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ConfigError(
            "Expected a non-empty list of finite candidate thresholds. "
            f"Received: grid={grid.tolist()!r}."
        )
    thresholds = np.full(scores.shape[1], 0.5, dtype="float32")
    if scores.shape[0] == 0:
        return thresholds
    for k in range(scores.shape[1]):
        if not positives[:, k].any():
            continue
        candidates = _candidates(scores[:, k], grid)
        f1 = _f1_at(scores[:, k], positives[:, k], candidates)
        best = np.flatnonzero(f1 >= f1.max() - _TIE_TOLERANCE)
        thresholds[k] = candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]]
    return thresholds


def tune_thresholds_shrunk(y_true, scores, strength=20.0, grid=None):
    """Per-class thresholds shrunk toward one global threshold by class support.

    `tune_thresholds` picks each class's best cut on its own; for a class with
    three positives that cut is noise. Here a class with `n` positives gets
    `(n * t_class + strength * t_global) / (n + strength)`, where `t_global`
    is the single threshold that maximizes F1 over all classes pooled
    (micro-F1). Tune on out-of-fold or validation scores, never on the rows
    the model was fitted on.

    Args:
        y_true: multi-hot targets `[n, K]`.
        scores: sigmoid scores `[n, K]`.
        strength: the number of positives at which a class's own threshold
            and the global one weigh the same.
        grid: candidate thresholds (see `tune_thresholds`).

    Returns:
        `np.float32` array `[K]`.

    Example:

    >>> y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype="float32")
    >>> scores = np.array([[0.3, 0.9], [0.1, 0.8], [0.35, 0.7], [0.2, 0.4]])
    >>> [round(float(t), 2) for t in tune_thresholds_shrunk(y_true, scores, strength=2)]
    [0.3, 0.4]
    """
    positives, checked = _check_inputs(y_true, scores)
    own = tune_thresholds(y_true, scores, grid=grid)
    if checked.shape[0] == 0 or not positives.any():
        return own
    grid = np.asarray(DEFAULT_GRID if grid is None else grid, dtype="float64").ravel()
    pooled_scores, pooled_positives = checked.ravel(), positives.ravel()
    candidates = _candidates(pooled_scores, grid)
    f1 = _f1_at(pooled_scores, pooled_positives, candidates)
    best = np.flatnonzero(f1 >= f1.max() - _TIE_TOLERANCE)
    global_threshold = candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]]
    support = positives.sum(axis=0).astype("float64")
    shrunk = (support * own + strength * global_threshold) / (support + strength)
    return shrunk.astype("float32")
