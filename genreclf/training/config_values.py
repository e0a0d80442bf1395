"""What each `TrainConfig` key accepts, checked one key at a time.

`check_training_value` (the training arguments' ranges and switches, which the
tuner's search spaces are checked against too), `check_config_value` (any key
of `TrainConfig`) and `check_config_file_values` (the values a `--config` file
sets, its errors naming the file and key). `TrainConfig.check` runs them, then
the checks of keys together.
"""

import os

from genreclf.data.read_options import check_switch
from genreclf.data.splits import VAL_FRACTION
from genreclf.errors import ConfigError
from genreclf.setting import number
from genreclf.setting import numpy_scalar
from genreclf.setting import rate
from genreclf.setting import whole

AUTO = "auto"

# The metrics every genreclf model logs, each also as `val_<name>` on the
# validation rows (`tuned_macro_f1` only there, for multi-label data): what
# early stopping may watch (`TrainConfig.monitor`) and a search may score by.
METRICS = (
    "loss",
    "macro_f1",
    "tuned_macro_f1",  # multi-label: macro-F1 at per-class thresholds tuned on validation
    "micro_f1",
    "weighted_f1",
    "macro_precision",
    "macro_recall",
)


def check_training_value(name, value):
    """`value` of training argument `name` if `TrainConfig` takes it, else a `ConfigError`.

    Numbers are checked against their range, yes/no settings (`class_weight`,
    `refit`, ...) as switches; arguments without a check (`schedule`, ...)
    pass as they are.

    Example:

    >>> check_training_value("epochs", 3)
    3
    >>> check_training_value("epochs", 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: epochs (`--epochs`) must be a whole number of at least 1, ...
    >>> check_training_value("class_weight", 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: class_weight (`--class-weight` / `--no-class-weight`) weights ...
    """
    if name in SWITCHES:
        return check_switch(
            name, value, switches=SWITCHES, negatable=name in NEGATABLE, config_key=True
        )
    if name not in RANGES:
        return value
    setting, where, example = RANGES[name]
    fix = f"Pass e.g. {example}" + (
        f", or {AUTO!r} for the model family's default." if AUTO in setting.also else "."
    )
    return setting.check(name, value, where=where, fix=fix)


def check_config_value(name, value):
    """`value` of the `TrainConfig` key `name`, checked on its own; else a `ConfigError`.

    The checks `TrainConfig.check` makes of one key at a time: a file path for
    `data` and `val_data`, the ranges of the numbers, `ema`, the switches,
    column names for `features` and `categorical`, a known model family.
    The checks of keys together (`folds` with `val_data`, an ensemble's
    config) are `TrainConfig.check`'s alone.

    Args:
        name: a `TrainConfig` key.
        value: its value.

    Returns:
        `value` as the configuration keeps it: a NumPy scalar as a plain
        number or bool, one column name as a list of one.

    Raises:
        ConfigError: naming the key, what it takes, the value received and
            the fix.

    Example:

    >>> check_config_value("features", "year")
    ['year']
    >>> check_config_value("epochs", "many")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: epochs (`--epochs`) must be a whole number ... Received: epochs='many'...
    """
    if name in ("data", "val_data"):  # rows in memory go to train(data=...)
        if value is not None and not isinstance(value, (str, os.PathLike)):
            from genreclf.data.inputs import describe  # never the rows themselves

            raise ConfigError(
                f"{name} takes a file path here. Received: {describe(value)}. Pass "
                "a DataFrame or TextDataset as train()'s first argument; for held-out "
                "rows, write them to a file (`frame.to_csv('val.csv', index=False)`) and "
                "pass its path, or leave val_data out to hold out val_split of the rows."
            )
    elif name in RANGES:
        value = check_training_value(name, value)
        if numpy_scalar(value):
            value = value.item()  # config.json takes plain numbers
    elif name == "monitor":
        check_monitor(value)
    elif name == "ema":
        if value not in (None, AUTO):
            from genreclf.training.optimizers import check_ema

            check_ema(value)  # a momentum in [0, 1), or a horizon in steps
    elif name in SWITCHES:  # a NumPy bool is kept as a plain one, as config.json takes
        value = check_switch(
            name, value, switches=SWITCHES, negatable=name in NEGATABLE, config_key=True
        )
    elif name in ("features", "categorical"):
        if isinstance(value, str):
            value = [value]  # one column, not its letters
        elif value is not None and not (
            isinstance(value, (list, tuple))
            and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
        ):
            raise ConfigError(
                f"{name} takes column names: a list of strings. Received: "
                f"{name}={value!r}. Pass {name}=['year'] (`--{name} year`)."
            )
    elif name == "model" and value not in (AUTO, "ensemble"):  # an ensemble: `check`'s
        from genreclf.models import check_family_name  # loads Keras: not for the default

        check_family_name(value, other=(AUTO, f'"{AUTO}" (the default recipe)'))
    return value


def check_monitor(value):
    """Refuses a `monitor` that is no metric genreclf logs.

    `None` is the default: validation macro-F1 (at tuned per-class thresholds
    for multi-label data). A search by another objective writes it into
    `best.json`, so that the retrained run keeps its epochs as the trial did;
    as a search's objective, a name without `val_` is the training rows'
    value (`tuned_macro_f1` has none).

    Example:

    >>> check_monitor("val_loss")
    >>> check_monitor("val_accuracy")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: monitor (the metric ...). Received: monitor='val_accuracy'. ...
    """
    base = value[4:] if isinstance(value, str) and value.startswith("val_") else value
    if value is None or (base in METRICS and value != "tuned_macro_f1"):
        return
    choices = [f"val_{m}" for m in METRICS]
    raise ConfigError(
        "monitor (the metric early stopping and the best checkpoint keep epochs by) "
        f"must be a metric genreclf logs: one of {choices} (or without 'val_': the "
        "training rows' value), or null for the default (val_macro_f1; "
        f"val_tuned_macro_f1 for multi-label data). Received: monitor={value!r}. Pass "
        'e.g. "monitor": "val_loss" in the config file, or null.'
    )


