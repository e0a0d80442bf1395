"""`genreclf.models.blending`: weights of score heads chosen out of fold."""

import numpy as np

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
