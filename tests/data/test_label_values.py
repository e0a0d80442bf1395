"""Labels passed to `TextDataset` as they are: joined strings in a multi-label
dataset, and whole numbers held as floats."""

import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.data import TextDataset
from genreclf.errors import ConfigError


def test_multi_label_rows_given_as_joined_strings_are_refused():
    # 'action|comedy' was a class of its own: 42 classes from 10 genres.
    frame = pd.read_csv(genreclf.sample_path()).iloc[:150]
    with pytest.raises(ConfigError) as info:
        TextDataset(list(frame.overview), list(frame.genres), multi_label=True)
    message = str(info.value)
    assert message.startswith(
        "A multi-label row takes a list of labels: a string is one label. Received: "
        "labels[0]='science-fiction|thriller', a str,"
    )
    assert "labels=[cell.split('|') for cell in labels]" in message
    assert "[[cell] for cell in labels]" in message  # if '|' is part of the names
    split = TextDataset(
        list(frame.overview), [g.split("|") for g in frame.genres], multi_label=True
    )
    assert len(split.vocabulary()) == 10


def test_the_refusal_names_the_file_and_line_when_known():
    with pytest.raises(ConfigError, match=r"Received: labels\[1\]='crime\|drama' \(m\.csv:3\)"):
        TextDataset(
            ["a", "b", "c", "d"],
            ["crime", "crime|drama", "drama|romance", "romance"],
            multi_label=True,
            lines=[2, 3, 4, 5],
            path="m.csv",
        )


def test_strings_that_join_nothing_and_lists_are_taken():
    single = TextDataset(["a", "b"], ["crime", "drama"], multi_label=True)  # one label a row
    assert single.labels == [["crime"], ["drama"]]
    names = TextDataset(["a", "b"], [["a|b"], ["c|d"]], multi_label=True)  # lists: as given
    assert names.labels == [["a|b"], ["c|d"]]
    single_label = TextDataset(["a", "b"], ["x|y", "x|z"])  # not multi-label: not checked
    assert single_label.labels == [["x|y"], ["x|z"]]


def test_whole_float_labels_are_named_as_integers():
    ratings = pd.Series([1.0, 2.0, np.float64(3.0), np.float32(4.0), 3.5])
    ds = TextDataset([f"t{i}" for i in range(5)], ratings)
    assert ds.labels == [["1"], ["2"], ["3"], ["4"], ["3.5"]]
    multi = TextDataset(["a", "b"], [[1.0, 2.0], np.array([3.0])], multi_label=True)
    assert multi.labels == [["1", "2"], ["3"]]


def test_a_run_that_named_whole_floats_3_0_still_knows_the_3_read_now():
    from genreclf.data import LabelVocabulary

    older = LabelVocabulary(["1.0", "2.0", "2.5"])  # labels.json of a run trained before
    assert "2" in older and older.encode([["2"], ["2.0"], ["2.5"]]).argmax(1).tolist() == [1, 1, 2]
    assert "2.5" in older and "3" not in older and older.labels == ["1.0", "2.0", "2.5"]
