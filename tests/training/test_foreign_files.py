"""A run is not written over a user's own files of a run's names (`foreign_files`)."""

import keras
import pytest

import genreclf
from genreclf.cli import main
from genreclf.errors import ConfigError
from genreclf.training.foreign_files import RUN_FILES
from genreclf.training.foreign_files import RUN_MARKS
from tests.training.test_finished_runs import TINY


def _user_folder(tmp_path):
    folder = tmp_path / "experiment"
    folder.mkdir()
    (folder / "config.json").write_text('{"learning_rate": 0.1}')
    (folder / "report.md").write_text("# my notes")
    (folder / "notes.txt").write_text("mine too")
    return folder


def test_a_folder_of_the_users_files_is_refused_and_left_as_it_was(tmp_path):
    folder = _user_folder(tmp_path)
    with pytest.raises(ConfigError, match=r"not a genreclf run's: config\.json, report\.md\."):
        genreclf.train(genreclf.sample_path(), out=folder, **TINY)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "notes.txt", "report.md"]
    assert (folder / "config.json").read_text() == '{"learning_rate": 0.1}'


def test_the_command_line_names_the_files_and_the_way_out(tmp_path, capsys):
    folder = _user_folder(tmp_path)
    args = ["train", str(genreclf.sample_path()), "--text", "overview", "--label", "genre"]
    code = main([*args, "--model", "ngram", "--epochs", "1", "--out", str(folder)])
    assert code != 0
    err = capsys.readouterr().err
    assert "config.json, report.md" in err and "--overwrite" in err
    assert (folder / "report.md").read_text() == "# my notes"


def test_overwrite_writes_over_them_and_other_files_are_kept(tmp_path):
    folder = _user_folder(tmp_path)
    run = genreclf.train(genreclf.sample_path(), out=folder, overwrite=True, **TINY)
    assert run.config["model"] == "ngram"
    assert (folder / "notes.txt").read_text() == "mine too"


def test_files_of_other_names_are_no_reason_to_refuse(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "movies.csv").write_text("kept")
    genreclf.train(genreclf.sample_path(), out=folder, **TINY)
    assert (folder / "movies.csv").read_text() == "kept"


def test_an_ensemble_is_refused_the_same_way(trained_run, tmp_path):
    folder = _user_folder(tmp_path)
    with pytest.raises(ConfigError, match="not a genreclf run's"):
        genreclf.ensemble([trained_run, trained_run.path], folder, verbose=0)
    assert (folder / "config.json").read_text() == '{"learning_rate": 0.1}'


class _KilledAtStart(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        raise KeyboardInterrupt  # killed after the run's first files, before an epoch


def test_a_run_killed_after_its_first_files_is_resumed_not_refused(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        genreclf.train(genreclf.sample_path(), out=out, callbacks=[_KilledAtStart()], **TINY)
    assert (out / "config.json").exists()
    run = genreclf.train(genreclf.sample_path(), out=out, **TINY)
    assert run.path == out


def test_the_names_cover_every_file_a_run_and_an_ensemble_write(tmp_path):
    # Runs of this test's own: a shared one holds what other tests add (evaluate's folder).
    known = set(RUN_MARKS) | set(RUN_FILES)
    first = genreclf.train(genreclf.sample_path(), out=tmp_path / "first", **TINY)
    second = genreclf.train(genreclf.sample_path(), out=tmp_path / "second", **TINY)
    folds = genreclf.train(genreclf.sample_path(), out=tmp_path / "cv", folds=2, **TINY)
    ensemble = genreclf.ensemble([first, second], tmp_path / "ens", verbose=0)
    for run in (first, second, folds, ensemble):
        written = {p.name for p in run.path.iterdir()}
        assert written <= known, f"{run.path}: {sorted(written - known)} not in RUN_FILES"
