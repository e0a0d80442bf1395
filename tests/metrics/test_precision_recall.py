import numpy as np
import pytest
from sklearn.metrics import precision_score
from sklearn.metrics import recall_score

from genreclf.metrics import MacroPrecision
from genreclf.metrics import MacroRecall

K = 6


def data(seed, multi_label, n=75):
    rng = np.random.default_rng(seed)
    if multi_label:
        y_true = (rng.random((n, K)) < np.linspace(0.05, 0.5, K)).astype("float32")
        scores = np.clip(0.6 * rng.random((n, K)) + 0.3 * y_true, 0, 1)
    else:
        # The last class never occurs: its recall is 0/0 -> 0 and it still counts.
        y_true = np.eye(K, dtype="float32")[rng.integers(0, K - 1, size=n)]
        scores = rng.random((n, K)) + 0.5 * y_true
    return y_true, scores.astype("float32")


def stream(metric, y_true, scores, batch_size=10):
    for start in range(0, len(y_true), batch_size):
        metric.update_state(y_true[start : start + batch_size], scores[start : start + batch_size])
    return float(metric.result())


@pytest.mark.parametrize("multi_label", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "metric_class, sklearn_score",
    [(MacroPrecision, precision_score), (MacroRecall, recall_score)],
)
def test_matches_sklearn_macro_average(metric_class, sklearn_score, multi_label, seed):
    y_true, scores = data(seed, multi_label)
    if multi_label:
        expected = sklearn_score(y_true, scores >= 0.5, average="macro", zero_division=0)
    else:
        expected = sklearn_score(
            y_true.argmax(1),
            scores.argmax(1),
            labels=list(range(K)),
            average="macro",
            zero_division=0,
        )
    metric = metric_class(num_classes=K, multi_label=multi_label)
    assert stream(metric, y_true, scores) == pytest.approx(expected, abs=1e-6)


def test_unpredicted_class_has_zero_precision():
    metric = MacroPrecision(num_classes=2)
    metric.update_state([[1.0, 0.0], [0.0, 1.0]], [[0.9, 0.1], [0.6, 0.4]])
    assert float(metric.result()) == pytest.approx(0.25)


def test_recall_ignores_threshold_when_single_label():
    metric = MacroRecall(num_classes=2, threshold=0.99)
    metric.update_state([[1.0, 0.0], [0.0, 1.0]], [[0.6, 0.4], [0.4, 0.6]])
    assert float(metric.result()) == pytest.approx(1.0)
