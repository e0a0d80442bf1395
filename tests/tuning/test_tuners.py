import json
import math
import os
import pathlib

import keras
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import NgramHyperModel
from genreclf.tuning import make_oracle
from genreclf.tuning import make_tuner
from genreclf.tuning.tuners import GenreclfHyperband
from genreclf.tuning.tuners import GenreclfTuner


class PoisonFirstTrial(keras.callbacks.Callback):
    """Turns the loss of the first trial's first batch into NaN.

    Each trial runs in its own process, so "first" is a marker file.
    """

    def __init__(self, marker):
        super().__init__()
        self.marker = str(marker)

    def on_train_batch_end(self, batch, logs=None):
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            logs["loss"] = math.nan


def test_a_diverged_trial_is_failed_and_the_search_goes_on(
    sample_data, tmp_path, tiny_ngram, monkeypatch, caplog
):
    _, train, val = sample_data
    # Trials run in spawned processes, which unpickle this module's callback.
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).parents[2]))
    monkeypatch.setenv("PYTHONPATH", str(pathlib.Path(__file__).parents[2]))
    tuner = make_tuner(
        make_oracle("random", max_trials=3, seed=3),
        NgramHyperModel(train, max_epochs=1, **tiny_ngram),
        directory=tmp_path,
    )
    tuner.search(
        train, validation_data=val, callbacks=[PoisonFirstTrial(tmp_path / "poisoned")], verbose=0
    )
    statuses = {t.trial_id: t.status for t in tuner.oracle.trials.values()}
    assert sorted(statuses.values()) == ["COMPLETED", "COMPLETED", "FAILED"]
    failed = next(t for t in tuner.oracle.trials.values() if t.status == "FAILED")
    assert "diverged" in failed.message
    for trial_id, status in statuses.items():
        record = json.loads(
            (tmp_path / "trials" / f"trial_{trial_id}" / "genreclf_trial.json").read_text()
        )
        assert record["status"] == status and record["tuner_id"] == "tuner0"
        assert record["seconds"] > 0
        assert record["epochs"] == (1 if status == "COMPLETED" else 0)
    record_path = tmp_path / "trials" / f"trial_{failed.trial_id}" / "genreclf_trial.json"
    record = json.loads(record_path.read_text())
    assert "FailedTrialError" in record["message"]
    # The whole traceback is kept beside the one line, and the warning says where.
    assert record["traceback"] == failed.message and "Traceback" in record["traceback"]
    warning = next(r.getMessage() for r in caplog.records if "failed" in r.getMessage())
    assert f'(its traceback: {record_path}, "traceback")' in warning


def test_consecutive_failures_stop_the_search(sample_data, tmp_path, tiny_ngram):
    _, train, val = sample_data
    tuner = make_tuner(
        make_oracle("random", max_trials=5, max_consecutive_failed_trials=2),
        NgramHyperModel(train, max_epochs=1, **{**tiny_ngram, "hidden_dim": 4, "mode": "count"}),
        directory=tmp_path,
    )
    # A sentinel that makes every trial crash: no validation targets.
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.search(train, validation_data=([], []), verbose=0)
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED", "FAILED"]


def test_tuner_class_follows_the_oracle(sample_data, tmp_path):
    _, train, _ = sample_data
    hypermodel = NgramHyperModel(train, max_tokens=100)
    assert (
        type(
            make_tuner(make_oracle("hyperband", max_epochs=2), hypermodel, directory=tmp_path / "a")
        )
        is GenreclfHyperband
    )
    assert (
        type(make_tuner(make_oracle("bayesian"), hypermodel, directory=tmp_path / "b"))
        is GenreclfTuner
    )
    with pytest.raises(ConfigError, match="executions_per_trial"):
        make_tuner(
            make_oracle("random"), hypermodel, directory=tmp_path / "c", executions_per_trial=0
        )
