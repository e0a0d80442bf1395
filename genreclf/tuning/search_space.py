"""Search spaces: every argument is a fixed value or a KerasTuner hyperparameter.

The pattern is autokeras' (`blocks/basic.py`): a constructor argument holds
either a plain value (used as is, not tuned) or a hyperparameter *definition*
such as `keras_tuner.engine.hyperparameters.Choice("lstm_units", [16, 32])`,
which `resolve` registers in the trial's `HyperParameters` and samples. `None`
means "use genreclf's default search space for this argument".
"""

import math

from keras_tuner.engine import hyperparameters as hp_module

from genreclf.errors import ConfigError
from genreclf.tuning.space_checks import check_keys
from genreclf.tuning.space_checks import check_schedule

Choice = hp_module.Choice
Int = hp_module.Int
Float = hp_module.Float
Boolean = hp_module.Boolean
Fixed = hp_module.Fixed

_LR_FALLBACK = {"min": 1e-4, "max": 1e-2, "sampling": "log"}
# A training key that scales the trial's default learning rate (see
# `config_from_values`); a family declares it instead of an `lr` range when
# its learning rate depends on the configuration (pretrained modes).
LR_FACTOR = "lr_factor"

TRAINING_KEYS = (
    "lr",
    "weight_decay",
    "schedule",
    "batch_size",
    "class_weight",
    "epochs",
    "patience",
    "ema",
    "label_smoothing",
    "warmup_epochs",
)


def choice(name, values, default=None):
    """`Choice(name, values)`; `Boolean` when the values are True and False.

    KerasTuner's `Choice` samples `[True, False]` as the integers 1 and 0,
    which a flag setting refuses; `Boolean` samples the bools themselves. A
    list holding one bool fixes it.

    Example:

    >>> describe(choice("embedding_skip", [True, False])), choice("skip", [False])
    ('Boolean', False)
    >>> choice("units", [16, 32]).get_config()["values"]
    [16, 32]
    """
    flags = [v for v in values if isinstance(v, bool)]
    if not values or len(flags) < len(values):
        return Choice(name, values, default=default)
    if len(set(flags)) == 1:
        return flags[0]
    return Boolean(name, default=flags[0] if default is None else bool(default))


def to_hyperparameter(name, spec):
    """A search-space entry as a hyperparameter definition, or a fixed value.

    Entries use `genreclf tune --set`'s vocabulary, so a family declares its
    space without importing keras-tuner: a list is a choice; a dict with
    `values` (and optional `default`) a choice; a dict with `min` and `max`
    (optional `step`, `sampling`, `default`) an integer range when both ends
    are integers (and the sampling is not log), else a float range; `when`
    (`{"parent": [values]}`) makes it conditional on another argument; a
    hyperparameter definition passes through; anything else is fixed.

    Example:

    >>> to_hyperparameter("lstm_layers", {"min": 1, "max": 2}).get_config()["max_value"]
    2
    >>> describe(to_hyperparameter("lr", {"min": 1e-4, "max": 1e-2, "sampling": "log"}))
    'Float(0.0001..0.01)'
    >>> to_hyperparameter("pooling", "max")
    'max'
    """
    if not isinstance(spec, dict) or not ({"values"} <= set(spec) or {"min", "max"} <= set(spec)):
        return spec
    spec = dict(spec)
    spec.pop("when", None)  # see `genreclf.tuning.conditional`
    check_keys(name, spec)
    if "values" in spec:
        if not spec["values"]:
            raise ConfigError(
                f"A choice needs at least one value. Received: {name}={spec}. "
                "Pass a list of candidates, or a plain value to fix it."
            )
        if "default" in spec and spec["default"] not in spec["values"]:  # KerasTuner: ValueError
            raise ConfigError(
                f"{name}: a choice's default must be one of its values. Received: {spec}. "
                "Pass a default from the values, or leave it out (the first value)."
            )
        return choice(name, spec["values"], default=spec.get("default"))
    extra = {k: spec[k] for k in ("step", "sampling", "default") if k in spec}
    default = extra.get("default")
    ends = (spec["min"], spec["max"])
    if _numbers(default, *ends) and not ends[0] <= default <= ends[1]:
        # KerasTuner takes it, and a search whose first trial reads defaults trains it.
        raise ConfigError(
            f"{name}: a range's default must lie between its min and max. Received: {spec}. "
            "Pass a default inside the range, or leave it out (the min)."
        )
    step = extra.get("step")
    if step is not None and (
        isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0
    ):
        # KerasTuner takes a step of 0 or less and fails when it samples (ZeroDivisionError).
        raise ConfigError(
            f"{name}: a range's step must be a number above 0. Received: {spec}. Pass e.g. "
            '{"min": 16, "max": 64, "step": 16}, or leave the step out.'
        )
    is_int = all(isinstance(spec[k], int) and not isinstance(spec[k], bool) for k in ("min", "max"))
    cls = Int if is_int and extra.get("sampling") != "log" else Float
    try:
        return cls(name, spec["min"], spec["max"], **extra)
    except (TypeError, ValueError) as error:  # min > max, a string end, a bad step
        raise ConfigError(
            f"{name}: not a range KerasTuner can sample ({error}). Received: {spec}. "
            'Expected numbers with min <= max, e.g. {"min": 1e-4, "max": 1e-2, '
            '"sampling": "log"}.'
        ) from None


