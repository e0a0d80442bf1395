import numpy as np
import pytest
from sklearn.metrics import f1_score

from genreclf.errors import ConfigError
from genreclf.metrics import tune_thresholds


def shifted_scores(seed, n=200):
    """Class 0's scores sit low (its positives score ~0.3), class 2's sit high."""
    rng = np.random.default_rng(seed)
    y_true = (rng.random((n, 3)) < [0.15, 0.4, 0.3]).astype("float32")
    noise = rng.normal(scale=0.06, size=(n, 3))
    centers = np.where(y_true == 1, [0.30, 0.70, 0.90], [0.10, 0.30, 0.60])
    return y_true, np.clip(centers + noise, 0.0, 1.0)


def macro_f1(y_true, scores, thresholds):
    return f1_score(y_true, scores >= thresholds, average="macro", zero_division=0)


def test_tuning_improves_macro_f1_on_validation_and_held_out_data():
    y_val, s_val = shifted_scores(0)
    y_test, s_test = shifted_scores(1)
    thresholds = tune_thresholds(y_val, s_val)
    assert thresholds.dtype == np.float32 and thresholds.shape == (3,)
    assert 0.12 < thresholds[0] < 0.3
    assert 0.6 < thresholds[2] < 0.9
    assert macro_f1(y_val, s_val, thresholds) > macro_f1(y_val, s_val, 0.5) + 0.3
    assert macro_f1(y_test, s_test, thresholds) > macro_f1(y_test, s_test, 0.5) + 0.3


def test_each_threshold_is_the_best_candidate_for_its_class():
    rng = np.random.default_rng(2)
    y_true = (rng.random((60, 4)) < 0.35).astype("float32")
    scores = np.clip(rng.random((60, 4)) * 0.7 + 0.25 * y_true, 0, 1)
    thresholds = tune_thresholds(y_true, scores)
    for k in range(4):
        # Every distinct score is a candidate here: the true optimum.
        predicted = scores[:, k][:, None] >= np.unique(scores[:, k])[None, :]
        positive = y_true[:, k][:, None] == 1
        tp = np.sum(predicted & positive, axis=0)
        best = np.max(2 * tp / (np.sum(predicted, axis=0) + np.sum(positive)))
        ours = f1_score(y_true[:, k], scores[:, k] >= thresholds[k], zero_division=0)
        # The candidates are a grid plus quantiles, not every score: close to the optimum.
        assert ours >= best - 0.03


def test_class_without_positives_keeps_one_half():
    y_true = np.array([[1, 0], [0, 0], [1, 0]], dtype="float32")
    scores = np.array([[0.2, 0.9], [0.1, 0.8], [0.3, 0.7]])
    thresholds = tune_thresholds(y_true, scores)
    assert thresholds[1] == pytest.approx(0.5)
    assert thresholds[0] != pytest.approx(0.5)


def test_ties_go_to_the_threshold_closest_to_one_half():
    # Perfect separation for any threshold in (0.1, 0.9]: 0.5 itself wins.
    y_true = np.array([[1], [0], [1], [0]], dtype="float32")
    scores = np.array([[0.9], [0.1], [0.95], [0.05]])
    assert tune_thresholds(y_true, scores)[0] == pytest.approx(0.5)
    # Separation only in (0.1, 0.2]: the candidate nearest 0.5 is 0.2.
    scores = np.array([[0.2], [0.1], [0.25], [0.05]])
    assert tune_thresholds(y_true, scores, grid=[0.15, 0.2, 0.3])[0] == pytest.approx(0.2)


def test_custom_grid_and_empty_input():
    y_true = np.zeros((0, 2), dtype="float32")
    assert tune_thresholds(y_true, np.zeros((0, 2))).tolist() == [0.5, 0.5]
    with pytest.raises(ConfigError, match="grid"):
        tune_thresholds([[1.0]], [[0.5]], grid=[])


@pytest.mark.parametrize(
    "y_true, scores",
    [([[1, 0]], [[0.5, 0.5, 0.5]]), ([1, 0], [0.5, 0.5]), ([[1, 0]], [[np.nan, 0.5]])],
)
def test_bad_inputs_raise_config_error(y_true, scores):
    with pytest.raises(ConfigError, match="Received"):
        tune_thresholds(y_true, scores)
