"""Each model's held-out scores of one part, written by `bench/quality.py --save-scores DIR`.

The printed tables are decisions already made (arg-max, thresholds); a
question the tables do not answer (another blend of two rows' scores, another
threshold, a per-class look) would otherwise mean refitting every model. One
`.npz` per held-out part (`NAME.npz`, `NAME-s1.npz`, `NAME-f0.npz`, ...)
keeps the class names, the 0/1 targets, and every row's scores (and
thresholds, where the model has them), columns in the same class order.
Plain arrays, no pickles: `numpy.load` reads it anywhere.
"""

import numpy as np


def write_scores(path, labels, targets, models):
    """Writes `models` (`{name: (scores [n, K], thresholds [K] or None)}`) to `path`.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "movies.npz"
    >>> write_scores(path, ["comedy", "drama"], np.eye(2), {"(a) tfidf+lr": (np.eye(2), None)})
    >>> labels, targets, models = read_scores(path)
    >>> labels, sorted(models)
    (['comedy', 'drama'], ['(a) tfidf+lr'])
    """
    arrays = {"labels": np.asarray(labels, dtype=str), "targets": np.asarray(targets, "float32")}
    arrays["models"] = np.asarray(list(models), dtype=str)
    for i, (name, (scores, thresholds)) in enumerate(models.items()):
        scores = np.asarray(scores, dtype="float32")
        if scores.shape != arrays["targets"].shape:
            raise ValueError(
                f"{name}: expected scores shaped like the targets {arrays['targets'].shape}. "
                f"Received: scores.shape={scores.shape}."
            )
        arrays[f"scores_{i}"] = scores
        if thresholds is not None:
            arrays[f"thresholds_{i}"] = np.broadcast_to(
                np.asarray(thresholds, "float32"), scores.shape[1:]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def read_scores(path):
    """`(labels, targets, {name: (scores, thresholds or None)})` written by `write_scores`."""
    with np.load(path, allow_pickle=False) as saved:
        models = {}
        for i, name in enumerate(saved["models"].tolist()):
            thresholds = saved[f"thresholds_{i}"] if f"thresholds_{i}" in saved else None
            models[name] = (saved[f"scores_{i}"], thresholds)
        return saved["labels"].tolist(), saved["targets"], models
