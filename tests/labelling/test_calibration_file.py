"""`read_calibration`: `load_dataset`'s errors, their hints naming the calibration file's options."""

import logging

import pandas as pd
import pytest

from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.labelling.api import build_cascade
from genreclf.labelling.calibration_file import read_calibration
from genreclf.labelling.cascade_calibration import calibrate_cascade
from tests.labelling.conftest import FIXES
from tests.labelling.conftest import HORROR_COMEDY

# The calibration file's options as `genreclf.label` names them.
LABEL = {
    "text": "calibrate_text",
    "label": "calibrate_label",
    "format": "calibrate_format",
    "sep": "calibrate_sep",
}


def test_reads_texts_and_labels_in_the_format_given(tmp_path):
    path = tmp_path / "calibration.txt"
    path.write_text('overview\tkind\n"Run," a ghost.\thorror\nChefs.\tcomedy\n')
    texts, labels = read_calibration(path, label="kind", format="tsv-unquoted")
    assert texts == ['"Run," a ghost.', "Chefs."] and labels == [["horror"], ["comedy"]]


@pytest.mark.parametrize(
    "arguments,argument", [(LABEL, "calibrate_label="), (None, "label=")], ids=["label", "own"]
)
def test_a_missing_label_column_names_the_calibration_options(tmp_path, arguments, argument):
    path = tmp_path / "calibration.csv"
    path.write_text("overview,kind\nA ghost.,horror\n")
    with pytest.raises(DataError) as caught:
        read_calibration(path, label="genre", arguments=arguments)
    assert str(caught.value) == (
        f"{path}: field 'genre': Column 'genre' not found. Columns present: ['overview', "
        f"'kind']. Pass {argument} one of them (`--calibrate-label` on the command line)."
    )
    assert (caught.value.path, caught.value.field) == (str(path), "genre")


def test_an_unknown_extension_and_an_unknown_format_name_calibrate_format(tmp_path):
    path = tmp_path / "calibration.dat"
    path.write_text("overview,genre\nA ghost.,horror\n")
    with pytest.raises(ConfigError) as caught:
        read_calibration(path, arguments=LABEL)
    assert str(caught.value).endswith(
        "Pass calibrate_format= one of ['csv', 'tsv', 'tsv-unquoted', 'jsonl', 'parquet', "
        "'kaggle-genre', 'aclimdb'] (`--calibrate-format`)."
    )
    with pytest.raises(
        ConfigError, match=r"Received: calibrate_format='xls'\. Pass calibrate_format= one of them"
    ):
        read_calibration(path, format="xls", arguments=LABEL)
    assert read_calibration(path, format="csv") == (["A ghost."], [["horror"]])


def test_a_dataframe_with_a_format_says_to_drop_calibrate_format():
    frame = pd.DataFrame({"overview": ["A ghost."], "genre": ["horror"]})
    with pytest.raises(ConfigError) as caught:
        read_calibration(frame, format="csv", arguments=LABEL)
    assert str(caught.value).endswith(
        "Received: calibrate_format='csv' with a DataFrame. Drop calibrate_format=."
    )
    assert read_calibration(frame) == (["A ghost."], [["horror"]])


def test_a_bad_row_keeps_its_location_and_offers_no_skipping(tmp_path):
    path = tmp_path / "calibration.csv"
    path.write_text("overview,genre\nA ghost.,horror\n,comedy\n")
    with pytest.raises(DataError) as caught:
        read_calibration(path, arguments=LABEL)
    assert str(caught.value) == (
        f"{path}:3: field 'overview': empty text. Every row needs a non-blank text. Fill it in."
    )
    assert (caught.value.line, caught.value.reason) == (3, "empty_text")


# The genres of the calibration rows below: their labels must be among them.
def test_calibrate_cascade_names_its_own_arguments_and_the_calibration_flags(tmp_path):
    cascade = build_cascade(HORROR_COMEDY, stages=("keywords",))
    path = tmp_path / "calibration.dat"
    path.write_text("overview,kind\n" + "A ghost.,horror\nChefs.,comedy\n" * 5)
    with pytest.raises(ConfigError, match=r"Pass format= one of .*\(`--calibrate-format`\)\.$"):
        calibrate_cascade(cascade, path)
    with pytest.raises(DataError, match=r"Pass label= the column .*`--calibrate-label`"):
        calibrate_cascade(cascade, path, format="csv")
    report = calibrate_cascade(cascade, path, label="kind", format="csv", target_precision=0.5)
    assert report["keywords"]["offered"] == 10


@pytest.mark.parametrize(
    "arguments,argument", [(LABEL, "calibrate_text="), (None, "text=")], ids=["label", "own"]
)
def test_the_text_hint_names_calibrate_text_and_the_tab_hint_calibrate_format(
    tmp_path, arguments, argument
):
    # `--text` is the input file's text column: the calibration file's is `--calibrate-text`.
    path = tmp_path / "calibration.csv"
    path.write_text("overview\tkind\nA ghost.\thorror\n")
    with pytest.raises(DataError) as caught:
        read_calibration(path, label="kind", arguments=arguments)
    fmt = "calibrate_format" if arguments else "format"
    assert str(caught.value) == (
        f"{path}: No text column found: expected one of ['text', 'overview', 'plot', "
        "'description', 'synopsis']. Columns present: ['overview\\tkind']. Pass "
        f"{argument} the column to use (`--calibrate-text` on the command line). The header "
        f"holds tabs: for a tab-separated file pass {fmt}='tsv' (`--calibrate-format tsv`)."
    )


