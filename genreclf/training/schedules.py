"""Learning-rate schedules: the seed's `step`, `cosine` with warmup, `plateau`.

`make_schedule` returns the learning rate to give the optimizer and the
callbacks that go with it. A `LearningRateSchedule` and a callback that sets
the learning rate never come together (Keras raises if they do).
"""

import keras

from genreclf.errors import ConfigError

SCHEDULES = ("constant", "step", "cosine", "plateau")


@keras.saving.register_keras_serializable(package="genreclf")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant for `hold_epochs`, then multiplied by `factor` every epoch.

    The seed project's schedule (constant for 5 epochs, then ×0.5 per epoch),
    expressed per optimizer step so it lives inside the optimizer.

    Args:
        initial_learning_rate: the rate during the first `hold_epochs`.
        steps_per_epoch: optimizer steps per epoch.
        hold_epochs: epochs at the initial rate.
        factor: multiplier applied once per epoch afterwards.

    Example:

    >>> schedule = StepDecay(1e-3, steps_per_epoch=10, hold_epochs=5, factor=0.5)
    >>> [round(float(schedule(step)), 6) for step in (49, 50, 60)]
    [0.001, 0.0005, 0.00025]
    """

    def __init__(self, initial_learning_rate, steps_per_epoch, hold_epochs=5, factor=0.5):
        if steps_per_epoch < 1:
            raise ConfigError(
                f"steps_per_epoch must be >= 1. Received: steps_per_epoch={steps_per_epoch}."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.steps_per_epoch = int(steps_per_epoch)
        self.hold_epochs = int(hold_epochs)
        self.factor = float(factor)

    def __call__(self, step):
        epoch = keras.ops.floor(keras.ops.cast(step, "float32") / float(self.steps_per_epoch))
        decays = keras.ops.maximum(epoch - float(self.hold_epochs) + 1.0, 0.0)
        return self.initial_learning_rate * keras.ops.power(self.factor, decays)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "hold_epochs": self.hold_epochs,
            "factor": self.factor,
        }


def make_schedule(
    name,
    learning_rate,
    *,
    steps_per_epoch,
    epochs,
    warmup_epochs=1,
    monitor="val_macro_f1",
):
    """Returns `(learning_rate_or_schedule, callbacks)` for schedule `name`.

    Args:
        name: `"constant"`, `"step"`, `"cosine"` (linear warmup then cosine
            decay to zero) or `"plateau"` (halve the rate when `monitor` stops
            improving).
        learning_rate: the peak learning rate.
        steps_per_epoch: optimizer steps per epoch.
        epochs: planned epochs (sets the cosine decay length).
        warmup_epochs: warmup length for `"cosine"`.
        monitor: the metric `"plateau"` watches.

    Example:

    >>> lr, callbacks = make_schedule("step", 1e-3, steps_per_epoch=10, epochs=8)
    >>> type(lr).__name__, callbacks
    ('StepDecay', [])
    """
    if name == "constant":
        return float(learning_rate), []
    if name == "step":
        return StepDecay(learning_rate, steps_per_epoch), []
    if name == "cosine":
        warmup_steps = int(warmup_epochs * steps_per_epoch)
        decay_steps = max(1, epochs * steps_per_epoch - warmup_steps)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0 if warmup_steps else learning_rate,
            decay_steps=decay_steps,
            warmup_target=learning_rate if warmup_steps else None,
            warmup_steps=warmup_steps,
        )
        return schedule, []
    if name == "plateau":
        mode = "min" if "loss" in monitor else "max"
        callback = keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode=mode, factor=0.5, patience=1, min_lr=1e-6
        )
        return float(learning_rate), [callback]
    raise ConfigError(
        f"Unknown schedule. Expected one of {SCHEDULES}. Received: schedule={name!r}."
    )
