"""`TextDataset[key]` and iteration (`genreclf.data.dataset_rows`)."""

import logging

import numpy as np
import pandas as pd
import pytest

from genreclf.data import TextDataset
from genreclf.data import load_dataset
from genreclf.data.examples import Example
from genreclf.errors import ConfigError
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
        read_options={"text": "overview", "label": "genre"},
    )


@pytest.mark.parametrize(
    "key, texts",
    [
        (slice(None, 2), ["a heist", "a ghost"]),
        (slice(None, None, -1), ["a storm", "a ghost", "a heist"]),
        (slice(5, None), []),
        ([2, 0], ["a storm", "a heist"]),
        (np.array([-1]), ["a storm"]),
        ([True, False, True], ["a heist", "a storm"]),
        (np.array([False, True, False]), ["a ghost"]),
        (pd.Series([False, False, True]), ["a storm"]),
        (pd.Series([1, 2], index=[10, 11]), ["a ghost", "a storm"]),  # by position, as iloc
    ],
)
def test_slices_row_numbers_and_masks_give_a_dataset_as_subset_does(key, texts):
    dataset = make()
    picked = dataset[key]
    assert isinstance(picked, TextDataset) and picked.texts == texts
    expected = dataset.subset(range(3)[key] if isinstance(key, slice) else key)
    assert picked.labels == expected.labels and picked.lines == expected.lines
    assert picked.ids == expected.ids and picked.sources == expected.sources
    np.testing.assert_array_equal(picked.features["year"], expected.features["year"])
    assert picked.path == "m.csv" and picked.read_options == dataset.read_options


def test_an_int_gives_one_row_and_iterating_gives_every_row_in_order():
    dataset = make()
    row = dataset[1]
    assert row == Example("a ghost", ["horror"], 3, "2", "real", {"year": 2000.0})
    assert type(row.features["year"]) is float  # a Python value, not a NumPy scalar
    assert dataset[-1] == dataset[np.int64(2)] and dataset[-1].source == "synthetic"
    rows = list(dataset)
    assert rows == [dataset[i] for i in range(len(dataset))]
    assert [(r.text, r.labels) for r in dataset] == list(zip(dataset.texts, dataset.labels))
    row.labels.append("drama")  # a row's labels are a copy
    assert dataset.labels[1] == ["horror"]
    bare = TextDataset(["a heist"], ["crime"])
    assert list(bare) == [Example("a heist", ["crime"], None, None, "real", None)]


@pytest.mark.parametrize("key", [3, -4, [0, 3], np.array([-4])])
def test_a_row_number_out_of_range_is_an_index_error(key):
    with pytest.raises(IndexError, match=r"out of range: the dataset has 3 rows \(0 to 2, or -3"):
        make()[key]
    with pytest.raises(IndexError, match=r"Row 0 is out of range: the dataset has no rows\."):
        TextDataset([], [])[0]


@pytest.mark.parametrize(
    "key, fix",
    [
        ("overview", r"Its texts are an attribute: data\.texts\."),
        ("text", r"Its texts are an attribute: data\.texts\."),
        ("genre", r"Its labels are an attribute: data\.labels"),
        ("year", r"data\.features\['year'\]"),
        ("ids", r"data\.ids"),
        ("plot", r"Its columns are attributes: data\.texts, data\.labels, data\.ids"),
    ],
)
def test_a_column_name_says_which_attribute_holds_the_column(key, fix):
    with pytest.raises(ConfigError, match=r"takes rows by position, not a column name\. Received: "
                       rf"key='{key}'\. .*{fix}.* Rows: data\[:100\], data\[mask\]"):  # fmt: skip
        make()[key]
    with pytest.raises(ConfigError, match=r"not column names\. Received: key=\['overview', 'genre"):
        make()[["overview", "genre"]]


@pytest.mark.parametrize(
    "key, received",
    [
        ((0, "text"), r"key=\(0, 'text'\) \(a tuple\)"),
        ((slice(None), 0), r"key=\(slice"),
        (1.5, r"key=1\.5 \(a float\)"),
        (np.array([0.0, 1.0]), r"key=array\(\[0\., 1\.\]\)"),
        (True, r"key=True \(a bool\)"),
        (None, r"key=None\. "),
        ({0, 1}, r"key=\{0, 1\} \(a set\)"),
    ],
)
def test_a_key_that_is_no_row_position_is_refused_saying_what_is(key, received):
    with pytest.raises(ConfigError, match=rf"takes one row position: an int, a slice, a list or "
                       rf"array of row numbers, or a boolean mask\. Received: {received}"):  # fmt: skip
        make()[key]
    with pytest.raises(ConfigError, match=r"one value per row \(3\)\. Received: 2 values"):
        make()[[True, False]]


def test_a_dataset_passed_where_texts_go_names_its_rows_and_data_texts():
    # Iterating a dataset gives its rows: as texts they are refused with the way to its texts.
    from genreclf.texts_in import texts_in

    dataset = make()
    with pytest.raises(ConfigError, match=r"run\.predict\(\) takes texts, not a TextDataset "
                       r"\(iterating one gives its rows\)\. Received: a TextDataset of 3 rows\. "
                       r"Pass its texts, e\.g\. run\.predict\(data\.texts\)\."):  # fmt: skip
        texts_in(dataset, "run.predict", "predicting")
    with pytest.raises(TextError, match=r"a row of a TextDataset .* for making a TextDataset"):
        TextDataset(dataset, dataset.labels)


def test_a_mask_of_the_frame_sorted_since_it_was_read_is_warned_about(caplog):
    frame = pd.DataFrame(
        {"overview": ["a heist", "a ghost", "a storm"], "genre": ["crime", "horror", "crime"]},
        index=[10, 20, 30],
    )
    data = load_dataset(frame)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert data[frame["genre"] == "crime"].texts == ["a heist", "a storm"]  # its own rows
        assert not caplog.records
        shuffled = frame.iloc[[2, 0, 1]]
        picked = data[shuffled["overview"] == "a ghost"]  # True at position 2: "a storm"
    assert picked.texts == ["a storm"]
    (record,) = caplog.records
    assert "this mask's index is not that DataFrame's: its row 0 is index 30, the dataset's " in (
        record.getMessage()
    )
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        caplog.clear()
        assert data[(shuffled["overview"] == "a ghost").to_numpy()].texts == ["a storm"]
        assert not caplog.records


def test_a_mask_built_from_the_datasets_own_columns_is_not_warned_about(caplog):
    frame = pd.DataFrame(
        {"overview": ["a heist", "a ghost", "a storm"], "genre": ["crime", "horror", "crime"]},
        index=[10, 20, 30],
    )
    data = load_dataset(frame)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert data[pd.Series(data.texts).str.contains("ghost")].texts == ["a ghost"]
        assert data[pd.Series([row.labels == ["crime"] for row in data])].texts == [
            "a heist",
            "a storm",
        ]
    assert not caplog.records
