"""`evaluate` of a `TextDataset` reads it as it was read, and skips unseen labels as a file's."""

import pandas as pd
import pytest

import genreclf
from genreclf.errors import ConfigError


def test_reading_options_a_dataset_was_not_read_with_are_refused(trained_run, tmp_path):
    # They were ignored: a dataset read from the titles was scored on the titles.
    titles = genreclf.load_dataset(genreclf.sample_path(), text="title", label="genre")
    with pytest.raises(ConfigError, match=r"Received: text='overview'; the TextDataset was read "):
        genreclf.evaluate(trained_run, titles, text="overview", out=tmp_path / "eval")
    in_memory = genreclf.TextDataset(["A heist."], ["action"])
    with pytest.raises(ConfigError, match=r"Received: label='genre'; .* read with label=None\."):
        genreclf.evaluate(trained_run, in_memory, label="genre", out=tmp_path / "eval")
    same = genreclf.evaluate(trained_run, titles, text="title", out=tmp_path / "eval")
    assert same["num_examples"] == 310


def test_skip_bad_rows_drops_a_datasets_unseen_labels_as_a_frames(trained_run, tmp_path):
    frame = pd.read_csv(genreclf.sample_path()).iloc[:40]
    frame.loc[frame.index[:2], "genre"] = "musical"  # a class the run never saw
    data = genreclf.load_dataset(frame, text="overview", label="genre")
    report = genreclf.evaluate(trained_run, data, skip_bad_rows=True, out=tmp_path / "a")
    expected = genreclf.evaluate(trained_run, frame, skip_bad_rows=True, out=tmp_path / "b")
    assert report["num_examples"] == expected["num_examples"] == 38
    assert report["macro_f1"] == expected["macro_f1"]