def check_single_label_metric(key, value, multi_label, *, expected, why, fix):
    """Refuses `tuned_macro_f1` (with or without `val_`) as `key` on single-label data.

    Single-label training never logs it: a single-label answer is the top
    score, so there are no thresholds to tune. Early stopping's `monitor`
    (`Recipe`) and a search's `objective` (`tuning.check_objective`) are
    refused by this one rule, each in its own words: the message is
    `"Expected {expected}: {why}. Received: {key}={value!r} on single-label
    data. {fix}"`.

    Example:

    >>> check_single_label_metric("monitor", "val_tuned_macro_f1", multi_label=True,
    ...                           expected="", why="", fix="")
    >>> check_single_label_metric("monitor", "val_tuned_macro_f1", multi_label=False,
    ...                           expected="a metric single-label training logs",
    ...                           why="tuned_macro_f1 is multi-label only",
    ...                           fix="Pass monitor='val_macro_f1'.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Expected a metric ... Received: monitor='val_tuned_macro_f1' on ...
    """
    if multi_label or not isinstance(value, str):
        return
    if value.removeprefix("val_") == "tuned_macro_f1":
        raise ConfigError(
            f"Expected {expected}: {why}. Received: {key}={value!r} on single-label data. {fix}"
        )


def check_config_file_values(path, values):
    """Checks the values read from the config file `path`, naming the file and key.

    A value that came from a file is fixed in the file (or overridden by an
    option), not where the option's message alone would point: the error is
    `check_config_value`'s, prefixed with `path: field 'key': ` and ending with
    where to correct it.

    Args:
        path: the config file, as the user named it.
        values: `{key: value}` read from it that the run will use (those an
            option overrides left out).

    Raises:
        ConfigError: for the first value `check_config_value` refuses.

    Example:

    >>> try:
    ...     check_config_file_values("c.json", {"epochs": "many"})
    ... except ConfigError as error:
    ...     print(str(error)[:37], "...", str(error)[-63:])
    c.json: field 'epochs': epochs (`--ep ... Correct the value in c.json, or pass the option to override it.
    """
    for name, value in values.items():
        try:
            check_config_value(name, value)
        except ConfigError as error:
            raise ConfigError(
                f"{path}: field {name!r}: {error} Correct the value in {path}, or pass the "
                "option to override it."
            ) from None


# What `TrainConfig.check` accepts, in the order it checks: argument: (what it
# takes, how it is set or what it is, an example). None turns an argument off;
# "auto" takes the model family's default.
RANGES = {
    "epochs": (whole(1, also=(AUTO,)), "`--epochs`", "--epochs 20"),
    "batch_size": (whole(1), "`--batch-size`", "--batch-size 32"),
    "patience": (whole(0, also=(AUTO,)), "`--patience`", "--patience 3"),
    "warmup_epochs": (whole(0), "`--warmup-epochs`", "--warmup-epochs 1"),
    "folds": (whole(2, also=(None,)), "`--folds`", "--folds 5"),
    "max_length": (whole(1, also=(None,)), "`--max-length`", "--max-length 256"),
    "seed": (whole(0), "`--seed`", "--seed 0"),
    "val_split": (  # the check of `train_val_split`'s `val_fraction`, which it feeds
        VAL_FRACTION,
        "`--val-split`",
        "--val-split 0.1 (10% of the rows held out for validation)",
    ),
    "lr": (number(above=0, also=(AUTO,)), "`--lr`", "--lr 1e-3"),
    "weight_decay": (
        number(minimum=0, also=(AUTO,)),
        "`--weight-decay`",
        "--weight-decay 1e-4 (0: none)",
    ),
    "label_smoothing": (rate(), "a config.json key", '"label_smoothing": 0.1 (0: none)'),
    "min_confidence": (
        number(minimum=0, maximum=1, also=(None,)),
        "`--min-confidence`",
        "--min-confidence 0.8",
    ),
}

# The yes/no settings: exactly True or False, or one other value where named (1 and 0
# are no switches, though `1 == True`, and "false" is no False), in the order
# `TrainConfig.check` checks them (with `check_switch`): what each does, and the other
# value it takes (`...`: none).
SWITCHES = {
    "finetune": (
        'joins a fine-tuned encoder to the stack run: True, False or "auto" (on a GPU)',
        AUTO,
    ),
    "refit": (
        "trains on every row and reports 5-fold out-of-fold scores: True, False or "
        '"auto" (for the families fitted by a convex solver: ngram, stack)',
        AUTO,
    ),
    "multi_label": (
        "says whether a row may have several labels: True, False or None (detected)",
        None,
    ),
    "skip_bad_rows": ("skips rows that cannot be read (and logs them): True or False", ...),
    "class_weight": ("weights each class by its rarity: True or False", ...),
    "oversample": ("repeats the rows of rare classes: True or False", ...),
    "abstain": ('adds an "unknown" answer below min_confidence: True or False', ...),
}

NEGATABLE = ("finetune", "refit", "class_weight")  # `genreclf train --no-NAME`
