"""Class imbalance: class weights and random oversampling of rare classes."""

import numpy as np

from genreclf.data.inputs import short_repr
from genreclf.errors import ConfigError

DEFAULT_MAX_WEIGHT = 10.0


def _targets_matrix(targets):
    if hasattr(targets, "texts") and hasattr(targets, "labels"):  # a TextDataset
        raise ConfigError(
            "targets must be a [n, K] one-hot or multi-hot matrix, not a TextDataset. Pass "
            "its targets: dataset.targets(LabelVocabulary.from_rows(dataset.labels, "
            "dataset.multi_label))."
        )
    try:
        targets = np.asarray(targets, dtype="float32")
    except (TypeError, ValueError):  # label names, ragged rows
        raise ConfigError(
            "targets must be a [n, K] one-hot or multi-hot matrix of numbers "
            f"(`dataset.targets(vocabulary)`). Received: {type(targets).__name__} "
            f"{short_repr(targets)}."
        ) from None
    if targets.ndim != 2 or targets.shape[0] == 0:
        raise ConfigError(
            "targets must be a non-empty [n, K] one-hot or multi-hot matrix "
            f"(`dataset.targets(vocabulary)`). Received: shape={targets.shape}."
        )
    return targets


def class_weights(targets, multi_label=None, max_weight=DEFAULT_MAX_WEIGHT):
    """Per-class weights that make rare classes count more.

    Single-label: the "balanced" heuristic `n / (K * count)`, capped at
    `max_weight`; a class with no rows gets weight 1. Multi-label: positive
    weights `sqrt(negatives / positives)`, capped at `max_weight` (a class
    with no positive rows gets 1), meant to scale the positive term of a
    weighted binary cross-entropy.

    Args:
        targets: `float32 [n, K]` one-hot or multi-hot targets.
        multi_label: whether the targets are multi-hot; `None` detects it
            (rows not summing to exactly one).
        max_weight: the cap, so a class with a handful of rows cannot dominate.

    Returns:
        `float32 [K]` weights.

    Example:

    >>> y = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype="float32")
    >>> class_weights(y).tolist()
    [0.6666666865348816, 2.0]
    """
    targets = _targets_matrix(targets)
    if max_weight is not None and max_weight < 1:
        raise ConfigError(f"max_weight must be at least 1. Received: max_weight={max_weight}.")
    cap = np.inf if max_weight is None else float(max_weight)
    if multi_label is None:
        multi_label = not np.all(targets.sum(axis=1) == 1)
    n, k = targets.shape
    positives = targets.sum(axis=0).astype("float64")
    weights = np.ones(k, dtype="float64")
    seen = positives > 0
    if multi_label:
        negatives = n - positives
        weights[seen] = np.sqrt(negatives[seen] / positives[seen])
    else:
        weights[seen] = n / (k * positives[seen])
    return np.minimum(weights, cap).astype("float32")


def sample_weights(targets, weights):
    """Per-row weights from per-class weights, for `make_tf_dataset`.

    A single-label row gets its class's weight; a multi-label row the largest
    weight among its labels (1 for a row without labels).

    Example:

    >>> y = np.array([[1, 0], [0, 1], [1, 1]], dtype="float32")
    >>> sample_weights(y, np.array([1.0, 3.0])).tolist()
    [1.0, 3.0, 3.0]
    """
    targets = _targets_matrix(targets)
    weights = np.asarray(weights, dtype="float32")
    if weights.shape != (targets.shape[1],):
        raise ConfigError(
            f"Expected one weight per class ({targets.shape[1]}). Received: "
            f"weights.shape={weights.shape}."
        )
    rows = (targets > 0) * weights
    result = rows.max(axis=1)
    result[targets.sum(axis=1) == 0] = 1.0
    return result.astype("float32")


def oversample(dataset, vocabulary, seed=0, target=None):
    """Duplicates random rows of rare classes until each has `target` rows.

    Rows are drawn with replacement. Multi-label: classes are filled rarest
    first, each by duplicating rows that carry it, and the counts are updated
    after each class (a duplicated row also adds to its other labels).

    Args:
        dataset: a `TextDataset` (the training part: never oversample
            validation data).
        vocabulary: the `LabelVocabulary` the targets use.
        seed: the random seed.
        target: rows wanted per class; default: the median class count.

    Returns:
        A new `TextDataset`: the original rows, then the duplicates.

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["a", "b", "c", "d"], [["x"], ["x"], ["x"], ["y"]])
    >>> oversample(ds, ds.vocabulary(), target=3).label_counts()
    {'x': 3, 'y': 3}
    """
    targets = dataset.targets(vocabulary) > 0
    counts = targets.sum(axis=0).astype(int)
    if target is None:
        present = counts[counts > 0]
        target = int(np.median(present)) if len(present) else 0
    if not isinstance(target, (int, np.integer)) or target < 0:
        raise ConfigError(
            f"target must be a non-negative number of rows per class. Received: target={target!r}."
        )
    rng = np.random.default_rng(seed)
    extra = []
    for column in np.argsort(counts, kind="stable"):
        if counts[column] == 0 or counts[column] >= target:
            continue
        rows = np.flatnonzero(targets[:, column])
        picks = rng.choice(rows, size=target - counts[column], replace=True)
        extra.extend(picks.tolist())
        counts += targets[picks].sum(axis=0).astype(int)
    if not extra:
        return dataset.subset(range(len(dataset)))
    result = dataset.subset(list(range(len(dataset))) + extra)
    if hasattr(dataset, "skipped"):
        result.skipped = dict(dataset.skipped)
    return result
