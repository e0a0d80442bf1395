import math

import keras_tuner
import pytest

from genreclf.tuning.callbacks import FailTrialOnNaN


@pytest.mark.parametrize("logs", [{"loss": math.nan}, {"loss": math.inf}])
def test_non_finite_loss_fails_the_trial(logs):
    with pytest.raises(keras_tuner.errors.FailedTrialError, match="diverged"):
        FailTrialOnNaN().on_train_batch_end(3, logs)


def test_finite_values_pass():
    callback = FailTrialOnNaN()
    callback.on_train_batch_end(0, {"loss": 0.5})
    callback.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.7})
    with pytest.raises(keras_tuner.errors.FailedTrialError, match="val_loss"):
        callback.on_epoch_end(1, {"loss": 0.5, "val_loss": math.nan})
