import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.metrics import classification_report
from genreclf.metrics.paired_bootstrap import paired_bootstrap
from genreclf.metrics.scores import binarize

RNG = np.random.default_rng(0)
Y = np.eye(4, dtype="int64")[RNG.integers(0, 4, 300)]


def flipped(targets, rows):
    """`targets` with the given rows predicted as the next class instead."""
    out = targets.copy()
    out[rows] = np.roll(targets[rows], 1, axis=1)
    return out


def test_identical_predictions_differ_by_exactly_zero():
    result = paired_bootstrap(Y, flipped(Y, range(50)), flipped(Y, range(50)), resamples=200)
    for entry in result.values():
        assert entry["difference"] == entry["low"] == entry["high"] == 0.0


def test_point_values_are_the_reports_values():
    y = (RNG.random((200, 5)) < 0.3).astype("int64")
    scores_a, scores_b = RNG.random((200, 5)), RNG.random((200, 5))
    a, b = binarize(scores_a, True, 0.6), binarize(scores_b, True, 0.4)
    result = paired_bootstrap(y, a, b, metrics=("macro_f1", "micro_f1", "accuracy"), resamples=50)
    report_a = classification_report(y, scores_a, [str(k) for k in range(5)], thresholds=0.6)
    report_b = classification_report(y, scores_b, [str(k) for k in range(5)], thresholds=0.4)
    for metric, entry in result.items():
        assert entry["a"] == pytest.approx(report_a[metric])
        assert entry["b"] == pytest.approx(report_b[metric])
        assert entry["difference"] == pytest.approx(report_b[metric] - report_a[metric])


def test_a_clear_lead_excludes_zero_and_a_two_row_lead_does_not():
    worse = flipped(Y, range(0, 300, 2))  # wrong on half the rows
    clear = paired_bootstrap(Y, worse, Y, metrics="accuracy", resamples=500)["accuracy"]
    assert clear["difference"] == pytest.approx(0.5)
    assert 0.4 < clear["low"] <= clear["high"] < 0.6

    a = flipped(Y, range(0, 60))
    b = flipped(Y, range(2, 60))  # right on two more rows of 300
    close = paired_bootstrap(Y, a, b, metrics="accuracy", resamples=500)["accuracy"]
    assert close["difference"] == pytest.approx(2 / 300)
    assert close["low"] <= 0.0 < close["high"]


def test_the_seed_fixes_the_interval_and_a_higher_confidence_widens_it():
    a, b = flipped(Y, range(0, 90)), flipped(Y, range(30, 100))
    first = paired_bootstrap(Y, a, b, resamples=300, seed=3)["macro_f1"]
    assert paired_bootstrap(Y, a, b, resamples=300, seed=3)["macro_f1"] == first
    wide = paired_bootstrap(Y, a, b, resamples=300, seed=3, confidence=0.99)["macro_f1"]
    assert wide["low"] <= first["low"] and wide["high"] >= first["high"]
    assert wide["high"] - wide["low"] > first["high"] - first["low"]


def test_rare_macro_f1_is_the_reports_over_the_given_classes():
    labels = ["action", "comedy", "drama", "horror"]
    y = Y.copy()
    y[:280] = np.eye(4, dtype="int64")[np.arange(280) % 2]  # classes 2 and 3 are rare
    scores_a, scores_b = RNG.random((300, 4)), RNG.random((300, 4))
    a, b = binarize(scores_a, False), binarize(scores_b, False)
    report_a = classification_report(y, scores_a, labels)
    report_b = classification_report(y, scores_b, labels)
    rare = [labels.index(name) for name in report_a["rare_classes"]]
    assert rare and set(rare) <= {2, 3}
    result = paired_bootstrap(y, a, b, metrics="rare_macro_f1", resamples=50, rare_classes=rare)
    assert result["rare_macro_f1"]["a"] == pytest.approx(report_a["rare_macro_f1"])
    assert result["rare_macro_f1"]["b"] == pytest.approx(report_b["rare_macro_f1"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"predictions_b": Y[:10]}, r"same rows.*predictions_b.shape=\(10, 4\)"),
        ({"metrics": ("auc",)}, r"Received: metrics=\('auc',\)"),
        ({"confidence": 95}, r"between 0 and 1.*Received: confidence=95"),
        ({"resamples": 1}, r"Received: resamples=1"),
        ({"metrics": "rare_macro_f1"}, r"needs the rare classes.*Received: rare_classes=None"),
        ({"predictions_a": Y * 0.6}, r"0/1 values in `predictions_a`.*0.6.*binarize"),
        ({"rare_classes": [4]}, r"indices in \[0, 4\).*Received: rare_classes=\[4\]"),
    ],
)
def test_bad_arguments_say_what_was_expected(kwargs, message):
    arguments = {"y_true": Y, "predictions_a": Y, "predictions_b": Y, **kwargs}
    with pytest.raises(ConfigError, match=message):
        paired_bootstrap(**arguments)
