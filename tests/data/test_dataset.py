import numpy as np
import pandas as pd
import pytest

from genreclf.data import TextDataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.errors import TextError


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


def test_repr_is_a_summary_not_the_rows():
    # It printed every text and label: 68k characters for the 310-row sample.
    texts = [f"A long synopsis of film {i}, with a plot and a twist." for i in range(5000)]
    ds = TextDataset(texts, [["crime", "drama"], ["horror"]] * 2500, multi_label=True, path="m.csv")
    assert repr(ds) == "TextDataset(5,000 rows, 3 labels, multi-label, path='m.csv')"
    assert repr(make()) == (
        "TextDataset(3 rows, 2 labels, single-label, features=['year'], path='m.csv')"
    )
    one = TextDataset(["a"], ["x"], source_name="DataFrame")
    assert repr(one) == "TextDataset(1 row, 1 label, single-label, from a DataFrame)"


@pytest.mark.parametrize(
    "texts, match",
    [
        (pd.DataFrame({"overview": ["a", "b"]}), r"Received: a DataFrame of 2 rows and 1 column"),
        (np.array([["a"], ["b"]]), r"Received: a NumPy array of shape \(2, 1\).*ravel"),
        ("ab", r"Received: a str 'ab', one text, not a list of them: pass \[text\]"),
        ({"a": 1, "b": 2}, r"Received: a dict of 2 keys"),
        ({"a heist", "a ghost"}, r"Received: a set .*in the order of their labels"),
        (frozenset({"a", "b"}), r"Received: a frozenset .*in the order of their labels"),
    ],
)
def test_texts_must_be_one_text_per_row(texts, match):
    # A DataFrame passed the length check (len(frame)) and became its column names;
    # a str became its characters.
    with pytest.raises(ConfigError, match=match):
        TextDataset(texts, ["x", "y"])


def test_every_text_is_a_non_blank_str_named_by_index():
    # A NaN text was taken, and training failed in TensorFlow, leaving a run folder.
    with pytest.raises(TextError, match=r"^texts\[1\]: expected a synopsis with some words\. "):
        TextDataset(["a", np.nan], ["x", "y"])
    with pytest.raises(
        TextError,
        match=r"^m\.csv:2: texts\[0\]: expected a synopsis \(a str\)\. Received: b'a' \(a bytes",
    ) as caught:
        TextDataset([b"a", "b"], ["x", "y"], lines=[2, 3], path="m.csv")
    assert (caught.value.path, caught.value.line) == ("m.csv", 2)
    with pytest.raises(TextError, match=r"^texts\[1\]: .*Received: ' '\. Drop or fill in"):
        TextDataset(["a", " "], ["x", "y"])
    with pytest.raises(TextError, match=r"^texts\[0\]: .*Received: ''\."):
        TextDataset([""], ["x"])
    # Zero-width spaces and joiners show as nothing: no word to read either.
    with pytest.raises(TextError, match=r"^texts\[1\]: .*Received: '\\u200b\\u200d'\."):
        TextDataset(["a\u200bb", "\u200b\u200d"], ["x", "y"])
    with pytest.raises(TextError, match=r"^line 3: texts\[1\]: .*before making a TextDataset"):
        TextDataset(["a", "\t"], ["x", "y"], lines=[2, 3])
    with pytest.raises(TextError, match=r"^DataFrame:3: texts\[1\]"):
        TextDataset(["a", None], ["x", "y"], lines=[2, 3], source_name="DataFrame")
    with pytest.raises(
        TextError, match=r"^texts\[1\] \(index 11\): .*Received: <NA>, a missing value\."
    ):
        TextDataset(pd.Series(["a", pd.NA], dtype="string", index=[10, 11]), ["x", "y"])
    with pytest.raises(ConfigError, match=r"labels\[1\]=<NA>\. Drop the row"):  # not '<NA>'
        TextDataset(["a", "b"], pd.Series(["x", pd.NA], dtype="string"))
    series = pd.Series(["a", "b"], index=[10, 11])
    assert TextDataset(series, pd.Series(["x", "y"], index=[5, 6])).texts == ["a", "b"]
    assert TextDataset(np.array(["a", "b"]), ["x", "y"]).texts == ["a", "b"]


