import time

import keras_tuner
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import make_oracle


def _oracle(tmp_path, **kwargs):
    oracle = make_oracle("random", max_trials=kwargs.pop("max_trials", 10), **kwargs)
    oracle._set_project_dir(str(tmp_path), "trials")
    hp = keras_tuner.HyperParameters()
    hp.Int("units", 1, 1000)
    oracle.update_space(hp)
    return oracle


def _finish(oracle, trial, score=0.5):
    oracle.update_trial(trial.trial_id, {"val_macro_f1": score})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


@pytest.mark.parametrize("kind", ["random", "hyperband", "bayesian"])
def test_every_kind_builds(kind):
    oracle = make_oracle(kind, max_trials=4, max_epochs=3)
    assert oracle.objective.direction == "max" and oracle.max_trials == 4


def test_unknown_kind():
    with pytest.raises(ConfigError, match="Unknown tuner"):
        make_oracle("grid")


def test_time_budget_stops_new_trials(tmp_path):
    oracle = _oracle(tmp_path, max_time=0.3)
    trial = oracle.create_trial("tuner0")
    assert trial.status == "RUNNING"
    time.sleep(0.4)
    # The running trial is still handed back to its tuner, nothing new starts.
    assert oracle.create_trial("tuner0").trial_id == trial.trial_id
    _finish(oracle, trial)
    assert oracle.create_trial("tuner0").status == "STOPPED"
    assert len(oracle.trials) == 1


def test_silent_worker_trial_is_requeued(tmp_path):
    oracle = _oracle(tmp_path, distributed=True)
    dead = oracle.create_trial("tuner0")
    alive = oracle.create_trial("tuner1")
    time.sleep(0.3)
    oracle.get_trial(alive.trial_id)  # tuner1's heartbeat
    dropped = oracle.requeue_silent_workers(timeout=0.2)
    assert dropped == [("tuner0", dead.trial_id)]
    assert "tuner0" not in oracle.ongoing_trials and "tuner0" not in oracle.tuner_ids
    _finish(oracle, alive)
    # The live worker takes the dead worker's trial next.
    assert oracle.create_trial("tuner1").trial_id == dead.trial_id


def test_worker_waits_while_others_run(tmp_path):
    oracle = _oracle(tmp_path, max_trials=1, distributed=True)
    only = oracle.create_trial("tuner0")
    assert oracle.create_trial("tuner1").status == "IDLE"  # tuner0 may still die
    _finish(oracle, only)
    assert oracle.create_trial("tuner1").status == "STOPPED"
    assert oracle.create_trial("tuner0").status == "STOPPED"
    assert not oracle.tuner_ids
