"""bench/saved_scores.py: held-out scores written per part and read back as written."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from saved_scores import read_scores  # noqa: E402
from saved_scores import write_scores  # noqa: E402


def test_scores_and_thresholds_come_back_as_written(tmp_path):
    rng = np.random.default_rng(0)
    targets = (rng.random((5, 3)) > 0.5).astype("float32")
    models = {
        "(a) tfidf+lr": (rng.random((5, 3)), [0.3, 0.4, 0.5]),
        "genreclf auto (stack)": (rng.random((5, 3)), 0.5),  # one threshold for every class
        "(c) avg(a,b)": (rng.random((5, 3)), None),
    }
    path = tmp_path / "parts" / "tmdb_genres-f0.npz"
    write_scores(path, ["action", "comedy", "drama"], targets, models)
    labels, read_targets, read = read_scores(path)
    assert labels == ["action", "comedy", "drama"] and list(read) == list(models)
    np.testing.assert_array_equal(read_targets, targets)
    for name, (scores, thresholds) in models.items():
        np.testing.assert_allclose(read[name][0], scores, rtol=1e-6)
        if thresholds is None:
            assert read[name][1] is None
        else:
            np.testing.assert_allclose(read[name][1], np.broadcast_to(thresholds, (3,)))
    with np.load(path, allow_pickle=False) as saved:  # plain arrays: no pickle needed
        assert saved["scores_0"].dtype == np.float32


def test_scores_of_another_shape_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match=r"genreclf ngram: .*Received: scores.shape=\(4, 3\)"):
        write_scores(
            tmp_path / "x.npz",
            ["a", "b", "c"],
            np.eye(3),
            {"genreclf ngram": (np.ones((4, 3)), None)},
        )
    assert not (tmp_path / "x.npz").exists()


def test_the_module_example_runs():
    import doctest

    import saved_scores

    assert doctest.testmod(saved_scores).failed == 0
