"""`read_labelled_file` and `check_file_options`: the calibration and judge files of `genreclf label`.

The calibration file's and the judge file's own hints are pinned beside
their callers (`test_calibration_file.py`, `test_auditing.py`); here, what
both get from reading through `read_labelled_file`.
"""

import pytest

from genreclf.data import load_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.labelling.reference_file import check_file_options
from genreclf.labelling.reference_file import read_labelled_file
from tests.labelling.conftest import FIXES

JUDGE = {"label": "judge_label", "format": "judge_format"}


def test_hints_name_the_caller_s_arguments_and_flags(tmp_path):
    path = tmp_path / "judge.csv"
    path.write_text("overview,kind\nA ghost.,horror\n")
    with pytest.raises(DataError) as caught:
        read_labelled_file(path, arguments=JUDGE, flags={"label": "--judge-label"}, label="genre")
    assert str(caught.value).endswith(
        "Pass judge_label= one of them (`--judge-label` on the command line)."
    )
    assert read_labelled_file(path, arguments=JUDGE, label="kind").labels == [["horror"]]


def test_a_bad_row_s_error_ends_with_its_fix_alone(tmp_path):
    path = tmp_path / "judge.csv"
    path.write_text("overview,genre\nA ghost.,horror\n,comedy\n")
    with pytest.raises(DataError) as caught:
        read_labelled_file(path, arguments=JUDGE)
    assert str(caught.value) == (
        f"{path}:3: field 'overview': empty text. Every row needs a non-blank text. Fill it in."
    )
    assert (caught.value.line, caught.value.reason) == (3, "empty_text")


@pytest.mark.parametrize("kind", ["folder", "archive"])
def test_an_aclimdb_file_without_train_says_what_is_read(imdb_test_only, kind):
    # There is no split to pass: the hint said `Pass split='train' or split='test'`.
    folder, archive = imdb_test_only
    path = folder if kind == "folder" else archive
    with pytest.raises(DataError) as caught:
        read_labelled_file(path, arguments=JUDGE)
    assert str(caught.value).endswith(FIXES[kind])
    assert "split=" not in str(caught.value)
    # What the hint says to pass: the folder of the test reviews.
    dataset = read_labelled_file(folder / "aclImdb" / "test", arguments=JUDGE)
    assert sorted(dataset.labels) == [["2"], ["9"]]


def test_a_caller_passing_a_split_keeps_the_split_hint(imdb_test_only):
    folder, _ = imdb_test_only
    with pytest.raises(DataError) as caught:
        read_labelled_file(folder, arguments=JUDGE, split="train")
    assert str(caught.value).endswith("Pass split='train' or split='test' to match.")
    assert len(read_labelled_file(folder, arguments=JUDGE, split="test").texts) == 2


def test_the_split_hint_after_a_read_is_load_dataset_s_own(imdb_test_only):
    folder, _ = imdb_test_only
    with pytest.raises(DataError, match="No split can be chosen"):
        read_labelled_file(folder)
    with pytest.raises(DataError) as caught:
        load_dataset(folder)
    assert str(caught.value).endswith("Pass split='train' or split='test' to match.")


SEP = ("--calibrate-sep", ";", None)
FORMAT = ("--calibrate-format", "csv", "auto")


def test_check_file_options_passes_options_left_at_their_defaults():
    options = {
        "calibrate_sep": (SEP[0], None, None),
        "calibrate_format": (FORMAT[0], "auto", "auto"),
    }
    assert check_file_options(options, "the calibration file", "no calibrate=", "FIX") is None


def test_check_file_options_names_each_option_set_and_how_to_fix_it():
    with pytest.raises(ConfigError) as caught:
        check_file_options({"calibrate_sep": SEP}, "the calibration file", "no calibrate=", "FIX")
    assert str(caught.value) == (
        "calibrate_sep=';' (`--calibrate-sep`) applies to the calibration file. Received: no "
        "calibrate=. Drop it, or pass FIX."
    )
    with pytest.raises(ConfigError) as caught:
        check_file_options(
            {"calibrate_sep": SEP, "calibrate_format": FORMAT}, "a judge file", "judge='llm'", "FIX"
        )
    assert str(caught.value) == (
        "calibrate_sep=';' (`--calibrate-sep`), calibrate_format='csv' (`--calibrate-format`) "
        "apply to a judge file. Received: judge='llm'. Drop them, or pass FIX."
    )
