"""bench/platt_few_rows.py: its per-class measures, and the two fits it compares."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from platt_few_rows import apply  # noqa: E402
from platt_few_rows import genreclf_platt  # noqa: E402
from platt_few_rows import per_class  # noqa: E402
from platt_few_rows import sklearn_platt  # noqa: E402


def test_per_class_measures_match_their_definitions():
    p = np.array([[0.05, 0.9], [0.95, 0.2], [0.5, 0.6], [0.52, 0.1]])
    y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    brier, ece, loss = per_class(p, y)
    np.testing.assert_allclose(brier, ((p - y) ** 2).mean(axis=0))
    np.testing.assert_allclose(loss, -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=0))
    # class 0: bins {0.05}, {0.95}, {0.5, 0.52} (bin 7): |0.05|, |0.05|, |1.02 - 1| over 4 rows
    np.testing.assert_allclose(ece[0], (0.05 + 0.05 + 0.02) / 4)


def test_a_rare_class_keeps_a_slope_near_the_identity_only_with_the_prior():
    rng = np.random.default_rng(2)
    y = np.zeros((70, 1))
    y[:2] = 1  # two positives among 70 rows, their scores barely apart from the rest
    scores = rng.uniform(0.05, 0.6, size=(70, 1))
    scores[:2] += 0.1
    old, _ = sklearn_platt(scores, y)
    new, _ = genreclf_platt(scores, y)
    assert old[0] < 0.3 < 0.6 < new[0]  # C=1: nearly constant; the prior: 0.76
    calibrated = apply(scores, *genreclf_platt(scores, y))
    assert np.all(np.diff(calibrated[np.argsort(scores[:, 0]), 0]) >= 0)  # monotone
