"""A search's bounds are checked, by the Python API as by the command line, before any trial."""

import keras_tuner
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning.budgets import check_budgets

BOUNDS = dict(model="ngram", tuner="random", max_trials=2, max_epochs=2)


@pytest.mark.parametrize(
    "given, received",
    [
        ({"max_time": "600"}, r"max_time \(`--max-time`\) must be a number above 0.*'600'"),
        ({"max_time": 0}, r"Received: max_time=0"),
        ({"kfold_top": 1.5}, r"kfold_top \(`--kfold-top`\) must be a whole number.*=1.5"),
        ({"kfold_top": 1, "folds": 2.5}, r"folds \(`--folds`\) must be a whole number.*=2.5"),
        ({"folds": 1}, r"Received: folds=1. Pass e.g. --folds 5"),
        ({"heartbeat": 0}, r"Received: heartbeat=0"),
        ({"worker_timeout": -1}, r"Received: worker_timeout=-1. Pass --worker-timeout 60"),
        # KerasTuner stopped a search at its first completed trial with 0, never with -1.
        (
            {"max_consecutive_failed_trials": 0},
            r"\(`--max-failures`\) must be a whole number of at least 1",
        ),
        ({"max_consecutive_failed_trials": -1}, r"Received: max_consecutive_failed_trials=-1"),
        ({"max_retries_per_trial": -1}, r"\(`--retries`\) must be a whole number of at least 0"),
    ],
)
def test_bad_bounds_name_the_flag(given, received):
    with pytest.raises(ConfigError, match=received):
        check_budgets(**BOUNDS, **given)


def test_the_worker_timeout_defaults_to_four_heartbeats():
    assert check_budgets(**BOUNDS, heartbeat=5) == 20.0
    assert check_budgets(**BOUNDS, max_time=60, kfold_top=2, folds=3) == 60.0


def test_under_keras_tuners_hyperband_a_tuned_epochs_is_warned_about(
    sample_data, tiny_ngram, caplog
):
    """Hyperband's `tuner/epochs` decides a trial's epochs: an `epochs` hyperparameter
    (KerasTuner registers it when the tuner is made) changes nothing, which is said once."""
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=4, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    hp.values.update({"tuner/epochs": 2, "tuner/initial_epoch": 0})
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        assert hypermodel.build(hp) and hypermodel.train_config(hp).epochs == 2
    assert "Pass epochs=4 (max_epochs) to FamilyHyperModel" in caplog.text
    caplog.clear()
    fixed = FamilyHyperModel("ngram", train, max_epochs=4, epochs=4, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    hp.values.update({"tuner/epochs": 2, "tuner/initial_epoch": 0})
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        assert fixed.build(hp) and fixed.train_config(hp).epochs == 2
    assert "epochs" not in caplog.text


def test_a_hyperband_budget_above_max_epochs_stops_the_search(sample_data, tiny_ngram):
    """Hyperband(max_epochs=6) over a hypermodel of max_epochs=2 would train 6 epochs on a
    2-epoch schedule that `train_config` retrains for 2: refused, naming both."""
    _, train, val = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    hp.values.update({"tuner/epochs": 6, "tuner/initial_epoch": 0})
    with pytest.raises(keras_tuner.errors.FatalValueError, match=r"tuner/epochs=6.*max_epochs=2"):
        hypermodel.build(hp)


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("lr", -0.5, "lr=-0.5"),  # trained by gradient ascent to a score
        ("batch_size", 0, "batch_size=0"),  # was a ZeroDivisionError
        ("epochs", 5, "epochs=5 with max_epochs=2"),  # was trained for 2, shown as 5
    ],
)
def test_a_tuners_own_value_train_refuses_fails_its_trial(
    sample_data, tiny_ngram, name, value, words
):
    """A value of the tuner's own HyperParameters is checked as a given range is."""
    _, train, _ = sample_data
    args = {k: v for k, v in tiny_ngram.items() if k != "batch_size"}  # batch_size tuned
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **args)
    hp = keras_tuner.HyperParameters()
    hp.Fixed(name, value)
    with pytest.raises(keras_tuner.errors.FailedTrialError, match=words):
        hypermodel.build(hp)


def test_a_tuners_own_choice_of_true_and_false_is_a_switch(sample_data, tiny_ngram):
    """KerasTuner samples `hp.Choice("class_weight", [True, False])` as 1 and 0, which
    `genreclf train` refuses: the trial reads them as the switch genreclf declares."""
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    hp.Choice("class_weight", [True, False])
    assert hp.values["class_weight"] == 1 and hypermodel.build(hp)
    assert hypermodel.train_config(hp).class_weight is True
