"""`genreclf.tuning.chief_client`: a worker's kept result of a trial its lost chief never got."""

import json
import pathlib

import grpc
import keras_tuner
import pytest
from keras_tuner.engine import trial as trial_module

from genreclf.tuning import chief_client
from genreclf.tuning.trial_record import CHECKPOINT


def _trial(trial_id="3", lr=0.01):
    hp = keras_tuner.HyperParameters()
    hp.Fixed("lr", lr)
    return trial_module.Trial(hp, trial_id=trial_id)


BOOKKEEPING = {"tuner_id": "tuner1", "started": 1.7e9, "seconds": 12.5, "epochs": 4,
               "first_scored_epoch": 1, "processes": [{"pid": 7, "max_rss_mb": 300.0}]}  # fmt: skip
EXECUTIONS = [{"history": {"val_macro_f1": [0.2, 0.3]}, "epoch": [1, 2]}]


def _keep(tmp_path, trial=None):
    (tmp_path / CHECKPOINT).write_bytes(b"weights")
    return chief_client.keep(tmp_path, trial or _trial(), EXECUTIONS, BOOKKEEPING)


def test_a_kept_result_is_read_back_for_the_same_trial_and_removed_once_reported(tmp_path):
    assert _keep(tmp_path) == str(tmp_path / chief_client.UNREPORTED)
    kept = chief_client.kept_result(tmp_path, _trial(), executions_per_trial=1)
    assert kept["executions"] == EXECUTIONS and kept["processes"] == BOOKKEEPING["processes"]
    assert kept["checkpoint"] is True
    chief_client.remove(tmp_path)
    assert not (tmp_path / chief_client.UNREPORTED).exists()
    chief_client.remove(tmp_path)  # nothing kept: nothing to do
    assert chief_client.kept_result(tmp_path, _trial(), 1) is None


@pytest.mark.parametrize(
    "trial, executions, why",
    [
        (_trial(trial_id="4"), 1, "it was kept for trial 3"),
        (_trial(lr=0.02), 1, "its hyperparameter values are not the trial's"),
        (_trial(), 2, "1 executions, the search runs 2"),
    ],
)
def test_a_kept_result_of_another_trial_is_not_used(tmp_path, caplog, trial, executions, why):
    _keep(tmp_path)
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        assert chief_client.kept_result(tmp_path, trial, executions) is None
    assert why in caplog.text and f"trial {trial.trial_id} trains again" in caplog.text


def test_a_damaged_kept_result_or_lost_weights_train_again(tmp_path, caplog):
    _keep(tmp_path)
    (tmp_path / CHECKPOINT).unlink()
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        assert chief_client.kept_result(tmp_path, _trial(), 1) is None
    assert "its best weights, checkpoint.weights.h5, are gone" in caplog.text
    path = _keep(tmp_path)
    state = json.loads(open(path).read())
    for damage in ('{"trial_id": "3", "val', json.dumps({**state, "epochs": "four"})):
        open(path, "w").write(damage)
        caplog.clear()
        with caplog.at_level("WARNING", logger="genreclf.tuning"):
            assert chief_client.kept_result(tmp_path, _trial(), 1) is None
        assert "not used (damaged" in caplog.text


def test_a_failed_call_to_the_chief_is_chief_lost_with_its_status():
    class Gone(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.DEADLINE_EXCEEDED

    class Client:
        objective = "val_macro_f1"

        def end_trial(self, trial):
            raise Gone()

    client = chief_client.ChiefClient(Client())
    assert client.objective == "val_macro_f1"
    with pytest.raises(chief_client.ChiefLost) as lost:
        client.end_trial(_trial())
    assert isinstance(lost.value, keras_tuner.errors.FatalError)  # KerasTuner re-raises it
    assert chief_client.status_name(lost.value) == lost.value.code == "DEADLINE_EXCEEDED"


@pytest.mark.parametrize("chief_has_scores", [False, True])
def test_a_kept_result_is_reported_once_without_a_false_deprecation_warning(
    tmp_path, chief_has_scores
):
    """A resumed chief that got the kept result (`update_trial`) but not the trial's end
    hands the trial out with its scores: the search ends it, reports nothing twice, and
    KerasTuner's warning about `update_trial` in `run_trial` (genreclf never calls it) is
    silenced for that trial only."""
    import warnings

    from genreclf.tuning import make_tuner
    from genreclf.tuning.trial_record import TRIAL_RECORD

    hp = keras_tuner.HyperParameters()
    hp.Float("lr", 0.001, 0.1)
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_macro_f1", "max"), max_trials=1, hyperparameters=hp
    )
    tuner = make_tuner(oracle, None, directory=tmp_path)
    trial = oracle.create_trial(tuner.tuner_id)  # handed out again by the resumed chief
    if chief_has_scores:  # the lost chief got the result, not the trial's end
        oracle.update_trial(trial.trial_id, {"val_macro_f1": 0.3}, step=2)
    trial_dir = pathlib.Path(tuner.get_trial_dir(trial.trial_id))
    _keep(trial_dir, trial)
    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tuner.search()
    assert [str(w.message) for w in seen if "update_trial" in str(w.message)] == []
    assert warnings.filters == filters  # silenced for that trial only
    ended = oracle.trials[trial.trial_id]
    # the best step is the best epoch itself: epoch 2 (EXECUTIONS scored epochs 1 and 2)
    assert ended.status == "COMPLETED" and ended.score == 0.3 and ended.best_step == 2
    observations = ended.metrics.get_history("val_macro_f1")
    assert [(o.step, o.value) for o in observations] == [(2, [0.3])]  # reported once
    assert not (trial_dir / chief_client.UNREPORTED).exists()
    record = json.loads((trial_dir / TRIAL_RECORD).read_text())
    assert record["processes"] == BOOKKEEPING["processes"] and record["tuner_id"] == "tuner1"


def test_a_lost_chiefs_message_says_which_workers_reuse_the_kept_result(monkeypatch):
    from genreclf.tuning import cli
    from genreclf.tuning import distributed

    class Gone(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.UNAVAILABLE

    for name, value in [(distributed.TUNER_ID, "tuner0"), (distributed.ORACLE_IP, "10.0.0.1"),
                        (distributed.ORACLE_PORT, "8000")]:  # fmt: skip
        monkeypatch.setenv(name, value)
    lost = chief_client.ChiefLost(Gone())
    assert "Trial" not in cli._lost_chief(lost)  # nothing kept: nothing to say of it
    lost.kept, lost.trial_id = "/w/trials/trial_0/unreported_result.json", "0"
    assert cli._lost_chief(lost) == (
        "worker tuner0 lost the chief at 10.0.0.1:8000 (UNAVAILABLE). Trial 0 finished but was "
        "not reported: its result is kept in /w/trials/trial_0/unreported_result.json. A worker "
        "that runs the trial with this --dir (this one restarted, or any worker where --dir is a "
        "folder shared by all) reports it instead of training it again; elsewhere the trial "
        "trains again. Restart the chief with --resume, then this worker."
    )
