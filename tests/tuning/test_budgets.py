"""A search's bounds are checked, by the Python API as by the command line, before any trial."""

import pytest

from genreclf.errors import ConfigError
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
