import numpy as np

from genreclf.metrics.thresholds import tune_thresholds
from genreclf.metrics.thresholds import tune_thresholds_shrunk


def test_rare_classes_move_toward_the_global_threshold_common_ones_keep_theirs():
    rng = np.random.default_rng(0)
    n = 400
    common = rng.random(n) < 0.5
    rare = np.zeros(n, dtype=bool)
    rare[:3] = True
    y = np.stack([common, rare], axis=1).astype("float32")
    scores = np.stack(
        [
            np.where(common, 0.6, 0.2) + rng.normal(0, 0.05, n),
            np.where(rare, 0.9, 0.1) + rng.normal(0, 0.05, n),
        ],
        axis=1,
    )
    own = tune_thresholds(y, scores)
    shrunk = tune_thresholds_shrunk(y, scores, strength=20)
    assert abs(shrunk[0] - own[0]) < 0.02  # 200 positives: its own cut
    assert abs(shrunk[1] - own[1]) > abs(
        shrunk[0] - own[0]
    )  # 3 positives: pulled toward the global cut


def test_no_positives_at_all_keeps_the_defaults():
    y = np.zeros((4, 2), dtype="float32")
    assert tune_thresholds_shrunk(y, np.full((4, 2), 0.3)).tolist() == [0.5, 0.5]
