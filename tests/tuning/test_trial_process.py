"""A trial is scored by the epochs `genreclf train` would keep, and ends with its search
(`trial_process`)."""

import os
import pathlib
import signal
import subprocess
import sys
import time

import keras_tuner
import pytest

import genreclf
from genreclf.tuning.hypermodel import FamilyHyperModel
from genreclf.tuning.trial_process import run_trial_here

from .conftest import subprocess_env


def test_a_trial_is_scored_after_its_warmup_and_checkpoints_that_epoch(
    sample_data, tmp_path, tiny_ngram
):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=3, search_defaults=False, patience=5, **tiny_ngram
    )
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    checkpoint = tmp_path / "checkpoint.weights.h5"
    result = run_trial_here(
        hypermodel,
        hp.get_config(),
        (),
        {"validation_data": val},
        seed=0,
        checkpoint=str(checkpoint),
        objective="val_macro_f1",
    )
    # Warmup 1: epochs 0 and 1 are not candidates, in training or in tuning.
    assert hypermodel.first_scored_epoch(hp) == 2
    assert result["epoch"] == [2] and result["epochs_trained"] == 3
    assert len(result["history"]["val_macro_f1"]) == 1
    assert checkpoint.exists()


def _live_processes_of_session(session):
    """The pids of the live (not zombie) processes of a session, read from /proc (Linux)."""
    live = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            live.append(int(stat.parent.name))
    return live


@pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_search_leaves_no_trial_process_training(tmp_path):
    """`kill -9` of `genreclf tune` mid-trial: its trial process stops too, instead of
    training the trial to the end for nobody while `--resume` runs it again."""
    folder = tmp_path / "search"
    command = [sys.executable, "-m", "genreclf", "tune", str(genreclf.sample_path()),
               "--text", "overview", "--label", "genre", "--model", "ngram", "--tuner", "random",
               "--max-trials", "1", "--max-epochs", "300", "--dir", str(folder), "--quiet",
               "--set", "max_tokens=300", "--set", "hidden_dim=0", "--set", "batch_size=8",
               "--set", "epochs=300", "--set", "patience=300"]  # fmt: skip
    log = open(tmp_path / "tune.log", "w")
    # Its own session: the search and every process it starts.
    search = subprocess.Popen(
        command, env=subprocess_env(), stdout=log, stderr=log, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        # Its first checkpoint: the trial process is training (300 epochs: minutes).
        checkpoint = folder / "trials" / "trial_0" / "checkpoint.weights.h5"
        while time.monotonic() < deadline and search.poll() is None and not checkpoint.exists():
            time.sleep(0.1)
        assert search.poll() is None, (tmp_path / "tune.log").read_text()[-2000:]
        assert len(_live_processes_of_session(search.pid)) > 1  # the search and its trial's
        os.kill(search.pid, signal.SIGKILL)
        search.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _live_processes_of_session(search.pid):
            time.sleep(0.2)
        assert _live_processes_of_session(search.pid) == []
    finally:
        log.close()
        for pid in _live_processes_of_session(search.pid):  # one by one, this test's own
            os.kill(pid, signal.SIGKILL)
        if search.poll() is None:
            search.kill()
            search.wait()
