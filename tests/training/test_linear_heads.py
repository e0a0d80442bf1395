"""Convex linear heads: scikit-learn's optimum, every class covered, honest out-of-fold scores."""

import numpy as np
import pytest

from genreclf.data import TextDataset
from genreclf.training.linear_heads import C_GRID
from genreclf.training.linear_heads import fit_head
from genreclf.training.linear_heads import fit_logistic
from genreclf.training.linear_heads import logistic_scores
from genreclf.training.linear_heads import out_of_fold_scores


def _data(multi_label, n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    if multi_label:
        labels = [
            [g for g, on in (("a", row[0] > 0), ("b", row[1] > 0)) if on] or ["c"] for row in x
        ]
    else:
        labels = [["a"] if row[0] > 0.3 else ["b"] if row[1] > 0 else ["c"] for row in x]
    dataset = TextDataset([f"t{i}" for i in range(n)], labels, multi_label=multi_label)
    return x, dataset


@pytest.mark.parametrize("multi_label", [False, True])
def test_scores_equal_scikit_learn(multi_label):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    x, dataset = _data(multi_label)
    vocabulary = dataset.vocabulary()
    y = dataset.targets(vocabulary)
    kernel, bias = fit_logistic(x, y, multi_label, c=2.0)
    ours = logistic_scores(x, kernel, bias, multi_label)
    lr = LogisticRegression(C=2.0, class_weight="balanced", max_iter=1000)
    theirs = (
        OneVsRestClassifier(lr).fit(x, y) if multi_label else lr.fit(x, y.argmax(1))
    ).predict_proba(x)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_a_class_without_training_rows_scores_zero():
    x, dataset = _data(False)
    y = np.concatenate([dataset.targets(dataset.vocabulary()), np.zeros((len(x), 1))], axis=1)
    scores = logistic_scores(x, *fit_logistic(x, y, multi_label=False), multi_label=False)
    assert scores.shape == (len(x), 4) and scores[:, 3].max() < 1e-6
    multi = logistic_scores(x, *fit_logistic(x, y, multi_label=True), multi_label=True)
    assert multi[:, 3].max() < 1e-6


def test_out_of_fold_scores_hold_each_real_row_out_once():
    x, dataset = _data(True)
    synthetic = TextDataset(
        ["s1", "s2"], [["a"], ["b"]], multi_label=True, sources=["synthetic"] * 2
    )
    both = dataset.concat(synthetic)
    x = np.vstack([x, np.ones((2, 5))])
    targets = both.targets(both.vocabulary())
    scores, scored = out_of_fold_scores(x, both, targets, folds=3, multi_label=True, c=1.0)
    assert scored[:60].all() and not scored[60:].any()
    assert np.all(scores[60:] == 0) and np.all((scores[:60] > 0) & (scores[:60] < 1))


def test_fit_head_chooses_c_on_out_of_fold_scores():
    x, dataset = _data(True, n=90)
    head = fit_head(x, dataset, dataset.vocabulary(), c="auto", folds=3)
    assert head.c in C_GRID and head.thresholds.shape == (3,)
    assert head.oof_mask.all() and head.kernel.shape == (5, 3)
    fixed = fit_head(x, dataset, dataset.vocabulary(), c=4.0, folds=3)
    assert fixed.c == 4.0
