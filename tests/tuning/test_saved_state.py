"""A search killed while saving a file resumes (`genreclf.tuning.saved_state`, atomic saves)."""

import json
import logging
import shutil

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.tuning import NgramHyperModel
from genreclf.tuning import make_oracle
from genreclf.tuning import make_tuner
from genreclf.tuning.results import read_trials

from .conftest import TINY_NGRAM
from .conftest import tiny_search


def _tune(directory, **kwargs):
    return tiny_search(directory, **{"resume": True, **kwargs})


def _copy(finished, tmp_path):
    folder = tmp_path / "search"
    shutil.copytree(finished.directory, folder)
    return folder


def _halve(path):
    """Half of `path`'s text, as a search killed while writing it leaves it."""
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    return text[: len(text) // 2]


def _inode(path):
    return path.stat().st_ino


def test_half_written_trial_files_resume_keeping_the_finished_trials(finished, tmp_path, caplog):
    folder = _copy(finished, tmp_path)
    trials = folder / "trials"
    oracle_file = trials / "oracle.json"
    kept = (trials / "trial_0" / "genreclf_trial.json").read_text()
    # Killed while ending trial 1: oracle.json still lists it as running, its
    # trial.json is half written.
    oracle = json.loads(oracle_file.read_text())
    oracle["ongoing_trials"] = {"tuner0": "1"}
    oracle["end_order"].remove("1")
    oracle_file.write_text(json.dumps(oracle))
    half_1 = _halve(trials / "trial_1" / "trial.json")
    lost_record = (trials / "trial_1" / "genreclf_trial.json").read_text()
    # Killed while creating trial 2: its trial.json is half written, oracle.json
    # does not list it yet.
    (trials / "trial_2").mkdir()
    state = json.loads((trials / "trial_0" / "trial.json").read_text())
    half_2 = json.dumps({**state, "trial_id": "2"})[:300]
    (trials / "trial_2" / "trial.json").write_text(half_2)
    (trials / "trial_2" / "genreclf_trial.json").write_text("{}")  # replaced whole
    replaced = {
        name: _inode(path)
        for name, path in {
            "tune.json": folder / "tune.json",
            "best.json": folder / "best.json",
            "record": trials / "trial_2" / "genreclf_trial.json",
        }.items()
    }

    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        result = _tune(folder, max_trials=3)

    rows = {row["trial"]: row for row in read_trials(folder)}
    assert sorted(rows) == ["0", "1", "2"] and len(result.leaderboard) == 3
    # The finished trial was kept, not run again.
    assert rows["0"]["status"] == "COMPLETED"
    assert (trials / "trial_0" / "genreclf_trial.json").read_text() == kept
    # Trial 1 lost its values and scores: failed, saying so, and not run again.
    assert rows["1"]["status"] == "FAILED" and rows["1"]["hyperparameters"] == {}
    assert "trial.json was damaged (JSONDecodeError: " in rows["1"]["message"]
    assert (trials / "trial_1" / "trial.json.damaged").read_text() == half_1
    assert (trials / "trial_1" / "genreclf_trial.json").read_text() == lost_record
    # Trial 2 never started: created and run again under its id.
    assert rows["2"]["status"] == "COMPLETED" and rows["2"]["epochs"] == 1
    assert (trials / "trial_2" / "trial.json.damaged").read_text() == half_2
    oracle = json.loads(oracle_file.read_text())
    assert oracle["ongoing_trials"] == {} and "1" not in oracle["retry_queue"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        w.startswith(f"{trials / 'trial_1' / 'trial.json'}: trial.json was damaged")
        and "raise it by one" in w
        for w in warnings
    ), warnings
    assert any(
        w.startswith(f"{trials / 'trial_2' / 'trial.json'} was damaged (JSONDecodeError")
        and "creates it again" in w
        for w in warnings
    ), warnings
    # genreclf's own files are replaced whole (a new file renamed over the
    # old one), never rewritten in place: a kill leaves the old or the new.
    assert _inode(folder / "tune.json") != replaced["tune.json"]
    assert _inode(folder / "best.json") != replaced["best.json"]
    assert _inode(trials / "trial_2" / "genreclf_trial.json") != replaced["record"]
    assert not list(folder.rglob("*.tmp"))


def test_a_missing_trial_file_a_half_tuner_file_or_an_unlisted_trial_resume(
    finished, tmp_path, caplog
):
    folder = _copy(finished, tmp_path)
    trials = folder / "trials"
    (trials / "trial_1" / "trial.json").unlink()
    (trials / "tuner0.json").write_text("{")
    # Killed between saving a new trial and saving oracle.json: KerasTuner
    # would count trial 2 and never run it.
    state = json.loads((trials / "trial_0" / "trial.json").read_text())
    unlisted = {**state, "trial_id": "2", "status": "RUNNING", "score": None}
    (trials / "trial_2").mkdir()
    (trials / "trial_2" / "trial.json").write_text(
        json.dumps({**unlisted, "metrics": {"metrics": {}}})
    )
    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        _tune(folder, max_trials=3)
    rows = read_trials(folder)
    assert [r["status"] for r in rows] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert "trial.json was missing" in rows[1]["message"]
    assert rows[2]["epochs"] == 1  # run, under its id
    assert (trials / "trial_2" / "trial.json.unlisted").exists()
    assert f"{trials / 'trial_2' / 'trial.json'} is of a trial that never started" in caplog.text
    assert json.loads((trials / "tuner0.json").read_text()) == {}
    assert f"{trials / 'tuner0.json'} was damaged; written again" in caplog.text


def test_a_half_oracle_file_is_a_clear_error_and_touches_nothing(finished, tmp_path, capsys):
    from genreclf.cli import main

    folder = _copy(finished, tmp_path)
    oracle_file = folder / "trials" / "oracle.json"
    _halve(oracle_file)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    argv = ["tune", str(genreclf.sample_path()), "--text", "overview", "--label", "genre"]
    argv += ["--model", "ngram", "--tuner", "random", "--max-trials", "2", "--max-epochs", "1"]
    for name, value in TINY_NGRAM.items():
        argv += ["--set", f"{name}={json.dumps(value)}"]
    assert main([*argv, "--dir", str(folder), "--quiet", "--resume"]) == 1
    err = capsys.readouterr().err
    assert f"genreclf tune: error: {oracle_file} is damaged (JSONDecodeError: " in err
    assert "--overwrite" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    oracle_file.write_text('{"ongoing_trials": []}')
    with pytest.raises(ConfigError, match=r"expected 'ongoing_trials' as a dict\. Received: "):
        _tune(folder)


def test_the_oracle_and_tuner_files_are_replaced_whole(sample_data, tmp_path):
    _, train, _ = sample_data
    tuner = make_tuner(
        make_oracle("random", max_trials=2, seed=0),
        NgramHyperModel(train, **TINY_NGRAM),
        directory=tmp_path,
    )
    trials = tmp_path / "trials"
    trial = tuner.oracle.create_trial("tuner0")
    trial_file = trials / f"trial_{trial.trial_id}" / "trial.json"
    tuner.save()
    written = {p: _inode(p) for p in (trial_file, trials / "oracle.json", trials / "tuner0.json")}
    tuner.oracle.update_trial(trial.trial_id, {"val_macro_f1": 0.5})
    tuner.save()
    # Each a new file renamed over the old one (KerasTuner rewrites them in place).
    assert all(_inode(p) != inode for p, inode in written.items())
    assert json.loads(trial_file.read_text())["metrics"]["metrics"]["val_macro_f1"]
    assert not list(tmp_path.rglob("*.tmp"))
