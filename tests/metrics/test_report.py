import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.metrics import f1_score

from genreclf.data.labels import LabelVocabulary
from genreclf.errors import ConfigError
from genreclf.metrics import classification_report
from genreclf.metrics import format_summary

LABELS = ["action", "comedy", "drama"]
TRUE_IDS = [0, 0, 0, 1, 1, 2]
PRED_IDS = [0, 0, 1, 1, 2, 2]


def single_label_example():
    y_true = np.eye(3, dtype="float32")[TRUE_IDS]
    scores = np.full((6, 3), 0.1, dtype="float32")
    scores[np.arange(6), PRED_IDS] = 0.8
    return y_true, scores


def test_single_label_report_hand_checked():
    y_true, scores = single_label_example()
    report = classification_report(y_true, scores, LabelVocabulary(LABELS))
    assert list(report) == [
        "num_examples",
        "multi_label",
        "accuracy",
        "macro_f1",
        "micro_f1",
        "weighted_f1",
        "macro_precision",
        "macro_recall",
        "rare_classes",
        "rare_macro_f1",
        "per_class",
        "confusion",
        "labels",
    ]
    assert report["num_examples"] == 6
    assert report["multi_label"] is False
    assert report["labels"] == LABELS
    # action: TP 2, FP 0, FN 1; comedy: TP 1, FP 1, FN 1; drama: TP 1, FP 1, FN 0.
    assert report["per_class"]["action"] == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3}
    )
    assert report["per_class"]["comedy"] == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    )
    assert report["per_class"]["drama"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1}
    )
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["micro_f1"] == pytest.approx(4 / 6)
    assert report["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report["weighted_f1"] == pytest.approx((3 * 0.8 + 2 * 0.5 + 2 / 3) / 6)
    assert report["macro_precision"] == pytest.approx(2 / 3)
    assert report["macro_recall"] == pytest.approx((2 / 3 + 0.5 + 1.0) / 3)
    assert report["confusion"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    # The lowest quartile of 3 classes by support, rounded up: drama alone.
    assert report["rare_classes"] == ["drama"]
    assert report["rare_macro_f1"] == pytest.approx(2 / 3)
    json.dumps(report, allow_nan=False)  # JSON-ready: plain Python types only
    assert all(type(v) is int for row in report["confusion"] for v in row)


def test_multi_label_report_hand_checked_with_thresholds():
    vocab = LabelVocabulary(["a", "b"], multi_label=True)
    y_true = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype="float32")
    scores = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8], [0.1, 0.6]], dtype="float32")
    default = classification_report(y_true, scores, vocab)
    assert "confusion" not in default
    assert default["per_class"]["a"] == pytest.approx(
        {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "threshold": 0.5}
    )
    assert default["per_class"]["b"]["f1"] == pytest.approx(0.5)
    assert default["accuracy"] == pytest.approx(0.5)  # subset accuracy
    tuned = classification_report(y_true, scores, vocab, thresholds=[0.5, 0.35])
    assert tuned["per_class"]["b"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2, "threshold": 0.35}
    )
    assert tuned["accuracy"] == pytest.approx(0.75)
    assert tuned["macro_f1"] == pytest.approx(0.9)


def test_report_matches_sklearn_on_random_data():
    rng = np.random.default_rng(0)
    labels = [f"genre{k:02d}" for k in range(12)]
    ids = rng.choice(12, size=300, p=np.arange(1, 13) / 78)
    y_true = np.eye(12, dtype="float32")[ids]
    scores = rng.random((300, 12)) + 0.6 * y_true
    report = classification_report(y_true, scores, labels)
    predicted = scores.argmax(1)
    assert report["accuracy"] == pytest.approx(accuracy_score(ids, predicted))
    for average in ("macro", "micro", "weighted"):
        assert report[f"{average}_f1"] == pytest.approx(
            f1_score(ids, predicted, labels=range(12), average=average, zero_division=0)
        )
    assert len(report["rare_classes"]) == 3
    supports = [report["per_class"][name]["support"] for name in labels]
    rare_supports = [report["per_class"][name]["support"] for name in report["rare_classes"]]
    assert rare_supports == sorted(supports)[:3]
    assert np.sum(report["confusion"]) == 300


