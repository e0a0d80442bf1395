import numpy as np
import pytest

from genreclf.data import TextDataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def make():
    return TextDataset(
        ["a heist", "a ghost", "a storm"],
        [["crime"], "horror", ["crime"]],
        ids=["1", "2", "3"],
        lines=[2, 3, 5],
        sources=["real", "real", "synthetic"],
        features={"year": [1990.0, 2000.0, 2010.0]},
        path="m.csv",
    )


def test_labels_are_lists_and_counts():
    ds = make()
    assert ds.labels == [["crime"], ["horror"], ["crime"]]
    assert ds.label_counts() == {"crime": 2, "horror": 1}
    assert ds.vocabulary().labels == ["crime", "horror"]
    assert ds.is_synthetic().tolist() == [False, False, True]


def test_integer_labels_are_their_names():
    # A flat list of ids raised TypeError, and nested ids failed training with
    # "Unknown label 0 ... Expected one of ['0', '1']".
    ds = TextDataset(["a", "b", "c"], [0, np.int64(1), 0])
    assert ds.labels == [["0"], ["1"], ["0"]]
    assert ds.targets(ds.vocabulary()).tolist() == [[1, 0], [0, 1], [1, 0]]
    multi = TextDataset(["a", "b"], [[0, 2], np.array([1])], multi_label=True)
    assert multi.labels == [["0", "2"], ["1"]]
    with pytest.raises(ConfigError, match="Received: labels\\[1\\]=None"):
        TextDataset(["a", "b"], ["x", None])


def test_subset_and_concat_keep_columns():
    ds = make()
    part = ds.subset([2, 0])
    assert part.texts == ["a storm", "a heist"]
    assert part.lines == [5, 2]
    np.testing.assert_allclose(part.features["year"], [2010.0, 1990.0])
    both = part.concat(ds.subset([1]))
    assert both.ids == ["3", "1", "2"]
    assert both.sources == ["synthetic", "real", "real"]


def test_targets_name_file_and_line_for_unknown_labels():
    ds = make()
    from genreclf.data import LabelVocabulary

    with pytest.raises(DataError, match=r"m\.csv:3: field 'label'"):
        ds.targets(LabelVocabulary(["crime"]))


def test_fingerprint_depends_on_order_and_labels():
    ds = make()
    assert ds.fingerprint() == make().fingerprint()
    assert ds.fingerprint() != ds.subset([1, 0, 2]).fingerprint()


def test_length_mismatch():
    with pytest.raises(ConfigError, match="same length"):
        TextDataset(["a"], [])
    with pytest.raises(ConfigError, match="one value per text"):
        TextDataset(["a"], [["x"]], features={"year": [1, 2]})
