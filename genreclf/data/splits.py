"""Stratified train/validation splits and k-fold indices.

Single-label data is stratified by class; multi-label data by iterative
stratification (Sechidis, Tsoumakas & Vlahavas, 2011, "On the Stratification
of Multi-Label Data"), written here in numpy. Synthetic rows (augmented data)
always stay in training parts: validation must only hold real examples.
"""

import numpy as np

from genreclf.errors import ConfigError
from genreclf.setting import number

# The share of rows held out for validation: `train_val_split`'s `val_fraction`, and
# `TrainConfig.val_split` (`--val-split`), which `TrainConfig.check` checks with it.
VAL_FRACTION = number(above=0, below=1)


def _label_matrix(dataset):
    """`bool [n, K]` label matrix of a dataset, its classes in text order.

    Text order, not the vocabulary's (which puts ratings in order of value):
    the random draws go class by class, so a seed gives the split and folds
    it gave before ratings were ordered by value, and runs, searches and
    ensembles started then still find their rows.
    """
    from genreclf.data.labels import LabelVocabulary

    names = sorted({label for row in dataset.labels for label in row})
    vocabulary = LabelVocabulary(names, multi_label=dataset.multi_label)
    return vocabulary.encode(dataset.labels).astype(bool)


def _real_indices(dataset):
    real = np.flatnonzero(~dataset.is_synthetic())
    return real


def _allocate_single_label(classes, fraction, rng):
    """Boolean mask (over `classes`) of rows to hold out, stratified by class.

    Each class gets about `fraction` of its rows (largest remainders settle the
    rounding so the total is `round(fraction * n)`); a class with two rows or
    more keeps at least one row on each side when possible.
    """
    n = len(classes)
    names, inverse, counts = np.unique(classes, return_inverse=True, return_counts=True)
    ideal = counts * fraction
    take = np.floor(ideal).astype(int)
    total = int(round(fraction * n))
    order = np.argsort(-(ideal - take) + rng.random(len(names)) * 1e-9, kind="stable")
    for j in order[: max(0, total - take.sum())]:
        take[j] += 1
    several = counts >= 2
    take[several] = np.clip(take[several], 1, counts[several] - 1)
    take[~several] = np.minimum(take[~several], 0)
    if take.sum() == 0 and n >= 2:  # a tiny set: hold out one row anyway
        take[np.argmax(counts)] = 1
    held = np.zeros(n, dtype=bool)
    for j in range(len(names)):
        members = np.flatnonzero(inverse == j)
        rng.shuffle(members)
        held[members[: take[j]]] = True
    return held


def iterative_stratification(labels, proportions, rng):
    """Assigns each row to a part, keeping label proportions in every part.

    Args:
        labels: `bool [n, K]` label matrix.
        proportions: the wanted share of rows per part (sums to 1).
        rng: a `numpy.random.Generator`.

    Returns:
        `int [n]`: the part of each row.

    Example:

    >>> y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
    >>> parts = iterative_stratification(y, [0.5, 0.5], np.random.default_rng(0))
    >>> sorted(parts[:2].tolist()), sorted(parts[2:].tolist())
    ([0, 1], [0, 1])
    """
    labels = np.asarray(labels, dtype=bool)
    n, _ = labels.shape
    proportions = np.asarray(proportions, dtype="float64")
    wanted_rows = proportions * n
    wanted = np.outer(proportions, labels.sum(axis=0))  # [parts, K]
    part = np.full(n, -1)
    left = labels.sum(axis=0).astype(int)

    def place(i, label_column=None):
        if label_column is None:
            scores = wanted_rows
        else:
            scores = wanted[:, label_column]
        best = np.flatnonzero(scores == scores.max())
        if len(best) > 1 and label_column is not None:
            by_rows = wanted_rows[best]
            best = best[by_rows == by_rows.max()]
        chosen = best[rng.integers(len(best))] if len(best) > 1 else best[0]
        part[i] = chosen
        wanted[chosen] -= labels[i]
        wanted_rows[chosen] -= 1
        left[:] -= labels[i]

    while left.any():
        present = np.flatnonzero(left > 0)
        rarest = present[left[present] == left[present].min()]
        column = rarest[rng.integers(len(rarest))]
        rows = np.flatnonzero(labels[:, column] & (part < 0))
        rng.shuffle(rows)
        for i in rows:
            place(i, column)
    for i in np.flatnonzero(part < 0):  # rows without labels
        place(i)
    return part


