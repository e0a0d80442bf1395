"""`check_data`: what the data arguments take, refused up front in a few words."""

import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.data import load_dataset
from genreclf.data.inputs import check_data
from genreclf.data.inputs import describe
from genreclf.data.inputs import short_repr
from genreclf.errors import ConfigError

TEXTS = [f"A synopsis of film number {i}, longer than a few words." for i in range(2000)]


def test_descriptions_say_what_and_how_big_never_the_values():
    frame = pd.DataFrame({"text": TEXTS, "label": ["drama"] * len(TEXTS)})
    assert describe(frame) == "a DataFrame of 2,000 rows and 2 columns"
    assert describe(frame.text) == "a Series of 2,000 rows"
    assert describe(np.zeros((310, 10))) == "a NumPy array of shape (310, 10)"
    assert describe(TEXTS) == "a list of 2,000 items" and describe(None) == "None"
    assert describe(3.5) == "a float 3.5"
    assert len(short_repr(TEXTS)) < 200 and short_repr(frame).startswith("<a DataFrame")


@pytest.mark.parametrize(
    "data, received",
    [
        (TEXTS, "a list of 2,000 items"),
        ({"text": TEXTS, "label": ["drama"] * 2000}, "a dict of 2 keys"),
        (pd.Series(TEXTS), "a Series of 2,000 rows"),
        (None, "None"),
        (genreclf.TextDataset(["a heist"], ["crime"]), "a TextDataset of 1 row"),
    ],
)
def test_load_dataset_refuses_rows_in_memory_without_printing_them(data, received):
    # It said "[<every text>]: File not found." (18 MB at 100k rows), and for None
    # "File not found." without what it was given.
    with pytest.raises(ConfigError) as caught:
        load_dataset(data)
    message = str(caught.value)
    assert message.startswith("load_dataset's path must be a file path or a pandas DataFrame.")
    assert f"Received: {received}." in message and len(message) < 300
    assert TEXTS[5] not in message


def test_the_callers_taking_a_dataset_say_so_and_how_to_make_one():
    with pytest.raises(ConfigError) as caught:
        check_data(TEXTS)
    assert str(caught.value) == (
        "data must be a file path, a pandas DataFrame or a TextDataset. Received: a list of "
        "2,000 items. For texts and labels in memory: genreclf.TextDataset(texts, labels)."
    )
    dataset = genreclf.TextDataset(["a heist"], ["crime"])
    assert check_data(dataset) is dataset and check_data("m.csv") == "m.csv"
    with pytest.raises(ConfigError, match=r"Pass the path as a str"):
        check_data(b"m.csv")


def test_iter_examples_refuses_a_list_too():
    with pytest.raises(ConfigError, match=r"^iter_examples's path must be.*a list of 2,000"):
        next(genreclf.data.iter_examples(TEXTS))


def test_series_with_different_indexes_are_named_in_a_warning(caplog):
    # TextDataset pairs rows by position; texts sorted apart from their labels used to
    # pair with other rows' labels without a word (pandas would have aligned them).
    frame = pd.DataFrame({"overview": ["A heist.", "A ghost.", "A duel."], "genre": list("abc")})
    texts = frame["overview"].iloc[[1, 2, 0]]  # shuffled apart from the labels
    with caplog.at_level("WARNING", logger="genreclf.data"):
        dataset = genreclf.TextDataset(texts, frame["genre"])
    assert dataset.labels == [["a"], ["b"], ["c"]]  # still by position, as documented
    assert "row 0 pairs texts[0] (index 1) with the value of labels at index 0" in caplog.text
    assert "labels.loc[texts.index]" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="genreclf.data"):  # a feature's column too
        genreclf.TextDataset(
            frame["overview"], frame["genre"], features={"year": pd.Series([1, 2, 3]).iloc[::-1]}
        )
    assert "texts and features['year'] are pandas Series with different indexes" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="genreclf.data"):
        genreclf.TextDataset(frame["overview"], frame["genre"])  # one frame: the same index
        genreclf.TextDataset(texts, frame["genre"].loc[texts.index])  # aligned
        genreclf.TextDataset(texts, frame["genre"].to_numpy())  # by position, on purpose
        genreclf.TextDataset(texts.to_list(), frame["genre"])
    assert caplog.text == ""
