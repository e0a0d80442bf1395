"""Linear heads fitted by a convex solver: logistic regression done right.

A linear head on fixed features (TF-IDF n-grams, frozen-encoder embeddings)
is a convex problem; scikit-learn's `LogisticRegression` solves it to the
optimum in seconds, where gradient descent with early stopping on a small
validation split stops short of it. The fitted coefficients are copied into
the Keras model's `Dense` layer, so the model still takes raw strings and
exports as one SavedModel.

What this module adds on top of scikit-learn: coefficients for every class
of the label vocabulary (classes without training rows score ~0), balanced
class weights, and out-of-fold scores on genreclf's stratified folds (the
honest scores that blend weights and thresholds are chosen on).
"""

import collections
import time
import warnings

import numpy as np

from genreclf.data import kfold_indices

_ABSENT_BIAS = -30.0  # the bias of a class without training rows: score ~0


def fit_logistic(x, targets, multi_label, c=4.0, class_weight=True, max_iter=1000):
    """Fits an L2-regularised logistic regression; returns `(kernel [D, K], bias [K])`.

    Multi-label: one binary regression per class (sigmoid scores).
    Single-label: one multinomial regression (softmax scores).

    Args:
        x: features `[n, D]` (dense or SciPy sparse).
        targets: multi-hot or one-hot targets `[n, K]`.
        multi_label: per-class sigmoid (True) or softmax (False).
        c: inverse regularisation strength (scikit-learn's `C`).
        class_weight: balanced class weights (`"balanced"`).
        max_iter: solver iterations.

    Example:

    >>> x = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])
    >>> y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    >>> kernel, bias = fit_logistic(x, y, multi_label=False)
    >>> kernel.shape, bias.shape
    ((2, 2), (2,))
    """
    from sklearn.linear_model import LogisticRegression

    targets = np.asarray(targets) >= 0.5
    n_features, k = x.shape[1], targets.shape[1]
    kernel = np.zeros((n_features, k), dtype="float32")
    bias = np.full(k, _ABSENT_BIAS, dtype="float32")
    weight = "balanced" if class_weight else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter: the fit is still usable
        if multi_label:
            for j in range(k):
                column = targets[:, j]
                if column.all():
                    bias[j] = -_ABSENT_BIAS
                    continue
                if not column.any():
                    continue
                model = LogisticRegression(C=c, class_weight=weight, max_iter=max_iter)
                model.fit(x, column)
                kernel[:, j] = model.coef_[0]
                bias[j] = model.intercept_[0]
        else:
            y = targets.argmax(axis=1)
            present = np.unique(y)
            if len(present) == 1:
                bias[present[0]] = -_ABSENT_BIAS
                return kernel, bias
            model = LogisticRegression(C=c, class_weight=weight, max_iter=max_iter)
            model.fit(x, y)
            coef, intercept = model.coef_, model.intercept_
            if len(present) == 2:  # scikit-learn keeps one row for two classes
                coef = np.vstack([-coef[0] / 2, coef[0] / 2])
                intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
            kernel[:, model.classes_] = coef.T
            bias[model.classes_] = intercept
    return kernel, bias


def logistic_scores(x, kernel, bias, multi_label):
    """Scores of a fitted head: sigmoid (multi-label) or softmax, `float32 [n, K]`.

    Example:

    >>> logistic_scores(np.eye(2), np.eye(2), np.zeros(2), multi_label=True).round(2)
    array([[0.73, 0.5 ],
           [0.5 , 0.73]], dtype=float32)
    """
    logits = np.asarray(x @ kernel, dtype="float64") + bias
    if multi_label:
        return (1.0 / (1.0 + np.exp(-logits))).astype("float32")
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=1, keepdims=True)).astype("float32")