def test_rare_classes_by_name_and_by_fraction():
    y_true, scores = single_label_example()
    by_name = classification_report(y_true, scores, LABELS, rare_classes=["comedy", "drama"])
    assert by_name["rare_classes"] == ["drama", "comedy"]  # rarest first
    assert by_name["rare_macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    none = classification_report(y_true, scores, LABELS, rare_fraction=0.0)
    assert none["rare_classes"] == [] and none["rare_macro_f1"] is None
    with pytest.raises(ConfigError, match="unknown names"):
        classification_report(y_true, scores, LABELS, rare_classes=["horror"])


def test_mode_is_inferred_from_targets_for_a_list_of_names():
    y_true = np.array([[1, 1], [0, 1]], dtype="float32")
    report = classification_report(y_true, [[0.9, 0.9], [0.1, 0.9]], ["a", "b"])
    assert report["multi_label"] is True
    assert report["accuracy"] == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scores": np.zeros((6, 2))}, "scores.shape"),
        ({"thresholds": [0.5, 0.5, 0.5]}, "arg-max"),
        ({"rare_fraction": 1.5}, "rare_fraction"),
        ({"scores": np.full((6, 3), np.nan)}, "finite"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs, match):
    y_true, scores = single_label_example()
    arguments = {"y_true": y_true, "scores": scores, "vocabulary": LabelVocabulary(LABELS)}
    arguments.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        classification_report(**arguments)


def test_single_label_vocabulary_rejects_multi_hot_rows():
    with pytest.raises(ConfigError, match="exactly one label"):
        classification_report([[1, 1]], [[0.5, 0.5]], LabelVocabulary(["a", "b"]))


def test_format_summary_names_metrics_rare_and_weakest_classes():
    y_true, scores = single_label_example()
    text = format_summary(classification_report(y_true, scores, LABELS))
    lines = text.splitlines()
    assert lines[0] == "6 examples, single-label, 3 classes"
    assert "  accuracy         0.6667" in lines
    assert any(line.startswith("  macro_f1") and "0.6556" in line for line in lines)
    assert "(1 rare: drama)" in text
    assert lines[-1].split() == ["weakest", "comedy", "0.50,", "drama", "0.67,", "action", "0.80"]


def test_format_summary_shows_cross_validation_mean_and_std():
    y_true, scores = single_label_example()
    report = classification_report(y_true, scores, LABELS)
    report["cross_validation"] = {"k": 5, "summary": {"macro_f1": {"mean": 0.5, "std": 0.25}}}
    assert "  cv_macro_f1      0.5000 ± 0.2500  (5 folds)" in format_summary(report)


def test_format_summary_says_which_rows_scored_a_runs_metrics():
    y_true, scores = single_label_example()
    report = classification_report(y_true, scores, LABELS)
    assert "scored on" not in format_summary(report)
    report["evaluated_on"] = "5-fold out-of-fold scores of the training rows"
    lines = format_summary(report).splitlines()
    assert lines[1] == "  scored on        5-fold out-of-fold scores of the training rows"


def test_rare_classes_are_chosen_among_the_classes_with_rows():
    # Classes without a row in the data scored were the rarest "rare" classes: their F1 of 0
    # pulled the rare-class F1 down, as if the model had missed rows that were never there.
    labels = ["action", "comedy", "drama", "horror", "war", "western", "noir", "spy"]
    ids = [0] * 6 + [1] * 4 + [2] * 3 + [3] * 2 + [4]  # noir, spy, western: no rows
    y_true = np.eye(8, dtype="float32")[ids]
    scores = y_true * 0.8 + 0.01  # every row right
    report = classification_report(y_true, scores, labels)
    # The lowest quartile of the 5 classes with rows, rounded up: war and horror.
    assert report["rare_classes"] == ["war", "horror"]
    assert report["rare_macro_f1"] == pytest.approx(1.0)
    assert report["classes_without_rows"] == ["western", "noir", "spy"]
    assert report["macro_f1"] == pytest.approx(5 / 8)  # scikit-learn's average, as before
    named = classification_report(y_true, scores, labels, rare_classes=["spy", "war"])
    assert named["rare_classes"] == ["war"] and named["rare_macro_f1"] == pytest.approx(1.0)
    text = format_summary(report)
    assert "(2 rare: war, horror)" in text
    assert "  without rows     western, noir, spy  (macro-F1 counts each as 0)" in text
    assert "western" not in text.splitlines()[-1]  # weakest: of the classes with rows
    every = classification_report(*single_label_example(), LABELS)
    assert "classes_without_rows" not in every and "without rows" not in format_summary(every)
