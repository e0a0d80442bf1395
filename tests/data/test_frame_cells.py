"""A DataFrame's cells read for what they are: mixed columns, int column names, no rows,
and a run's recorded format when a recipe is retrained on a DataFrame."""

import logging

import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.data import load_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def _sample(rows=None):
    frame = pd.read_csv(genreclf.sample_path())
    return frame if rows is None else frame.iloc[:rows].copy()


# --- a column that mixes lists and strings -----------------------------------


def test_a_label_column_of_lists_with_one_string_cell_reads_each_cell_as_it_is():
    # One plain-string cell made the column go through str(): every list became its
    # Python repr ("['thriller']"), refused as bad JSON at DataFrame:1, and
    # skip_bad_rows=True kept 1 row of 310.
    frame = _sample()
    frame["genres"] = frame.genres.str.split("|").astype(object)
    frame.at[5, "genres"] = "drama"
    rows = load_dataset(frame, text="overview", label="genres")
    assert len(rows) == 310 and rows.multi_label and rows.skipped == {}
    assert rows.labels[5] == ["drama"]  # the string cell: one label
    assert rows.labels[0] == frame.genres[0]  # a list cell: its labels, as they are
    kept = load_dataset(frame, text="overview", label="genres", skip_bad_rows=True)
    assert len(kept) == 310


def test_a_string_cell_among_lists_is_split_at_sep():
    frame = pd.DataFrame(
        {"text": ["A heist.", "A ghost.", "A duel."], "label": [["crime"], "horror|drama", None]}
    )
    rows = load_dataset(frame, skip_bad_rows=True)
    assert rows.labels == [["crime"], ["horror", "drama"]]
    assert rows.skipped == {"missing_value": 1}


@pytest.mark.parametrize(
    "cell, shown",
    [
        (["A heist", "goes wrong"], r"\['A heist', 'goes wrong'\] \(a list\)"),
        ({"en": "A heist."}, r"\{'en': 'A heist.'\} \(a dict\)"),
    ],
)
def test_a_list_or_dict_in_the_text_column_is_refused_naming_its_row(cell, shown):
    # It was read as its Python repr, "['A heist', 'goes wrong']", a text like any other.
    frame = _sample(60)
    frame["overview"] = frame.overview.astype(object)
    frame.at[2, "overview"] = cell
    with pytest.raises(DataError, match=r"^DataFrame:3: field 'overview': expected the text "
                       rf"as a string\. Received: {shown}\. Write the text as one string"):  # fmt: skip
        load_dataset(frame, text="overview", label="genre")
    rows = load_dataset(frame, text="overview", label="genre", skip_bad_rows=True)
    assert len(rows) == 59 and rows.skipped == {"malformed_line": 1}


def test_an_unused_mixed_column_costs_nothing_and_numbers_among_names_are_names():
    frame = pd.DataFrame(
        {
            "text": ["A heist.", "A ghost.", "A duel."],
            "label": [1, "horror", np.float64(2.0)],
            "notes": [["x"], "y", {"z": 1}],
        }
    )
    assert load_dataset(frame).labels == [["1"], ["horror"], ["2"]]


# --- numbers as labels -------------------------------------------------------


def test_whole_float_labels_of_a_frame_read_as_integer_ratings():
    # One NaN makes a pandas column float64: labels were '1.0'..'5.0', and integer
    # ratings read later ('1') were "unseen".
    frame = pd.DataFrame({"text": [f"Film {i}." for i in range(6)], "rating": [1, 2, 3, 4, 5, 3]})
    with_nan = frame.assign(rating=frame.rating.where(frame.index != 5))  # float64
    assert with_nan.rating.dtype == np.float64
    floats = load_dataset(with_nan, label="rating", skip_bad_rows=True)
    ints = load_dataset(frame, label="rating")
    assert floats.labels == [["1"], ["2"], ["3"], ["4"], ["5"]]
    assert floats.vocabulary().labels == ints.vocabulary().labels == ["1", "2", "3", "4", "5"]
    halves = load_dataset(frame.assign(rating=[1.5, 2.0, 3.5, 4.0, 5.0, 3.0]), label="rating")
    assert [row[0] for row in halves.labels] == ["1.5", "2", "3.5", "4", "5", "3"]


def test_json_and_parquet_numbers_read_so_but_a_typed_csv_cell_stays_as_written(tmp_path):
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text('{"text": "A.", "label": 3.0}\n{"text": "B.", "label": [1.0, 2.5]}\n')
    assert load_dataset(jsonl).labels == [["3"], ["1", "2.5"]]
    parquet = tmp_path / "m.parquet"
    pd.DataFrame({"text": ["A.", "B."], "label": [3.0, 4.0]}).to_parquet(parquet)
    assert load_dataset(parquet).labels == [["3"], ["4"]]
    csv = tmp_path / "m.csv"
    csv.write_text("text,label\nA.,3.0\nB.,4\n")
    assert load_dataset(csv).labels == [["3.0"], ["4"]]  # text the user wrote


# --- columns named by ints ---------------------------------------------------


