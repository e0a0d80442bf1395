"""pandas DataFrames read as data files are: `load_dataset`, `train`, `evaluate`, `label`."""

import pandas as pd
import pytest

import genreclf
from genreclf.data import load_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def test_a_frame_reads_as_its_csv_would(sample_csv):
    frame = pd.read_csv(sample_csv)
    from_frame = load_dataset(frame, text="overview", label="genres")
    from_file = load_dataset(sample_csv, text="overview", label="genres")
    assert from_frame.texts == from_file.texts and from_frame.labels == from_file.labels
    assert from_frame.multi_label and from_frame.lines[:2] == [1, 2]  # rows from 1
    assert from_frame.path is None and "format" not in from_frame.read_options


def test_list_cells_are_label_lists_and_missing_values_are_named_by_row():
    frame = pd.DataFrame(
        {"text": ["A heist.", "A ghost.", None], "labels": [["crime", "drama"], ["horror"], []]}
    )
    with pytest.raises(DataError, match=r"^DataFrame:3: field 'text': missing text"):
        load_dataset(frame)
    rows = load_dataset(frame, skip_bad_rows=True)
    assert rows.labels == [["crime", "drama"], ["horror"]] and rows.multi_label
    assert rows.skipped == {"missing_value": 1}


def test_what_a_frame_cannot_be_read_as_is_refused():
    with pytest.raises(ConfigError, match=r"format applies to files.*format='csv'"):
        load_dataset(pd.DataFrame({"text": ["a"], "label": ["x"]}), format="csv")
    twice = pd.DataFrame([["a", "x", "y"]], columns=["text", "label", "label"])
    with pytest.raises(DataError, match=r"unique. Received: \['label'\]"):
        load_dataset(twice)
    with pytest.raises(DataError, match=r"^DataFrame: No text column found"):
        load_dataset(pd.DataFrame({"words": ["a"], "label": ["x"]}))


def test_train_evaluate_and_label_take_a_frame(sample_csv, tmp_path):
    frame = pd.read_csv(sample_csv)
    run = genreclf.train(
        frame, text="overview", label="genre", model="ngram", out=tmp_path / "run", verbose=0
    )
    assert run.config["data"] is None and run.config["label"] == "genre"
    report = genreclf.evaluate(run, frame.iloc[:40], out=tmp_path / "eval")
    assert sum(c["support"] for c in report["per_class"].values()) == 40
    with pytest.raises(ConfigError, match=r"val_data takes a file path here. Received: a Data"):
        genreclf.train(frame, label="genre", model="ngram", val_data=frame, verbose=0)
    labelled = genreclf.label(
        frame.iloc[:5][["id", "overview"]],
        out=tmp_path / "labelled.jsonl",
        genres={"crime": {"keywords": ["detective", "heist"]}},
        stages=("keywords",),
    )
    assert labelled is not None and (tmp_path / "labelled.jsonl").exists()


def test_a_frames_rows_are_named_dataframe_n_in_every_error():
    # An unknown label said "line 2: field 'genre': ..." where a missing one said
    # "DataFrame:2: ...": the dataset of a frame has no path to name.
    from genreclf.data import LabelVocabulary
    from genreclf.data import check_trainable
    from genreclf.data import drop_unknown_labels

    frame = pd.DataFrame({"overview": ["A heist.", "A musical."], "genre": ["crime", "musical"]})
    rows = load_dataset(frame)
    assert rows.path is None and rows.source_name == "DataFrame"
    assert repr(rows) == "TextDataset(2 rows, 2 labels, single-label, from a DataFrame)"
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'genre': Unknown label 'musical'"):
        rows.targets(LabelVocabulary(["crime"]))
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'genre': unknown label"):
        drop_unknown_labels(rows, LabelVocabulary(["crime"]), skip_bad_rows=False, field="genre")
    one_class = load_dataset(frame.assign(genre="crime"))
    with pytest.raises(DataError, match=r"^DataFrame: field 'genre': a classifier needs"):
        check_trainable(one_class)
    assert rows.subset([1]).source_name == "DataFrame"  # kept by splits and folds


def test_augment_and_label_take_a_frame_and_label_refuses_a_blank_text(tmp_path):
    from genreclf.augment.corpus import as_dataset

    frame = pd.DataFrame({"text": ["A heist.", "A ghost."], "label": ["crime", "horror"]})
    assert as_dataset(frame).labels == [["crime"], ["horror"]]
    with pytest.raises(DataError, match=r"texts\[1\]: expected a synopsis with some words"):
        genreclf.label(
            ["A detective.", "  "],
            out=tmp_path / "labelled.jsonl",
            genres={"crime": {"keywords": ["detective"]}},
            stages=("keywords",),
        )
    assert not (tmp_path / "labelled.jsonl").exists()


def test_a_column_of_mixed_types_reads_as_text_as_a_csv_would_hold_it():
    frame = pd.DataFrame(
        {
            "text": ["A heist.", "A ghost.", "A duel."],
            "label": [1, "horror", None],
            "n": ["x", 3, 4],
        }
    )
    rows = load_dataset(frame, skip_bad_rows=True)
    assert rows.labels == [["1"], ["horror"]] and rows.skipped == {"missing_value": 1}


def test_a_column_moved_into_the_index_is_named_as_the_index():
    # frame.set_index("id") then id_column="id" said only "Column 'id' not found" of a
    # column the notebook shows; the index is not read.
    frame = pd.DataFrame(
        {"id": ["m1", "m2"], "overview": ["A heist.", "A duel."], "genre": ["crime", "war"]}
    )
    with pytest.raises(DataError, match=r"'id' is the DataFrame's index, which is not read: pass "):
        load_dataset(frame.set_index("id"), id_column="id")
    with pytest.raises(DataError, match=r"No text column found.*'overview' is the DataFrame's"):
        load_dataset(frame.set_index("overview"))
    with pytest.raises(DataError) as info:  # another column: nothing said of the index
        load_dataset(frame.set_index("id"), text="plot")
    assert "index" not in str(info.value)
    assert load_dataset(frame.set_index("id").reset_index(), id_column="id").ids == ["m1", "m2"]