def _numbers(*values):
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def family_space(family):
    """The declared search space of `family` as hyperparameter definitions.

    Read from the family declaration (`register_family(..., search_space=...)`;
    a callable is called). A `None` entry means "not tuned: the family's
    training default".

    Example:

    >>> space = family_space("bilstm")
    >>> describe(space["lstm_units"]), describe(space["dropout"])
    ('Choice([16, 32, 64])', 'Float(0.0..0.5)')
    """
    return {name: to_hyperparameter(name, spec) for name, spec in declared_space(family).items()}


def declared_space(family):
    """The search space `family` declares, as declared (`None`: none)."""
    from genreclf.models import get_family

    declared = get_family(family).search_space
    if callable(declared):
        declared = declared()
    return dict(declared or {})


def training_space(family, max_epochs):
    """The default search space of the training arguments of `family`.

    Generic ranges (weight decay, schedule, batch size, class weighting,
    epochs) under the family's declared ones: its learning-rate range, and
    any training argument it fixes or leaves to its defaults (`None`).

    Args:
        family: the model family.
        max_epochs: the largest number of epochs a trial may train.

    Example:

    >>> sorted(training_space("bilstm", 8))[:3]
    ['batch_size', 'class_weight', 'epochs']
    """
    declared = {
        k: v for k, v in family_space(family).items() if k in TRAINING_KEYS or k == LR_FACTOR
    }
    epochs = sorted(
        {max(1, math.ceil(max_epochs / 4)), max(1, math.ceil(max_epochs / 2)), max_epochs}
    )
    generic = {
        "lr": to_hyperparameter("lr", _LR_FALLBACK),
        "weight_decay": Float("weight_decay", 1e-5, 1e-1, sampling="log"),
        "schedule": Choice("schedule", ["constant", "step", "cosine", "plateau"]),
        "batch_size": Choice("batch_size", [16, 32, 64]),
        "class_weight": Boolean("class_weight"),
        "epochs": Choice("epochs", epochs) if len(epochs) > 1 else epochs[0],
    }
    return {**generic, **declared}


def candidates(name, spec):
    """The values search-space entry `name` can take that can be checked up front.

    A list or a choice: its values; a range: its two ends (the entry read
    by `to_hyperparameter`); `None` (the family's default space): none;
    anything else: itself.

    Example:

    >>> candidates("units", [16, 32]), candidates("units", {"min": 8, "max": 64})
    ([16, 32], [8, 64])
    >>> candidates("units", None)
    []
    """
    if spec is None:
        return []
    if isinstance(spec, list):
        return list(spec)
    spec = to_hyperparameter(name, spec)
    if isinstance(spec, hp_module.HyperParameter):
        config = spec.get_config()
        if "values" in config:
            return list(config["values"])
        if "min_value" in config:
            return [config["min_value"], config["max_value"]]
        if "value" in config:  # Fixed
            return [config["value"]]
        return []  # Boolean: a flag setting's two values
    return [spec]


def check_model_space(family, model_args):
    """Raises a `ConfigError` for a setting `family` does not take or a candidate it refuses.

    Each candidate is checked as `genreclf.models.resolve_config` checks a
    fixed value, so a search fails before its first trial rather than in one.

    Example:

    >>> check_model_space("bilstm", {"lstm_units": [16, 32]})
    >>> try:
    ...     check_model_space("bilstm", {"lstm_units": [16, 0]})
    ... except ConfigError as error:
    ...     print(str(error)[:59])
    Model family 'bilstm': lstm_units must be a whole number of
    """
    from genreclf.models.registry import check_setting_names
    from genreclf.models.registry import check_setting_values

    check_setting_names(family, model_args)
    for key, spec in model_args.items():
        for value in candidates(key, spec):
            check_setting_values(family, {key: value})


def is_hyperparameter(value):
    """True if `value` is a KerasTuner hyperparameter definition (or a list shorthand)."""
    return isinstance(value, (hp_module.HyperParameter, list))