def test_a_missing_named_text_column_names_calibrate_text(tmp_path):
    path = tmp_path / "calibration.csv"
    path.write_text("plot,kind\nA ghost.,horror\n")
    with pytest.raises(DataError) as caught:
        read_calibration(path, text="overview", label="kind", arguments=LABEL)
    assert str(caught.value) == (
        f"{path}: field 'overview': Column 'overview' not found. Columns present: ['plot', "
        "'kind']. Pass calibrate_text= one of them (`--calibrate-text` on the command line)."
    )
    assert read_calibration(path, text="plot", label="kind") == (["A ghost."], [["horror"]])


def test_the_same_columns_name_calibrate_text_and_calibrate_label(tmp_path):
    path = tmp_path / "calibration.csv"
    path.write_text("overview,kind\nA ghost.,horror\n")
    with pytest.raises(ConfigError) as caught:
        read_calibration(path, text="kind", label="kind", arguments=LABEL)
    assert str(caught.value).endswith("Received: calibrate_text='kind', calibrate_label='kind'.")


# Several labels in one cell, joined by `;`: `calibrate_sep=` (`--calibrate-sep`) splits them.
JOINED = (
    "overview,kind\nA ghost and chefs.,horror;comedy\nA sheriff's ghost.,western;horror\n"
    "A ghost.,horror\n"
)


def test_sep_splits_the_labels_of_a_cell(tmp_path):
    path = tmp_path / "calibration.csv"
    path.write_text(JOINED)
    _, labels = read_calibration(path, label="kind", sep=";", arguments=LABEL)
    assert labels == [["horror", "comedy"], ["western", "horror"], ["horror"]]


@pytest.mark.parametrize(
    "arguments,argument", [(LABEL, "calibrate_sep"), (None, "sep")], ids=["label", "own"]
)
def test_labels_joined_by_another_separator_warn_naming_calibrate_sep(
    tmp_path, caplog, arguments, argument
):
    path = tmp_path / "calibration.csv"
    path.write_text(JOINED)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        _, labels = read_calibration(path, label="kind", arguments=arguments)
    assert labels[:2] == [["horror;comedy"], ["western;horror"]]  # read as they are, but warned
    [warning] = [r.getMessage() for r in caplog.records if "labels contain" in r.getMessage()]
    assert warning == (
        f"{path}: 2 of 3 labels contain ';' (e.g. 'horror;comedy') but labels are split on "
        f"'|'. If a cell lists several labels, pass {argument}=';' (`--calibrate-sep ';'`)."
    )


def test_the_names_hold_for_the_read_only(tmp_path):
    from genreclf.data import load_dataset

    path = tmp_path / "calibration.dat"
    path.write_text("overview,genre\nA ghost.,horror\n")
    with pytest.raises(ConfigError, match=r"calibrate_format="):
        read_calibration(path, arguments=LABEL)
    with pytest.raises(ConfigError) as caught:  # a plain read after it: the plain hint
        load_dataset(path)
    assert str(caught.value).endswith(
        "Pass format= one of ['csv', 'tsv', 'tsv-unquoted', 'jsonl', 'parquet', "
        "'kaggle-genre', 'aclimdb'] (`--format`)."
    )


def test_calibration_rows_in_memory_are_a_tuple_or_a_text_dataset():
    from genreclf.data import TextDataset

    cascade = build_cascade(HORROR_COMEDY, stages=("keywords",))
    texts, labels = ["A ghost.", "Chefs."] * 5, ["horror", "comedy"] * 5
    from_tuple = calibrate_cascade(cascade, (texts, [[x] for x in labels]), target_precision=0.5)
    from_dataset = calibrate_cascade(cascade, TextDataset(texts, labels), target_precision=0.5)
    assert from_tuple == from_dataset and from_tuple["keywords"]["offered"] == 10
    # A list used to be read as a path: "load_dataset's path must be a file path ...".
    for wrong, received in (
        (texts, "a list of 10 items"),
        ((texts, labels[:3]), "a tuple of 2 items"),
    ):
        with pytest.raises(ConfigError, match=f"^calibrate takes .* Received: {received}\\."):
            calibrate_cascade(cascade, wrong)


def test_the_calibration_file_s_options_are_refused_without_one(tmp_path):
    # `genreclf.label(..., calibrate_label="kind")` without `calibrate=` ignored it.
    from genreclf.labelling.api import label

    genres = {"genres": {"horror": {"keywords": ["ghost"]}}}
    out = tmp_path / "labelled.jsonl"
    for calibrate, received in (
        (None, "no calibrate="),
        ((["a"], [["x"]]), "calibrate= rows held"),
    ):
        with pytest.raises(ConfigError, match=f"Received: {received}") as caught:
            label(["A ghost."], genres=genres, out=out, calibrate=calibrate, calibrate_label="kind")
        assert str(caught.value).startswith(
            "calibrate_label='kind' (`--calibrate-label`) applies to the calibration file. "
        )
    assert not out.exists()  # refused before any row was labelled


@pytest.mark.parametrize("kind", ["folder", "archive"])
def test_an_aclimdb_calibration_file_without_train_says_what_is_read(
    imdb_test_only, tmp_path, kind
):
    # There is no `--calibrate-split`: the hint said `Pass split='train' or split='test'`.
    from genreclf.labelling.api import label

    folder, archive = imdb_test_only
    genres = {"genres": {"horror": {"keywords": ["ghost"]}}}
    out = tmp_path / "labelled.jsonl"
    with pytest.raises(DataError) as caught:
        label(
            ["A ghost."],
            genres=genres,
            stages=("keywords",),
            out=out,
            calibrate=folder if kind == "folder" else archive,
        )
    assert str(caught.value).endswith(FIXES[kind])
    texts, labels = read_calibration(folder / "aclImdb" / "test", arguments=LABEL)
    assert sorted(labels) == [["2"], ["9"]]


# The genres.yaml of the calibration files below.