def test_a_bad_text_is_still_caught_as_the_config_error_it_was():
    # TextDataset raised a ConfigError for a bad text; Run.predict a DataError. One
    # class now, both: `except ConfigError` (old TextDataset code) and `except
    # DataError` (old predict code) keep catching it, and the CLI exits 1 as before.
    for caught_as in (ConfigError, DataError, ValueError):
        with pytest.raises(caught_as):
            TextDataset(["a", "  "], ["x", "y"])
    assert issubclass(TextError, DataError) and issubclass(TextError, ConfigError)


def test_a_single_label_dataset_has_one_label_per_row():
    # Several labels per row were taken, and failed at training without the row.
    with pytest.raises(ConfigError, match=r"labels\[1\]=\['crime', 'drama'\]\. .*multi_label=True"):
        TextDataset(["a", "b"], [["crime"], ["crime", "drama"]])
    with pytest.raises(ConfigError, match=r"labels\[0\]=\[\]\. Drop the row or label it"):
        TextDataset(["a"], [[]])
    multi = TextDataset(["a", "b"], [["crime"], ["crime", "drama"]], multi_label=True)
    assert multi.labels[1] == ["crime", "drama"]


def test_a_table_of_labels_is_refused_with_how_to_decode_it():
    # One-hot rows became the labels '0' and '1'.
    onehot = np.eye(3, dtype=int)
    for labels in (onehot, onehot.astype(bool), pd.DataFrame(onehot, columns=list("abc"))):
        with pytest.raises(ConfigError, match=r"a table, such as one-hot columns.*decode"):
            TextDataset(["a", "b", "c"], labels)
    with pytest.raises(ConfigError, match=r"Received: a str 'xy'"):
        TextDataset(["a", "b"], "xy")
    # Label names in a 2-D array of strings are rows of names.
    names = TextDataset(["a", "b"], np.array([["x", "y"], ["y", "z"]]), multi_label=True)
    assert names.labels == [["x", "y"], ["y", "z"]]


def test_subset_and_concat_do_not_check_the_rows_again(monkeypatch):
    ds = make()
    ds.source_name = "DataFrame"

    def fail(self):
        raise AssertionError("checked again")

    monkeypatch.setattr(TextDataset, "_check_texts", fail)
    monkeypatch.setattr(TextDataset, "_check_one_label_per_row", fail)
    part = ds.subset([2, 0])
    both = part.concat(ds)
    assert isinstance(both, TextDataset) and len(both) == 5
    assert both.labels == [["crime"], ["crime"], ["crime"], ["horror"], ["crime"]]
    assert part.source_name == both.source_name == "DataFrame"
    part.labels[0].append("drama")  # rows are copied, not shared
    assert ds.labels[2] == ["crime"]


def test_rows_without_lines_are_named_by_index_and_frame_rows_by_row_number():
    from genreclf.data import LabelVocabulary

    with pytest.raises(DataError, match=r"^field 'label': Unknown label 'musical' \(row 1\)"):
        TextDataset(["a", "b"], ["crime", "musical"]).targets(LabelVocabulary(["crime"]))
    framed = TextDataset(["a", "b"], ["crime", "musical"], lines=[1, 2], source_name="DataFrame")
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'label': Unknown label 'musical'"):
        framed.targets(LabelVocabulary(["crime"]))
    assert framed.path is None and framed.origin == "DataFrame"


def test_labels_in_a_set_have_no_order_to_pair_with_the_texts():
    with pytest.raises(ConfigError, match=r"labels must hold one label .* Received: a set"):
        TextDataset(["a heist", "a ghost"], {"crime", "horror"})


def test_subset_takes_a_boolean_mask_as_numpy_does():
    # A mask was read as row numbers, int(True) == 1: subset(mask) gave len(mask) rows,
    # each row 1 or row 0, without a word.
    dataset = make()
    picked = dataset.subset(np.array([True, False, True]))
    assert picked.texts == ["a heist", "a storm"] and picked.ids == ["1", "3"]
    assert picked.features["year"].tolist() == [1990.0, 2010.0]
    assert dataset.subset([False, True, False]).texts == ["a ghost"]
    assert dataset.subset(np.array([2, 0])).texts == ["a storm", "a heist"]
    assert dataset.subset([]).texts == []
    with pytest.raises(ConfigError, match=r"one value per row \(3\)\. Received: 2 values"):
        dataset.subset([True, False])