def test_a_column_named_by_the_int_0_is_text_0():
    frame = _sample(60)
    frame.columns = ["id", "title", "year", 0, "genre", "genres"]
    rows = load_dataset(frame, text=0, label="genre")
    assert rows.texts[0] == _sample(1).overview[0] and rows.read_options["text"] == 0
    # "0", as a command line or a config.json names it, is that column too.
    assert load_dataset(frame, text="0", label="genre").texts == rows.texts


def test_an_int_and_a_str_name_that_read_alike_name_one_column():
    frame = pd.DataFrame({"0": ["A heist."], "label": ["crime"]})
    assert load_dataset(frame, text=0).texts == ["A heist."]  # the one column reading "0"
    twice = pd.DataFrame([["a", "b", "x"]], columns=[0, "0", "label"])
    with pytest.raises(DataError, match=r"unique\. Received: \['0'\] more than once \(columns "
                       r"\[0, '0'\]\)"):  # fmt: skip
        load_dataset(twice)


# --- no rows -----------------------------------------------------------------


def test_an_empty_frame_says_dataframe_not_file():
    frame = pd.DataFrame({"text": [], "label": []})
    with pytest.raises(DataError, match=r"^DataFrame: No usable rows: the DataFrame has columns "
                       r"but no rows\.$"):  # fmt: skip
        load_dataset(frame)


# --- a recorded format and a DataFrame ---------------------------------------


def test_a_frame_read_with_a_config_that_recorded_a_format_reads_it(caplog):
    from genreclf.training.config import TrainConfig
    from genreclf.training.reading import read_dataset

    cfg = TrainConfig(text="overview", label="genre", format="csv")  # from config.json
    caplog.set_level(logging.DEBUG, logger="genreclf.training")
    rows = read_dataset(cfg, _sample(40))
    assert len(rows) == 40 and rows.source_name == "DataFrame"
    assert "format='csv' (from the run's configuration) applies to files" in caplog.text
    with pytest.raises(ConfigError, match=r"format applies to files.*format='csv'"):
        load_dataset(_sample(40), format="csv")  # typed by the user: still refused


def test_a_recipe_trained_on_a_loaded_file_retrains_on_a_frame(tmp_path):
    frame = _sample()
    frame.iloc[:200].to_csv(tmp_path / "old.csv", index=False)
    data = load_dataset(tmp_path / "old.csv", text="overview", label="genre")
    first = genreclf.train(data, model="ngram", out=tmp_path / "E0", verbose=0)
    assert first.config["format"] == "csv"
    again = genreclf.train(
        frame.iloc[200:], config=tmp_path / "E0" / "config.json", out=tmp_path / "E1", verbose=0
    )
    assert again.config["label"] == "genre" and again.metrics["num_examples"] == 110
    assert again.config["data"] is None  # it trained on the frame, not on the config's file


# --- one bytes cell in a column of strings -----------------------------------


@pytest.mark.parametrize(("column", "value"), [("overview", b"x"), ("genre", b"drama")])
def test_one_bytes_cell_is_refused_at_its_own_row_and_spoils_no_other(column, value):
    # pyarrow read a column holding one bytes cell as binary, encoding every str cell:
    # the error named DataFrame:1 (a valid row) and skip_bad_rows=True skipped all rows.
    frame = _sample(60)
    frame[column] = frame[column].astype(object)
    frame.loc[5, column] = value
    with pytest.raises(DataError) as caught:
        load_dataset(frame, text="overview", label="genre")
    message = str(caught.value)
    assert message.startswith(f"DataFrame:6: field '{column}': expected ")
    assert f"Received: {value!r}" in message
    if column == "overview":
        assert "Decode it to a string first (e.g. value.decode('utf-8'))" in message
    kept = load_dataset(frame, text="overview", label="genre", skip_bad_rows=True)
    assert len(kept) == 59 and sum(kept.skipped.values()) == 1
    assert kept.texts[5] == frame.overview[6]  # the next row, read as a str


def test_a_nan_in_a_label_list_or_a_numeric_feature_is_said_to_be_missing():
    # Both said "Received: None." of a NaN the frame shows: pyarrow reads it as null.
    frame = pd.DataFrame(
        {
            "overview": ["A heist.", "A duel."],
            "genres": [["crime", float("nan")], ["war"]],
            "year": [1990.0, float("nan")],
        }
    )
    with pytest.raises(
        DataError, match=r"DataFrame:1: .*Received: a missing value \(NaN, None or "
    ):
        load_dataset(frame)
    frame["genres"] = [["crime"], ["war"]]
    with pytest.raises(DataError, match=r"DataFrame:2: field 'year': .*Received: a missing value"):
        load_dataset(frame, features=["year"])


def test_a_true_false_label_column_is_told_how_to_name_its_classes(tmp_path):
    # It said "write the label as a string" of a bool column (frame.year > 2010).
    frame = pd.DataFrame({"overview": ["A heist.", "A duel."], "recent": [True, False]})
    with pytest.raises(DataError, match=r"frame\['recent'\]\.map\(\{True: 'yes', False: 'no'\}\)"):
        load_dataset(frame, label="recent")
    path = tmp_path / "m.jsonl"  # a file: no frame to map
    path.write_text('{"text": "A heist.", "label": true}\n')
    with pytest.raises(DataError, match=r"Write the label as a string"):
        load_dataset(path)
