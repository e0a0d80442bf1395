"""`expected_calibration_error` / `reliability_bins` against hand-computed examples."""

import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.metrics.calibration_error import expected_calibration_error
from genreclf.metrics.calibration_error import reliability_bins


def test_single_label_ece_by_hand():
    # Top labels: 0.9 right, 0.8 wrong, 0.55 right, 0.5 wrong, 0.95 right.
    y_true = np.eye(2)[[0, 1, 1, 1, 1]]
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.45, 0.55], [0.5, 0.5], [0.05, 0.95]])
    # 15 bins of width 1/15; 0.5 sits on no edge. Bins: (0.4667, 0.5333]: {0.5 wrong},
    # (0.5333, 0.6]: {0.55 right}, (0.7333, 0.8]: {0.8 wrong}, (0.8667, 0.9333]: {0.9 right},
    # (0.9333, 1]: {0.95 right}.
    # ECE = (|0 - .5| + |1 - .55| + |0 - .8| + |1 - .9| + |1 - .95|) / 5 = 1.9 / 5
    assert expected_calibration_error(y_true, scores, multi_label=False) == pytest.approx(0.38)
    table = reliability_bins(y_true, scores, multi_label=False)
    assert table["count"] == [1, 1, 1, 1, 1]
    assert table["frequency"] == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert table["num_predictions"] == 5 and table["bins"] == 15


def test_multi_label_pools_every_example_class_pair():
    y_true = np.array([[1, 0], [1, 1]])
    scores = np.array([[0.7, 0.1], [0.7, 0.7]])
    # Pairs: bin (0.6667, 0.7333] holds 0.7 (pos), 0.7 (pos), 0.7 (pos); bin (0.0667, 0.1333]
    # holds 0.1 (neg). ECE = 3/4 * |1 - 0.7| + 1/4 * |0 - 0.1| = 0.25
    assert expected_calibration_error(y_true, scores, multi_label=True) == pytest.approx(0.25)
    assert reliability_bins(y_true, scores, multi_label=True)["count"] == [1, 3]


def test_a_perfectly_calibrated_bin_has_no_error():
    y_true = np.array([[1, 0]] * 3 + [[0, 1]] * 1)
    scores = np.array([[0.75, 0.25]] * 4)
    assert expected_calibration_error(y_true, scores, multi_label=False) == pytest.approx(0.0)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ConfigError, match="same, non-empty shape"):
        expected_calibration_error([[1, 0]], [[0.5, 0.5, 0.0]], multi_label=False)
    with pytest.raises(ConfigError, match="finite scores"):
        expected_calibration_error([[1, 0]], [[np.nan, 0.5]], multi_label=False)
    with pytest.raises(ConfigError, match="at least one bin"):
        reliability_bins([[1, 0]], [[0.5, 0.5]], multi_label=False, bins=0)
