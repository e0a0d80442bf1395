import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.metrics import precision_recall_fscore_support

from genreclf.errors import ConfigError
from genreclf.metrics.scores import averaged_scores
from genreclf.metrics.scores import binarize
from genreclf.metrics.scores import class_counts
from genreclf.metrics.scores import per_class_scores


def test_per_class_and_averages_match_sklearn():
    rng = np.random.default_rng(0)
    y_true = (rng.random((50, 4)) < 0.3).astype("float32")
    y_true[:, 3] = 0  # a class without support
    y_pred = binarize(rng.random((50, 4)), multi_label=True, thresholds=[0.5, 0.6, 0.7, 0.99])
    tp, fp, fn = class_counts(y_true, y_pred)
    ours = per_class_scores(tp, fp, fn)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    np.testing.assert_allclose(ours["precision"], p)
    np.testing.assert_allclose(ours["recall"], r)
    np.testing.assert_allclose(ours["f1"], f)
    np.testing.assert_array_equal(ours["support"], s)
    averages = averaged_scores(tp, fp, fn)
    for average in ("macro", "micro", "weighted"):
        assert averages[f"{average}_f1"] == pytest.approx(
            f1_score(y_true, y_pred, average=average, zero_division=0)
        )


def test_weighted_average_without_support_is_zero():
    assert averaged_scores([0, 0], [1, 2], [0, 0])["weighted_f1"] == 0.0


def test_binarize_rejects_wrong_threshold_count():
    with pytest.raises(ConfigError, match="Received"):
        binarize([[0.1, 0.2, 0.3]], multi_label=True, thresholds=[0.5, 0.5])


def test_class_counts_rejects_shape_mismatch():
    with pytest.raises(ConfigError, match="same shape"):
        class_counts([[1, 0]], [[1, 0, 0]])
