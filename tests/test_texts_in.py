"""`texts_in`: what predict, scores and explain accept as texts (no model needed)."""

import pickle

import numpy as np
import pandas as pd
import pytest

from genreclf.data import TextDataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.errors import TextError
from genreclf.texts_in import texts_in


def test_accepted_inputs_become_a_list_of_str():
    assert texts_in("a ghost") == ["a ghost"]
    assert texts_in(("a", "b")) == ["a", "b"]
    assert texts_in(pd.Series(["a", "b"], index=[3, 9])) == ["a", "b"]
    assert texts_in(pd.Series(["a", "b"], dtype="string")) == ["a", "b"]
    assert texts_in(np.array(["a", "b"])) == ["a", "b"]
    assert texts_in(np.array(["a", "b"], dtype=object)) == ["a", "b"]
    assert all(type(t) is str for t in texts_in(np.array(["a", "b"])))
    assert texts_in(iter(["a"])) == ["a"]
    assert texts_in({"a": 1, "b": 2}.keys()) == ["a", "b"]  # a dict's keys keep their order
    assert texts_in([]) == []
    given = ["a"]
    assert texts_in(given) is not given  # a copy: the caller's list is not the result


def test_a_dataframe_names_a_few_columns_and_suggests_a_text_one():
    frame = pd.DataFrame({"id": [1], "plot": ["a ghost"], "year": [2000]})
    with pytest.raises(ConfigError, match=r"run\.predict\(df\['plot'\]\)") as caught:
        texts_in(frame)
    assert "Received: a DataFrame with columns ['id', 'plot', 'year']" in str(caught.value)
    with pytest.raises(ConfigError, match=r"run\.scores\(df\['summary'\]\)"):
        texts_in(frame.assign(summary="x"), "run.scores", column="summary")


@pytest.mark.parametrize(
    "value, match",
    [
        (None, "Received: None"),
        ({"text": ["a"]}, r"not a dict .*Received: a dict with keys \['text'\]"),
        (3.5, r"Received: 3\.5 \(a float\)"),
        (b"a ghost", "not bytes"),
        (np.array([["a", "b"]]), r"Received: an array of shape \(1, 2\)"),
        (np.array("a ghost"), r"Received: array\('a ghost'"),
        ({"a ghost", "a heist"}, r"in an order.*Received: a set of 2 items\. Pass a list"),
        (frozenset({"a ghost"}), r"A frozenset has none \(its order is arbitrary\)"),
    ],
)
def test_non_texts_are_a_config_error(value, match):
    with pytest.raises(ConfigError, match=match):
        texts_in(value)


@pytest.mark.parametrize(
    "value, match",
    [
        (["a", "  "], r"texts\[1\]: expected a synopsis with some words\. Received: '  '\."),
        (
            ["a", None],
            r"texts\[1\]: .*Received: None, a missing value\. Drop the rows without a "
            r"text \(e\.g\. `frame\.dropna",
        ),
        (["a", float("nan")], r"texts\[1\]: .*Received: nan, a missing value\. Drop the rows"),
        (pd.Series(["a", pd.NA], dtype="string"), r"texts\[1\]: .*Received: <NA>"),
        (
            [b"a ghost"],
            r"texts\[0\]: expected a synopsis \(a str\)\. Received: b'a ghost' \(a bytes",
        ),
        (pd.Series(["a", 7], index=["x", "y"]), r"texts\[1\] \(index 'y'\)"),
        (
            # It reached TensorFlow: "ValueError: Error converting unicode string ...".
            ["a", "a \ud800"],
            r"texts\[1\]: text is not valid Unicode: a lone surrogate '\\ud800' at "
            r"character 2 .* Received: 'a \\ud800'\. Fix the escape \(write the whole pair",
        ),
    ],
)
def test_bad_items_are_a_data_error_naming_their_position(value, match):
    with pytest.raises(TextError, match=match) as caught:
        texts_in(value)
    assert isinstance(caught.value, DataError)  # as it always was: `except DataError` holds


BAD_TEXTS = [
    ["a", "  "],
    ["a", ""],
    ["a", None],
    ["a", float("nan")],
    pd.Series(["a", pd.NA], dtype="string"),
    pd.Series(["a", None], index=[7, 8]),
    [b"a ghost"],
    ["a", 42],
    ["a", ["nested"]],
    ["a", "a \udc80 lone half"],
]


@pytest.mark.parametrize("value", BAD_TEXTS)
def test_text_dataset_refuses_a_bad_text_in_the_same_words_and_class(value):
    # Run.predict (texts_in) said DataError, TextDataset ConfigError, in other words.
    with pytest.raises(TextError) as from_predict:
        texts_in(value, action="making a TextDataset")
    with pytest.raises(TextError) as from_dataset:
        TextDataset(value, ["x"] * len(value))
    assert str(from_dataset.value) == str(from_predict.value)
    for error in (from_predict.value, from_dataset.value):
        assert isinstance(error, DataError) and isinstance(error, ConfigError)
        assert "Received: " in str(error) and " before making a TextDataset." in str(error)


def test_a_text_error_survives_pickling_as_itself():
    # DataError's __reduce__ rebuilt a plain DataError, losing the ConfigError side.
    with pytest.raises(TextError) as caught:
        TextDataset(["a", " "], ["x", "y"], lines=[2, 3], path="m.csv")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is TextError and str(copy) == str(caught.value)
    assert (copy.path, copy.line) == ("m.csv", 3)
    plain = pickle.loads(pickle.dumps(DataError("empty text", path="m.csv", line=7)))
    assert type(plain) is DataError and str(plain) == "m.csv:7: empty text"


def test_error_messages_stay_short_for_long_inputs():
    with pytest.raises(TextError) as caught:
        texts_in(["a"] * 5 + [" " * 50_000])
    assert len(str(caught.value)) < 200
    with pytest.raises(ConfigError) as caught:
        texts_in({f"key{i}": i for i in range(1000)})
    assert len(str(caught.value)) < 300 and "(1000 in all)" in str(caught.value)
