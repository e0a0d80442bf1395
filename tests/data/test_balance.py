import numpy as np
import pytest

from genreclf.data import LabelVocabulary
from genreclf.data import TextDataset
from genreclf.data import class_weights
from genreclf.data import oversample
from genreclf.data import sample_weights
from genreclf.errors import ConfigError


def one_hot(classes, k):
    return np.eye(k, dtype="float32")[classes]


def test_single_label_balanced_weights_capped_and_unseen():
    y = one_hot([0] * 90 + [1] * 9 + [2], 4)  # class 3 has no rows
    weights = class_weights(y, max_weight=5.0)
    assert weights.dtype == np.float32
    np.testing.assert_allclose(weights, [100 / (4 * 90), 100 / (4 * 9), 5.0, 1.0], rtol=1e-6)


def test_balanced_classes_get_weight_one():
    weights = class_weights(one_hot([0, 1, 2] * 5, 3))
    np.testing.assert_allclose(weights, [1.0, 1.0, 1.0])


def test_multi_label_positive_weights():
    y = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0], [0, 0, 0]], dtype="float32")
    weights = class_weights(y)  # detected as multi-label
    np.testing.assert_allclose(weights, [np.sqrt(1 / 3), np.sqrt(3), 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        class_weights(y, multi_label=True, max_weight=1.5), [np.sqrt(1 / 3), 1.5, 1.0], rtol=1e-6
    )


def test_class_weights_rejects_bad_input():
    with pytest.raises(ConfigError, match=r"shape=\(3,\)"):
        class_weights(np.ones(3))
    with pytest.raises(ConfigError, match="max_weight"):
        class_weights(one_hot([0, 1], 2), max_weight=0.5)


def test_sample_weights():
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype="float32")
    np.testing.assert_allclose(sample_weights(y, [0.5, 2.0]), [0.5, 2.0, 2.0, 1.0])
    with pytest.raises(ConfigError, match="one weight per class"):
        sample_weights(y, [1.0])


def test_oversample_single_label_to_median():
    labels = [["a"]] * 10 + [["b"]] * 4 + [["c"]] * 2
    ds = TextDataset([f"t{i}" for i in range(16)], labels, ids=[str(i) for i in range(16)])
    result = oversample(ds, ds.vocabulary(), seed=0)
    assert result.label_counts() == {"a": 10, "b": 4, "c": 4}
    assert result.texts[:16] == ds.texts
    extra = result.texts[16:]
    assert len(extra) == 2 and all(t in ("t14", "t15") for t in extra)
    again = oversample(ds, ds.vocabulary(), seed=0)
    assert again.texts == result.texts


def test_oversample_explicit_target_keeps_provenance():
    ds = TextDataset(
        ["x1", "x2", "y1"], [["x"], ["x"], ["y"]], sources=["real", "real", "synthetic"]
    )
    result = oversample(ds, ds.vocabulary(), target=5)
    assert result.label_counts() == {"x": 5, "y": 5}
    assert result.sources.count("synthetic") == 5


def test_oversample_multi_label_duplicates_rows_with_rare_label():
    labels = [["a"]] * 12 + [["a", "b"]] * 6 + [["b", "r"]] + [["a", "r"]]
    ds = TextDataset([f"t{i}" for i in range(len(labels))], labels, multi_label=True)
    result = oversample(ds, ds.vocabulary(), seed=1, target=8)
    counts = result.label_counts()
    assert counts["r"] == 8 and counts["b"] >= 8
    for row in result.labels[len(ds) :]:
        assert "r" in row or "b" in row


def test_oversample_bad_target():
    ds = TextDataset(["a"], [["x"]])
    with pytest.raises(ConfigError, match="target=-1"):
        oversample(ds, ds.vocabulary(), target=-1)


def test_a_dataset_or_label_names_given_as_targets_say_how_to_make_targets():
    # class_weights(dataset) was "float() argument must be a string or a real number, not
    # 'TextDataset'"; class_weights(dataset.labels) "could not convert string to float".
    dataset = TextDataset(["a heist", "a ghost", "a duel"], ["crime", "horror", "crime"])
    with pytest.raises(
        ConfigError, match=r"not a TextDataset\. Pass its targets: dataset\.targets"
    ):
        class_weights(dataset)
    with pytest.raises(ConfigError, match=r"matrix of numbers .*Received: list \[\['crime'\]"):
        class_weights(dataset.labels)
    vocabulary = LabelVocabulary.from_rows(dataset.labels, multi_label=dataset.multi_label)
    assert class_weights(dataset.targets(vocabulary)).tolist() == pytest.approx([0.75, 1.5])
