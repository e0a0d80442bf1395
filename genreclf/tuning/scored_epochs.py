"""Which epochs of a trial may be its best: those `genreclf train` may keep.

`genreclf train` keeps the best epoch from `first_scored_epoch` on (after
the warmup and the first epoch at the full learning rate), or the last epoch
of a run too short to reach it (`BestCheckpoint`). A trial is scored by the
same epochs, so the leaderboard's score is the one `best.json` retrains to:
under genreclf's tuners (each trial in its own process) and under any
KerasTuner tuner that runs `FamilyHyperModel.fit`.

KerasTuner takes a trial's score and best step from the `History` a
hypermodel returns and keeps the best epoch's weights with a callback that
tracks its objective; neither has a hook for epochs that may not be chosen,
so the history scores those at the worst value here (each epoch at its own
position, so the best step is the real epoch) and those callbacks see only
the epochs that may be kept.
"""

import math

import keras


def scored_epochs(epochs, first):
    """The positions in `epochs` a trial is scored by: from epoch `first` on, else the last.

    KerasTuner scores a trial by the best epoch of the history it is given;
    `genreclf train` keeps the best epoch after the warmup, or the last epoch
    of a run too short to pass it (`BestCheckpoint`). Scoring a trial by the
    same epochs makes the leaderboard's score the one `best.json` retrains to.

    Example:

    >>> scored_epochs([0, 1, 2, 3], first=2), scored_epochs([0, 1], first=2)
    ([2, 3], [1])
    """
    kept = [i for i, epoch in enumerate(epochs) if epoch >= first]
    return kept or list(range(len(epochs)))[-1:]


def trained_scored_epochs(epochs, trained, first):
    """The positions in `epochs` of the epochs that trained (`trained`) and score the trial.

    A history `FamilyHyperModel.fit` returns holds every epoch from 0, the
    ones it did not train (a Hyperband trial continued from `initial_epoch`)
    or may not keep at the worst value (`epochs_history`): only the epochs
    that trained are read, then `scored_epochs` keeps those from `first` on.
    With `trained` empty (a hypermodel whose `fit` passes no callbacks on),
    every epoch of the history counts as trained.

    Example:

    >>> trained_scored_epochs([0, 1, 2, 3, 4, 5], trained=[3, 4, 5], first=1)
    [3, 4, 5]
    >>> trained_scored_epochs([0, 1, 2], trained=[], first=1)
    [1, 2]
    """
    done = set(trained)
    real = [i for i, epoch in enumerate(epochs) if epoch in done] if done else range(len(epochs))
    real = list(real)
    return [real[j] for j in scored_epochs([epochs[i] for i in real], first)]


def scored_history(history, first, callbacks=()):
    """`history` (a Keras `History`) scored by the epochs `scored_epochs` keeps only.

    As `epochs_history` writes them: each kept epoch at its own position, the
    others at the worst value, so KerasTuner's best step is the epoch
    `genreclf train` would keep. `callbacks`: the trial's, whose tuner
    objective (KerasTuner's best-epoch saver's) says which metric a tuner
    minimises.

    Example:

    >>> history = keras.callbacks.History()
    >>> history.epoch, history.history = [0, 1, 2], {"val_macro_f1": [0.5, 0.3, 0.4]}
    >>> kept = scored_history(history, first=1)
    >>> kept.epoch, kept.history
    ([0, 1, 2], {'val_macro_f1': [-inf, 0.3, 0.4]})
    """
    if not isinstance(history, keras.callbacks.History):
        return history
    epochs = list(history.epoch)
    kept = scored_epochs(epochs, first)
    objectives = [
        getattr(c, "callback", c).objective  # a `ScoredEpochsOnly` wraps one
        for c in callbacks or ()
        if selects_by_objective(getattr(c, "callback", c))
    ]
    return epochs_history(
        {name: [values[i] for i in kept] for name, values in history.history.items()},
        [epochs[i] for i in kept],
        objectives,
    )


def epochs_history(values, epochs, objectives=()):
    """A `History` of the scored `epochs`, each at its position: `trial.best_step` is an epoch.

    KerasTuner takes a trial's best step as the best epoch's position in the
    history's lists, so `epoch` runs from 0 and every epoch not scored (not
    kept, or not trained by a run from `initial_epoch`) holds the worst value
    of each metric, which no scored epoch loses to: `-inf`, or `inf` for a
    metric minimised (a loss, or one a tuner objective in `objectives`
    minimises).

    Args:
        values: `{metric: [value per scored epoch]}`.
        epochs: the scored epochs' numbers (0-based), in order.
        objectives: the tuner's `keras_tuner.Objective`s (a multi-objective's
            parts are read too).

    Example:

    >>> history = epochs_history({"val_loss": [0.7, 0.6]}, [2, 3])
    >>> history.epoch, history.history
    ([0, 1, 2, 3], {'val_loss': [inf, inf, 0.7, 0.6]})
    """
    minimised = set()
    for objective in objectives:
        for one in getattr(objective, "objectives", None) or [objective]:
            if one.direction == "min":
                minimised.add(one.name)
    history = keras.callbacks.History()
    history.epoch = list(range(epochs[-1] + 1)) if epochs else []
    history.history = {}
    for name, scored in values.items():
        worst = math.inf if name in minimised or name.endswith("loss") else -math.inf
        history.history[name] = [worst] * len(history.epoch)
        for epoch, value in zip(epochs, scored):
            history.history[name][epoch] = value
    return history


class ScoredEpochsOnly(keras.callbacks.Callback):
    """Passes on every event to `callback` but the end of an epoch that may not be kept.

    Args:
        callback: a callback that selects epochs (KerasTuner's, which keeps
            the best epoch's weights by the tuner's objective).
        first: the first epoch that may be kept (0-based).
        last: the run's last epoch, kept when the run ends before `first`.

    Example:

    >>> seen = []
    >>> class Note(keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         seen.append(epoch)
    >>> gate = ScoredEpochsOnly(Note(), first=2, last=3)
    >>> for epoch in range(4):
    ...     gate.on_epoch_end(epoch)
    >>> seen
    [2, 3]
    """

    def __init__(self, callback, first, last):
        super().__init__()
        self.callback = callback
        self.first = int(first)
        self.last = int(last)

    def set_model(self, model):
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.callback.set_params(params)

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.first or epoch == self.last:
            self.callback.on_epoch_end(epoch, logs)


def _passed_on(event):
    def hook(self, *args, **kwargs):
        return getattr(self.callback, event)(*args, **kwargs)

    hook.__name__ = event
    return hook


for _event in (
    "on_epoch_begin",
    "on_train_begin",
    "on_train_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
):
    setattr(ScoredEpochsOnly, _event, _passed_on(_event))


def selects_by_objective(callback):
    """Whether `callback` picks epochs by a KerasTuner objective (it holds a
    `keras_tuner.Objective` as `objective`, as KerasTuner's best-epoch saver does)."""
    import keras_tuner

    return isinstance(getattr(callback, "objective", None), keras_tuner.Objective)
