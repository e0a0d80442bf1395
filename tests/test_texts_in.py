"""`texts_in`: what predict, scores and explain accept as texts (no model needed)."""

import numpy as np
import pandas as pd
import pytest

from genreclf.errors import ConfigError
from genreclf.errors import DataError
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
    ],
)
def test_non_texts_are_a_config_error(value, match):
    with pytest.raises(ConfigError, match=match):
        texts_in(value)


@pytest.mark.parametrize(
    "value, match",
    [
        (["a", "  "], r"texts\[1\]: expected a synopsis with some words\. Received: '  '\."),
        (["a", None], r"texts\[1\]: .*Received: None\. Drop or fill in the empty texts"),
        (["a", float("nan")], r"texts\[1\]: .*Received: nan\. Drop or fill"),
        (pd.Series(["a", pd.NA], dtype="string"), r"texts\[1\]: .*Received: <NA>"),
        (
            [b"a ghost"],
            r"texts\[0\]: expected a synopsis \(a str\)\. Received: b'a ghost' \(a bytes",
        ),
        (pd.Series(["a", 7], index=["x", "y"]), r"texts\[1\] \(index 'y'\)"),
    ],
)
def test_bad_items_are_a_data_error_naming_their_position(value, match):
    with pytest.raises(DataError, match=match):
        texts_in(value)


def test_error_messages_stay_short_for_long_inputs():
    with pytest.raises(DataError) as caught:
        texts_in(["a"] * 5 + [" " * 50_000])
    assert len(str(caught.value)) < 200
    with pytest.raises(ConfigError) as caught:
        texts_in({f"key{i}": i for i in range(1000)})
    assert len(str(caught.value)) < 300 and "(1000 in all)" in str(caught.value)