def _repair(labels, held):
    """Moves rows so each label with 2+ rows appears on both sides if possible."""
    counts = labels.sum(axis=0)
    for _ in range(2):
        for column in np.argsort(counts, kind="stable"):
            if counts[column] < 2:
                continue
            for side in (True, False):  # fill the held-out side, then the kept side
                on_side = labels[held == side].sum(axis=0)
                if on_side[column] > 0:
                    continue
                other = labels[held != side].sum(axis=0)
                candidates = np.flatnonzero(labels[:, column] & (held != side))
                for i in candidates:
                    carried = labels[i]
                    if np.all(other[carried] >= 2):
                        held[i] = side
                        break
    return held


def train_val_split(dataset, val_fraction=0.1, seed=0):
    """Splits a dataset into stratified training and validation parts.

    Single-label: every class keeps about the same share on both sides, and a
    class with two rows or more appears on both. Multi-label: iterative
    stratification, then a repair pass so each label with two rows or more
    appears on both sides when possible. Synthetic rows always go to train.

    Args:
        dataset: a `TextDataset`.
        val_fraction: the share of real rows to hold out: a number above 0
            and below 1 (a NumPy float too; not a string or a bool).
        seed: the random seed; the same seed gives the same split.

    Returns:
        `(train, val)` datasets (rows in their original order).

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset([f"t{i}" for i in range(10)], [["a"]] * 5 + [["b"]] * 5)
    >>> train, val = train_val_split(ds, val_fraction=0.2, seed=0)
    >>> len(train), len(val), val.label_counts()
    (8, 2, {'a': 1, 'b': 1})
    """
    VAL_FRACTION.check(
        "val_fraction",
        val_fraction,
        fix="Pass e.g. val_fraction=0.1 (10% of the real rows held out for validation).",
    )
    real = _real_indices(dataset)
    if len(real) < 2:
        raise ConfigError(
            "A train/validation split needs at least 2 real (non-synthetic) "
            f"rows. Received: {len(real)} real rows out of {len(dataset)}."
        )
    rng = np.random.default_rng(seed)
    labels = _label_matrix(dataset)[real]
    if dataset.multi_label:
        parts = iterative_stratification(labels, [1 - val_fraction, val_fraction], rng)
        held = _repair(labels, parts == 1)
        if not held.any():
            held[rng.integers(len(held))] = True
        if held.all():
            held[rng.integers(len(held))] = False
    else:
        held = _allocate_single_label(labels.argmax(axis=1), val_fraction, rng)
    val_idx = np.sort(real[held])
    train_idx = np.setdiff1d(np.arange(len(dataset)), val_idx)
    return dataset.subset(train_idx), dataset.subset(val_idx)


def kfold_indices(dataset, k=5, seed=0):
    """Stratified k-fold indices (iterative stratification for multi-label).

    Each real row is held out in exactly one fold; synthetic rows are only
    ever in the training indices.

    Args:
        dataset: a `TextDataset`.
        k: the number of folds, at least 2 and at most the number of real rows.
        seed: the random seed.

    Returns:
        A list of `k` pairs `(train_idx, val_idx)` of sorted `int64` arrays.

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset([f"t{i}" for i in range(6)], [["a"], ["b"]] * 3)
    >>> folds = kfold_indices(ds, k=3, seed=0)
    >>> [len(val) for _, val in folds]
    [2, 2, 2]
    """
    real = _real_indices(dataset)
    if not isinstance(k, (int, np.integer)) or k < 2 or k > len(real):
        raise ConfigError(
            "k must be an integer between 2 and the number of real rows "
            f"({len(real)}). Received: k={k!r}."
        )
    rng = np.random.default_rng(seed)
    labels = _label_matrix(dataset)[real]
    if dataset.multi_label:
        parts = iterative_stratification(labels, np.full(k, 1.0 / k), rng)
    else:
        classes = labels.argmax(axis=1)
        order = []
        for j in rng.permutation(labels.shape[1]):
            members = np.flatnonzero(classes == j)
            rng.shuffle(members)
            order.extend(members.tolist())
        parts = np.empty(len(real), dtype=int)
        parts[np.asarray(order, dtype=int)] = np.arange(len(order)) % k
    everything = np.arange(len(dataset))
    folds = []
    for fold in range(k):
        val_idx = np.sort(real[parts == fold]).astype("int64")
        train_idx = np.setdiff1d(everything, val_idx).astype("int64")
        folds.append((train_idx, val_idx))
    return folds
