"""`genreclf.path_arguments`: a folder argument that is no path, a file, or read-only is one clear
error."""

import os
import pathlib

import pandas as pd
import pytest

from genreclf.errors import ConfigError
from genreclf.path_arguments import check_out_folder
from genreclf.path_arguments import check_path

RUN = dict(what="a run folder", example="runs/ngram")


@pytest.mark.parametrize(
    "value, received",
    [
        (pd.DataFrame({"overview": ["a ghost"]}), "<a DataFrame of 1 row and 1 column>"),
        (None, "None"),
        (["runs/a"], r"\['runs/a'\] \(list\)"),
        (3, r"3 \(int\)"),
    ],
)
def test_what_is_no_path_is_named_in_a_few_words(value, received):
    with pytest.raises(ConfigError, match=r"^path must be the path of a run folder \(a str or "):
        check_path(value, "path", **RUN)
    with pytest.raises(ConfigError, match=rf"Received: path={received}\. Pass e\.g\. path="):
        check_path(value, "path", **RUN)


def test_bytes_are_told_to_be_decoded_whatever_the_callers_fix():
    with pytest.raises(ConfigError, match=r"Received: path=b'runs/a' \(bytes\)\. .*decode"):
        check_path(b"runs/a", "path", **RUN, fix="Pass e.g. path='runs/ngram'.")


def test_an_output_folder_names_what_it_is_and_an_example(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("notes")
    check_out_folder(tmp_path / "new" / "folder", "directory", what="a tuning folder")
    with pytest.raises(ConfigError, match=r"^directory must be a tuning folder, not a file\. "):
        check_out_folder(a_file, "directory", what="a tuning folder", example="tuning/ngram")
    with pytest.raises(ConfigError, match=r"which is a file\. .*e\.g\. base='models'\.$"):
        check_out_folder(a_file / "sub", "base", what="a base folder", example="models")
    with pytest.raises(ConfigError, match=r"^out must be the path of a run folder .*DataFrame"):
        check_out_folder(pd.DataFrame({"a": [1]}))
    assert a_file.read_text() == "notes"


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_string_is_not_read_as_the_current_folder(value, tmp_path, monkeypatch):
    import genreclf

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"not an empty string\. Received: out=.*e\.g\. out="):
        check_out_folder(value)
    with pytest.raises(ConfigError, match="not an empty string"):
        genreclf.train(genreclf.sample_path(), text="overview", label="genre", out=value)
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def read_only_folder(tmp_path):
    """A folder this process cannot write: its own, made read-only, or /proc/1 for root."""
    if os.geteuid() != 0:
        folder = tmp_path / "read_only"
        folder.mkdir(mode=0o555)
        return folder
    if os.path.isdir("/proc/1") and not os.access("/proc/1", os.W_OK):
        return pathlib.Path("/proc/1")  # root writes anywhere but a read-only mount
    pytest.skip("no folder here that this process cannot write")


def test_an_output_folder_that_cannot_be_written_is_refused_before_the_work(tmp_path):
    folder = read_only_folder(tmp_path)
    with pytest.raises(ConfigError, match=r"^out must be a folder for the report that can be "):
        check_out_folder(folder / "evaluation", what="a folder for the report")
    with pytest.raises(ConfigError, match=r"is not\. Received: out=.* or make .* writable\.$"):
        check_out_folder(folder / "evaluation", what="a folder for the report")
    with pytest.raises(
        ConfigError, match=r"^directory must be a tuning folder that can be written\. "
    ):
        check_out_folder(folder, "directory", what="a tuning folder")


def test_a_leading_tilde_is_the_home_folder_as_pandas_reads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert check_out_folder("~/runs/a") == str(tmp_path / "home" / "runs" / "a")
    assert check_out_folder(pathlib.Path("~/runs/a")) == tmp_path / "home" / "runs" / "a"
    assert check_path("~", "path", **RUN) == str(tmp_path / "home")
    assert check_out_folder(tmp_path / "runs" / "~a") == tmp_path / "runs" / "~a"  # a name
    assert check_out_folder("~no_such_user_here/a") == "~no_such_user_here/a"  # no home known
    assert list(tmp_path.iterdir()) == []  # nothing made