def resolve(hp, name, value, when=None):
    """The value of argument `name` for this trial: fixed, or sampled from `hp`.

    Args:
        hp: the trial's `keras_tuner.HyperParameters`.
        name: the argument name (also the hyperparameter name in `hp`).
        value: a plain value (returned unchanged), a hyperparameter
            definition (`Choice`, `Int`, `Float`, `Boolean`, `Fixed` from
            `keras_tuner.engine.hyperparameters`; registered in `hp` under
            `name`), or a list (shorthand for `Choice(name, list)`).
        when: `(parent, [values])`: sample `name` only when the (already
            resolved) parent argument takes one of `values`; None otherwise.

    Example:

    >>> import keras_tuner
    >>> hp = keras_tuner.HyperParameters()
    >>> resolve(hp, "lstm_units", Choice("units", [4, 8]))
    4
    >>> resolve(hp, "dropout", 0.3), resolve(hp, "batch_size", [16, 32])
    (0.3, 16)
    >>> sorted(hp.values)
    ['batch_size', 'lstm_units']
    """
    if isinstance(value, list):
        if not value:
            raise ConfigError(
                f"A list of candidate values must not be empty. Received: {name}=[]. "
                "Pass at least one value, or a plain value to fix it."
            )
        value = choice(name, value)
    if not isinstance(value, hp_module.HyperParameter):
        return value
    config = value.get_config()
    config.pop("name")
    config.pop("conditions", None)
    register = getattr(hp, type(value).__name__)
    if when is None:
        return register(name=name, **config)
    # Conditional: sampled (and shown in the leaderboard) only when the
    # parent takes one of the given values.
    with hp.conditional_scope(*when):
        return register(name=name, **config)


def describe(value):
    """A short text for a fixed value or a hyperparameter definition (for logs).

    Example:

    >>> describe(Choice("units", [4, 8])), describe(0.5)
    ('Choice([4, 8])', '0.5')
    """
    if isinstance(value, list):
        return f"Choice({value})"
    if isinstance(value, hp_module.HyperParameter):
        config = value.get_config()
        if "values" in config:
            return f"Choice({config['values']})"
        if "min_value" in config:
            return f"{type(value).__name__}({config['min_value']}..{config['max_value']})"
        return type(value).__name__
    return repr(value) if isinstance(value, str) else str(value)


def check_training_space(training, max_epochs=None):
    """Every candidate of a training argument's search-space entry, checked as a fixed value is.

    So a search refuses what `genreclf train` would refuse (a negative
    learning rate, `class_weight=1`) before its first trial, and its
    `best.json` always retrains. A range is checked at its ends.

    Example:

    >>> check_training_space({"epochs": [2.0, 4], "batch_size": None, "lr": {"min": 1e-4, "max": 1e-2}})
    >>> check_training_space({"epochs": [0, 2]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: epochs (`--epochs`) must be a whole number of at least 1, ...
    >>> check_training_space({"lr": [0.01, -0.05]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: lr (`--lr`) must be a number above 0, or 'auto'. Received: lr=-0.05. ...
    """
    from genreclf.training.config_values import check_training_value

    counts = ("epochs", "batch_size", "patience", "warmup_epochs")
    for name, spec in training.items():
        for value in candidates(name, spec):
            if name == "epochs" and value == "auto":
                raise ConfigError(
                    "A search trains each trial for its own number of epochs, up to "
                    "max_epochs. Received: epochs='auto'. Leave epochs out (a search space of "
                    "epochs up to max_epochs, `--max-epochs`) or pass the epochs to try."
                )
            if name in counts and isinstance(value, float) and value.is_integer():
                value = int(value)  # a trial reads 4.0 epochs as 4
            check_training_value(name, value)
            if name == "schedule":
                check_schedule(value)
            if name == "epochs" and max_epochs is not None and value > max_epochs:
                raise ConfigError(
                    f"A trial trains at most max_epochs (`--max-epochs`) epochs. Received: "
                    f"epochs={value} with max_epochs={max_epochs}. Pass --max-epochs {value} "
                    f"(max_epochs={value}), or epochs up to {max_epochs}."
                )


def check_ema_entry(entry):
    """`check_ema` on a fixed momentum, each choice of one, or a range's ends."""
    from genreclf.training.optimizers import check_ema

    if entry is None:
        return
    if not is_hyperparameter(entry):
        values = [entry]
    elif isinstance(entry, list):  # the shorthand for a choice
        values = entry
    else:
        config = entry.get_config()
        ends = [config[k] for k in ("min_value", "max_value", "value") if k in config]
        values = config.get("values") or ends
    for value in values:
        check_ema(value)
