"""`make_objective`: a KerasTuner objective from a genreclf metric name."""

import keras_tuner

from genreclf.errors import ConfigError
from genreclf.training.config_values import METRICS  # what every genreclf model logs
from genreclf.training.config_values import check_single_label_metric

DEFAULT_OBJECTIVE = "val_macro_f1"


def auto_objective(multi_label):
    """The objective `"auto"` stands for: how trials of this data are best compared.

    Multi-label data: `val_tuned_macro_f1` (macro-F1 at per-class thresholds
    tuned on validation, the score training selects epochs by); single-label:
    `val_macro_f1`.

    Example:

    >>> auto_objective(multi_label=True), auto_objective(multi_label=False)
    ('val_tuned_macro_f1', 'val_macro_f1')
    """
    return "val_tuned_macro_f1" if multi_label else DEFAULT_OBJECTIVE


def check_objective(name, multi_label):
    """Refuses an objective that no trial on this data logs, before the first trial.

    A name that is no genreclf metric (`make_objective`) is refused;
    `val_tuned_macro_f1` is logged for multi-label data only (single-label
    answers are an arg-max: no thresholds to tune), and never for the
    training rows, which have no held-out scores to tune on.

    Example:

    >>> check_objective("val_macro_f1", multi_label=False)
    >>> check_objective("val_tuned_macro_f1", multi_label=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... Received: objective='val_tuned_macro_f1' on single-label data. ...
    """
    name = getattr(name, "name", name)
    make_objective(name)  # a metric genreclf logs at all (`val_accuracy` is none)
    if name == "tuned_macro_f1":
        raise ConfigError(
            "Expected val_tuned_macro_f1: thresholds are tuned on the validation rows, so "
            "the training rows have no tuned macro-F1. Received: objective='tuned_macro_f1'. "
            "Pass --objective val_tuned_macro_f1 (or auto)."
        )
    check_single_label_metric(
        "objective",
        name,
        multi_label,
        expected="an objective single-label trials log",
        why=f"{name} is multi-label only (a single-label answer is the top score; no "
        "thresholds are tuned)",
        fix=f"Pass --objective {DEFAULT_OBJECTIVE} (or auto).",
    )


def objective_direction(name):
    """`"min"` for losses, `"max"` for every other genreclf metric.

    Example:

    >>> objective_direction("val_loss"), objective_direction("val_macro_f1")
    ('min', 'max')
    """
    return "min" if name.endswith("loss") else "max"


def make_objective(name=DEFAULT_OBJECTIVE, direction=None):
    """A `keras_tuner.Objective` for a metric genreclf reports.

    Args:
        name: `val_macro_f1` (default), `val_tuned_macro_f1` (multi-label:
            at per-class thresholds tuned on validation, as training selects
            epochs), `val_micro_f1`, `val_weighted_f1`,
            `val_macro_precision`, `val_macro_recall`, `val_loss`, or the same
            names without `val_` (training-set values; rarely what you want;
            `tuned_macro_f1` has none).
        direction: `"min"` or `"max"`; inferred from the name when None
            (losses are minimised, F1/precision/recall maximised).

    Example:

    >>> objective = make_objective("val_macro_f1")
    >>> objective.name, objective.direction
    ('val_macro_f1', 'max')
    """
    if isinstance(name, keras_tuner.Objective):
        return name
    base = name[4:] if name.startswith("val_") else name
    if base not in METRICS:
        choices = [f"val_{m}" for m in METRICS]
        raise ConfigError(
            f"Unknown objective. Expected a metric genreclf reports, one of {choices} "
            f"(or without 'val_'). Received: objective={name!r}."
        )
    if direction is None:
        direction = objective_direction(name)
    if direction not in ("min", "max"):
        raise ConfigError(f"direction must be 'min' or 'max'. Received: direction={direction!r}.")
    return keras_tuner.Objective(name, direction)


def warn_other_objective(hypermodel, callbacks):
    """Warns once when a tuner's callback picks epochs by another objective than the trial's.

    A trial's early stopping (and `genreclf train` of its `train_config`)
    keeps epochs by `hypermodel.objective`; a tuner scoring by another metric
    compares trials on epochs chosen for a metric it does not score.

    Example:

    >>> import types
    >>> hypermodel = types.SimpleNamespace(objective="val_macro_f1")
    >>> saver = types.SimpleNamespace(objective=make_objective("val_loss"))
    >>> warn_other_objective(hypermodel, [saver])  # logs the warning
    >>> hypermodel._warned_objective
    True
    """
    import logging

    from genreclf.tuning.scored_epochs import selects_by_objective

    for callback in callbacks or ():
        name = callback.objective.name if selects_by_objective(callback) else hypermodel.objective
        if name != hypermodel.objective and not getattr(hypermodel, "_warned_objective", False):
            hypermodel._warned_objective = True
            logging.getLogger("genreclf.tuning").warning(
                "The tuner scores trials by objective=%r, while each trial's early stopping "
                "keeps its epochs by the hypermodel's objective=%r (as train_config(best_hp) "
                "retrains). Give both the same: %s(..., objective=%r), or the tuner "
                "make_objective(hypermodel.objective). (Shown once.)",
                name,
                hypermodel.objective,
                type(hypermodel).__name__,
                name,
            )
