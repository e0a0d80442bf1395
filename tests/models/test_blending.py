"""`genreclf.models.blending`: weights of score heads chosen out of fold."""

import numpy as np
import pytest

from genreclf.models.blending import blend_candidates
from genreclf.models.blending import choose_blend
from genreclf.models.blending import simplex_grid


def test_blend_weight_follows_the_better_head():
    targets = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    good = targets * 0.8 + 0.1
    noise = np.random.default_rng(0).random((6, 3))
    weights, thresholds, score = choose_blend([good, noise], targets, multi_label=False)
    assert weights[0] >= 0.5 and score == 1.0 and thresholds is None
    weights, thresholds, _ = choose_blend([noise, good, noise], targets, multi_label=True)
    assert weights[1] >= 0.5 and thresholds.shape == (3,) and abs(sum(weights) - 1) < 1e-9


def test_simplex_grid_covers_every_blend_once():
    grid = simplex_grid(3)
    assert len(grid) == 66 == len(set(grid))
    assert all(abs(sum(w) - 1) < 1e-9 and min(w) >= 0 for w in grid)
    assert (0.0, 0.0, 1.0) in grid and (0.3, 0.3, 0.4) in grid


def test_a_micro_floor_passes_over_blends_less_accurate_than_it():
    truth = np.array([0] * 8 + [1] * 2)
    targets = np.eye(2)[truth]
    frequent = np.tile([0.9, 0.1], (10, 1))  # every row to class 0: accuracy 0.8
    rare = targets * 0.6 + 0.2
    rare[:4] = [0.0, 1.0]  # finds class 1, and claims four class-0 rows: accuracy 0.6
    free = choose_blend([frequent, rare], targets, multi_label=False)
    floored = choose_blend([frequent, rare], targets, multi_label=False, micro_floor=0.8)
    candidates = {c["weights"]: c for c in blend_candidates([frequent, rare], targets, False)}
    assert candidates[free[0]]["micro_f1"] < 0.8 <= candidates[floored[0]]["micro_f1"]
    assert free[2] > floored[2]
    unreachable = choose_blend([frequent, rare], targets, multi_label=False, micro_floor=2.0)
    assert unreachable == free  # a floor no blend reaches is dropped


def test_multi_label_candidates_report_thresholded_micro_f1():
    from sklearn.metrics import f1_score

    targets = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype="float32")
    scores = np.random.default_rng(1).random((4, 3))
    (candidate,) = blend_candidates([scores], targets, multi_label=True)
    predicted = scores >= candidate["thresholds"]
    assert candidate["micro_f1"] == f1_score(targets, predicted, average="micro")


def test_one_weight_per_input_or_a_clear_error():
    from genreclf.errors import ConfigError
    from genreclf.models.blending import WeightedScores

    ones = np.ones((1, 2), "float32")
    for inputs in ([ones], [ones] * 3):  # one input summed silently; three hit an index error
        with pytest.raises(ConfigError, match=rf"Received: len\(inputs\)={len(inputs)}"):
            WeightedScores([0.5, 0.5])(inputs)