def out_of_fold_scores(x, dataset, targets, *, folds=5, seed=0, **fit_kwargs):
    """Scores of every real row from a head fitted on the other folds.

    Args:
        x: features `[n, D]` of `dataset`'s rows.
        dataset: the `TextDataset` (its labels stratify the folds; synthetic
            rows only ever train).
        targets: `[n, K]` targets of `dataset`.
        folds: the number of folds.
        seed: the fold seed.
        **fit_kwargs: passed to `fit_logistic` (`multi_label`, `c`, ...).

    Returns:
        `(scores, scored)`: `float32 [n, K]` (zeros for rows never held out)
        and the boolean mask of the rows that were.
    """
    multi_label = fit_kwargs["multi_label"]
    scores = np.zeros(targets.shape, dtype="float32")
    scored = np.zeros(len(targets), dtype=bool)
    folds = max(2, min(folds, int(np.sum(~dataset.is_synthetic()))))
    for train_idx, val_idx in kfold_indices(dataset, k=folds, seed=seed):
        kernel, bias = fit_logistic(x[train_idx], targets[train_idx], **fit_kwargs)
        scores[val_idx] = logistic_scores(x[val_idx], kernel, bias, multi_label)
        scored[val_idx] = True
    return scores, scored


class FittedHead(
    collections.namedtuple(
        "FittedHead", ["kernel", "bias", "thresholds", "oof_scores", "oof_mask", "c"]
    )
):
    """A head fitted on every row, with its out-of-fold scores and thresholds."""


def macro_f1(targets, scores, multi_label, thresholds=None):
    """Macro-F1 of `scores` (arg-max, or `>= thresholds` for multi-label)."""
    from sklearn.metrics import f1_score

    targets = np.asarray(targets) >= 0.5
    if multi_label:
        predicted = scores >= (0.5 if thresholds is None else thresholds)
        return f1_score(targets, predicted, average="macro", zero_division=0)
    present = np.flatnonzero(targets.any(axis=0))
    return f1_score(
        targets.argmax(1), scores.argmax(1), labels=present, average="macro", zero_division=0
    )


def micro_f1(targets, scores, multi_label, thresholds=None):
    """Micro-F1 of `scores` (`macro_f1`'s predictions): accuracy for single-label.

    Example:

    >>> micro_f1(np.eye(2)[[0, 1, 1]], np.eye(2)[[0, 1, 0]], multi_label=False)
    0.666...
    """
    from sklearn.metrics import f1_score

    targets = np.asarray(targets) >= 0.5
    if multi_label:
        predicted = scores >= (0.5 if thresholds is None else thresholds)
        return f1_score(targets, predicted, average="micro", zero_division=0)
    return float(np.mean(targets.argmax(1) == np.asarray(scores).argmax(1)))


C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)


def fit_head(
    x, dataset, vocabulary, *, c=4.0, folds=5, seed=0, class_weight=True, verbose=0, name="linear"
):
    """Out-of-fold scores, thresholds from them, then the head fitted on every row.

    Args:
        x: features `[n, D]` of `dataset`'s rows.
        dataset: the training `TextDataset`.
        vocabulary: its `LabelVocabulary`.
        c: inverse L2 penalty, or `"auto"`: the value of `C_GRID` with the
            best out-of-fold macro-F1 (at shrunk thresholds for multi-label).
        folds: out-of-fold folds (at least 2).
        seed: fold seed.
        class_weight: balanced class weights.
        verbose: print one line of progress per head.
        name: the head's name in progress lines.

    Returns:
        A `FittedHead`; `thresholds` is None for single-label data.
    """
    from genreclf.metrics.thresholds import tune_thresholds_shrunk

    targets = dataset.targets(vocabulary)
    multi_label = vocabulary.multi_label
    start = time.perf_counter()
    best = None
    for candidate in C_GRID if c == "auto" else (float(c),):
        oof, scored = out_of_fold_scores(
            x,
            dataset,
            targets,
            folds=folds,
            seed=seed,
            multi_label=multi_label,
            c=candidate,
            class_weight=class_weight,
        )
        thresholds = tune_thresholds_shrunk(targets[scored], oof[scored]) if multi_label else None
        score = macro_f1(targets[scored], oof[scored], multi_label, thresholds)
        if best is None or score > best[0]:
            best = (score, candidate, oof, scored, thresholds)
    score, chosen, oof, scored, thresholds = best
    kernel, bias = fit_logistic(x, targets, multi_label, c=chosen, class_weight=class_weight)
    if verbose:
        print(
            f"{name} head: {x.shape[1]:,} features, C={chosen:g}, {folds}-fold out-of-fold "
            f"macro-F1 {score:.4f}, fitted in {time.perf_counter() - start:.1f}s",
            flush=True,
        )
    return FittedHead(kernel, bias, thresholds, oof, scored, chosen)
