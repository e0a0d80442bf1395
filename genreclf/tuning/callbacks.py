"""Callbacks used inside tuning trials."""

import math

import keras
import keras_tuner


class FailTrialOnNaN(keras.callbacks.Callback):
    """Stops a trial whose loss became NaN or infinite and marks it failed.

    Like `keras.callbacks.TerminateOnNaN`, but it raises
    `keras_tuner.errors.FailedTrialError`, so KerasTuner records the trial as
    `FAILED` (with this message) and the search goes on with the next trial,
    instead of scoring a diverged model.

    Example:

    >>> callback = FailTrialOnNaN()
    >>> callback.on_train_batch_end(0, {"loss": 0.7})  # fine: nothing happens
    """

    def _check(self, where, logs):
        for name in ("loss", "val_loss"):
            value = (logs or {}).get(name)
            if value is not None and not math.isfinite(float(value)):
                if self.model is not None:
                    self.model.stop_training = True
                raise keras_tuner.errors.FailedTrialError(
                    f"{name} became {float(value)} at {where}: the trial diverged "
                    "(learning rate too high?). It is recorded as failed and the "
                    "search continues."
                )

    def on_train_batch_end(self, batch, logs=None):
        self._check(f"batch {batch}", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._check(f"the end of epoch {epoch + 1}", logs)
