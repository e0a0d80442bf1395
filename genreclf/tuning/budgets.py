"""Bounds of a search, checked before anything is written.

Every search is finite (a positive trial count; Hyperband's brackets are
finite too), and a distributed search notices a dead worker within a minute:
the chief's worker timeout defaults to four of the workers' heartbeats.
"""

import logging
import pathlib

from genreclf.errors import ConfigError
from genreclf.setting import number
from genreclf.setting import whole

logger = logging.getLogger("genreclf.tuning")

HEARTBEATS_PER_TIMEOUT = 4


def check_budgets(
    *,
    model,
    tuner,
    max_trials,
    max_epochs,
    executions_per_trial=1,
    max_time=None,
    kfold_top=0,
    folds=5,
    heartbeat=15.0,
    worker_timeout=None,
    max_consecutive_failed_trials=3,
    max_retries_per_trial=0,
):
    """Checks a search's bounds before anything is written; returns the worker timeout.

    Every search is finite: `max_trials` and `max_epochs` are positive
    integers (zero does not mean "no limit"). The worker timeout defaults to
    four heartbeats (60 s with the default 15 s heartbeat).

    Example:

    >>> check_budgets(model="ngram", tuner="random", max_trials=5, max_epochs=2)
    60.0
    >>> check_budgets(model="ngram", tuner="random", max_trials=0,
    ...               max_epochs=2)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    genreclf.errors.ConfigError: max_trials must be a positive integer
    """
    from genreclf.models import get_family
    from genreclf.tuning.oracles import TUNERS

    get_family(model)  # an unknown family fails here, before any folder exists
    if tuner not in TUNERS:
        raise ConfigError(f"Unknown tuner. Expected one of {TUNERS}. Received: tuner={tuner!r}.")
    for name, value, flag in (
        ("max_trials", max_trials, "--max-trials"),
        ("max_epochs", max_epochs, "--max-epochs"),
        ("executions_per_trial", executions_per_trial, "--executions-per-trial"),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"{name} must be a positive integer: every search has a finite number of "
                f"{'trials' if name == 'max_trials' else 'epochs' if name == 'max_epochs' else 'runs'}. "
                f"Received: {name}={value!r}. Pass {flag} 1 or more."
            )
    seconds = number(above=0, also=(None,))
    seconds.check("max_time", max_time, where="`--max-time`", fix="Pass e.g. --max-time 3600.")
    whole(0).check(
        "kfold_top",
        kfold_top,
        where="`--kfold-top`",
        fix="Pass the number of best trials to score in k folds, e.g. --kfold-top 3 (0: none).",
    )
    whole(2).check("folds", folds, where="`--folds`", fix="Pass e.g. --folds 5.")
    # KerasTuner stops a search at exactly this many failures in a row: 0 stopped it
    # after its first completed trial ("0 trials in a row failed"), -1 never.
    whole(1).check(
        "max_consecutive_failed_trials",
        max_consecutive_failed_trials,
        where="`--max-failures`",
        fix="Pass e.g. --max-failures 3 (the search stops after that many failed trials in a row).",
    )
    whole(0).check(
        "max_retries_per_trial",
        max_retries_per_trial,
        where="`--retries`",
        fix="Pass e.g. --retries 1 (0: a crashed trial is not run again).",
    )
    number(above=0).check(
        "heartbeat", heartbeat, where="`--heartbeat`", fix="Pass e.g. --heartbeat 15."
    )
    if worker_timeout is None:
        worker_timeout = HEARTBEATS_PER_TIMEOUT * float(heartbeat)
    seconds.check(
        "worker_timeout",
        worker_timeout,
        where="`--worker-timeout`",
        fix=f"Pass --worker-timeout {4 * heartbeat:g} (four heartbeats).",
    )
    if worker_timeout <= heartbeat:
        # The chief cannot see the workers' --heartbeat; its own may differ.
        logger.warning(
            "worker_timeout=%ss is not longer than this process's --heartbeat (%ss): a "
            "worker heartbeating as rarely would lose its trials. Fine if the workers run "
            "with a --heartbeat shorter than %ss.",
            worker_timeout,
            heartbeat,
            worker_timeout,
        )
    return float(worker_timeout)


def absolute_paths(data):
    """The data arguments with file paths made absolute (best.json works from any folder)."""
    data = dict(data)
    for key in ("data", "val_data"):
        if data.get(key):
            data[key] = str(pathlib.Path(data[key]).expanduser().resolve())
    return data


def check_trial(hypermodel, hp):
    """Checks a trial's values (`hp`) of `hypermodel` that a tuner's own `HyperParameters` set.

    A training value `genreclf train` refuses (the tuner's `hp.Fixed("lr", -1)`,
    epochs above `max_epochs`) fails the trial with the reason, as a given
    range is refused before the search. Under Hyperband, a budget
    (`tuner/epochs`) above the hypermodel's `max_epochs` stops the search (a
    `keras_tuner.errors.FatalValueError`, which KerasTuner does not catch):
    the trial would train the budget's epochs on a schedule of `max_epochs`,
    and `train_config(hp)` would retrain it for `max_epochs`. An `epochs`
    hyperparameter beside the budget, which decides the epochs, is warned
    about once: it is sampled, shown and compared, and changes nothing.

    Example:

    >>> import keras_tuner, types
    >>> hypermodel = types.SimpleNamespace(max_epochs=2, space={"epochs": 2})
    >>> hp = keras_tuner.HyperParameters()
    >>> check_trial(hypermodel, hp)
    >>> hp.values["tuner/epochs"] = 6
    >>> check_trial(hypermodel, hp)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    keras_tuner.src.errors.FatalValueError: ... Received: tuner/epochs=6 with max_epochs=2. ...
    """
    import keras_tuner

    from genreclf.tuning.search_space import TRAINING_KEYS
    from genreclf.tuning.search_space import check_training_space
    from genreclf.tuning.search_space import is_hyperparameter
    from genreclf.tuning.trial_config import sampled_value

    budget = hp.values.get("tuner/epochs")
    space = hypermodel.space
    sampled = {
        k: sampled_value(space[k], hp.values[k])
        for k in TRAINING_KEYS
        if k in hp.values and is_hyperparameter(space.get(k))
    }
    if budget is not None:
        sampled.pop("epochs", None)  # the budget decides
    try:
        check_training_space(sampled, hypermodel.max_epochs)
    except ConfigError as error:
        raise keras_tuner.errors.FailedTrialError(str(error)) from None
    if budget is None:
        return
    max_epochs = hypermodel.max_epochs
    if int(budget) > max_epochs:
        raise keras_tuner.errors.FatalValueError(
            "Expected Hyperband's epoch budgets up to the hypermodel's max_epochs (the "
            "trial's schedule and train_config(hp) stop there). Received: "
            f"tuner/epochs={budget} with max_epochs={max_epochs}. Pass the same max_epochs "
            f"to both: keras_tuner.Hyperband(..., max_epochs={max_epochs}), or the "
            f"hypermodel's max_epochs={budget} or more."
        )
    if is_hyperparameter(hypermodel.space.get("epochs")) and not getattr(
        hypermodel, "_warned_epochs", False
    ):
        hypermodel._warned_epochs = True
        logger.warning(
            "Hyperband's budget (tuner/epochs) sets each trial's epochs: the `epochs` "
            "hyperparameter is sampled but changes nothing. Pass epochs=%d (max_epochs) to "
            "%s to leave it out of the search, as genreclf tune does. (Shown once.)",
            max_epochs,
            type(hypermodel).__name__,
        )
