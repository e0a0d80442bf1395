"""`config_from_values`: a trial's values as a `TrainConfig` dictionary.

A trial's values mix model arguments and training arguments; genreclf keeps
the model's in `model_config` and fills every training argument the trial
did not sample, as `genreclf train` would for that model configuration.
`FamilyHyperModel.trial_config(hp)` maps a trial with it, and a search's
`best.json` is written with it (`results.best_config`), with the search's
objective as `monitor` when it is not the default (`monitor_for`).
"""

from genreclf.tuning.search_space import LR_FACTOR
from genreclf.tuning.search_space import TRAINING_KEYS


def config_from_values(family, values, max_epochs):
    """A `TrainConfig` dictionary from argument values (model and training ones mixed).

    Model arguments go into `model_config`; training arguments missing from
    `values` take the family declaration's training defaults for that model
    configuration (`lr` times `lr_factor` when the space tunes a factor), then
    `TrainConfig`'s; `epochs` is Hyperband's `tuner/epochs` (the trial's
    budget), the trial's value, or `max_epochs`.

    Example:

    >>> config = config_from_values("bilstm", {"lstm_units": 8, "lr": 0.01}, max_epochs=5)
    >>> config["model_config"], config["lr"], config["epochs"], config["schedule"]
    ({'lstm_units': 8}, 0.01, 5, 'cosine')
    >>> config_from_values("pretrained", {"mode": "lora", "lr_factor": 2.0}, 5)["lr"]
    0.002
    """
    from genreclf.models import get_family
    from genreclf.training.config import TrainConfig

    model_config = {
        k: v
        for k, v in values.items()
        if k not in TRAINING_KEYS and k != LR_FACTOR and "/" not in k
    }
    base = TrainConfig(model=family, model_config=model_config)
    declared = get_family(family).training_defaults_for(model_config)
    config = {"model": family, "model_config": model_config}
    for key in TRAINING_KEYS:
        value = values.get(key)
        if key == "epochs" and values.get("tuner/epochs"):
            value = values["tuner/epochs"]  # Hyperband's budget for this trial
        if value is not None:
            pass
        elif key == "epochs":
            value = values.get("tuner/epochs") or max_epochs
        elif key == "lr" and values.get(LR_FACTOR) is not None:
            value = base.resolved("lr") * values[LR_FACTOR]
        elif key in ("lr", "weight_decay", "schedule", "patience", "ema"):
            value = base.resolved(key)
        elif key in ("batch_size", "warmup_epochs") and key in declared:
            value = declared[key]
        else:
            value = getattr(base, key)
        config[key] = value
    config["epochs"] = min(int(config["epochs"]), max_epochs)
    return config


def unsampled_value(family, values, name, max_epochs):
    """The value argument `name` takes in a trial that does not sample it.

    A value of the trial (`values`), else what `genreclf train` gives it for
    that model configuration: the family's default for a model argument, the
    declaration's training default or `TrainConfig`'s for a training argument
    (`config_from_values`). A conditional entry whose parent is not searched
    is sampled when this value is one its `when` allows.

    Example:

    >>> unsampled_value("ngram", {}, "hidden_dim", 4), unsampled_value("ngram", {}, "schedule", 4)
    (0, 'constant')
    >>> unsampled_value("bilstm", {"schedule": "step"}, "schedule", 4)
    'step'
    """
    from genreclf.models import family_defaults

    if name in values:
        return values[name]
    if name in TRAINING_KEYS:
        return config_from_values(family, values, max_epochs)[name]
    return family_defaults(family).get(name)


def with_family_defaults(family, space, given, max_epochs):
    """`space` with each hyperparameter genreclf declares defaulting to the family's default.

    KerasTuner's default of a range is its minimum and of a choice its first
    value, which is what a trial reads for a hyperparameter a tuner does not
    sample (`tune_new_entries=False`) and where `GridSearch` starts. genreclf
    declares its entries with the value `genreclf train` would use instead:
    the family's default (its training defaults for the fixed arguments,
    `epochs` up to `max_epochs`, a learning-rate factor of 1), or the range's
    nearest end when that default lies outside it; a choice without it keeps
    its first value. An entry in `given` (the user's) or declared with its own
    `default` keeps it.

    Example:

    >>> from genreclf.tuning.search_space import Float
    >>> space = {"weight_decay": Float("weight_decay", 1e-5, 1e-1, sampling="log"),
    ...          "lr": Float("lr", 1e-3, 3e-2), "batch_size": [16, 32, 64]}
    >>> space = with_family_defaults("ngram", space, given={}, max_epochs=4)
    >>> space["weight_decay"].default, space["lr"].default, space["batch_size"].default
    (0.01, 0.03, 32)
    """
    from genreclf.models import family_defaults
    from genreclf.tuning.search_space import declared_space
    from genreclf.tuning.search_space import is_hyperparameter

    declared = declared_space(family)
    names = {
        k
        for k in space
        if given.get(k) is None
        and not (isinstance(declared.get(k), dict) and "default" in declared[k])
    }
    fixed = {k: v for k, v in space.items() if not is_hyperparameter(v)}
    base = {**family_defaults(family), LR_FACTOR: 1.0}
    base.update(config_from_values(family, fixed, max_epochs))
    return {k: _with_default(k, v, base.get(k)) if k in names else v for k, v in space.items()}


def _with_default(name, spec, default):
    """`spec` (a hyperparameter or a list of choices) with `default` where it can take it."""
    from keras_tuner.engine import hyperparameters as hp_module

    from genreclf.tuning.search_space import choice

    if isinstance(spec, list):
        return choice(name, spec, default=default) if _among(default, spec) else spec
    if not isinstance(spec, hp_module.HyperParameter) or default is None:
        return spec
    config = spec.get_config()
    if isinstance(spec, hp_module.Boolean):
        if not isinstance(default, bool):
            return spec
    elif "values" in config:
        if not _among(default, config["values"]):
            return spec
    elif "min_value" in config:
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            return spec
        default = min(max(default, config["min_value"]), config["max_value"])
        if isinstance(spec, hp_module.Int):
            step = config.get("step") or 1
            if default != int(default) or (default - config["min_value"]) % step:
                return spec
            default = int(default)
    else:  # Fixed
        return spec
    config["default"] = default
    return type(spec).from_config(config)


def _among(value, values):
    """`value in values`, a bool matching only a bool (True is no 1)."""
    return any(v == value and isinstance(v, bool) == isinstance(value, bool) for v in values)


def monitor_for(objective, multi_label):
    """`TrainConfig.monitor` of a trial scored by `objective`: None for the default.

    A trial keeps its epochs by the search's objective; the retrained run keeps
    them by `monitor`, which is left None (validation macro-F1, at tuned
    thresholds for multi-label data) when the objective is that default.

    Example:

    >>> monitor_for("val_loss", multi_label=False), monitor_for("val_macro_f1", False)
    ('val_loss', None)
    >>> monitor_for("val_macro_f1", multi_label=True)
    'val_macro_f1'
    """
    from genreclf.tuning.objective import auto_objective

    objective = getattr(objective, "name", objective)
    return None if objective in (None, auto_objective(multi_label)) else objective


def execution_seed(hp, seed, *, new=False, callbacks=None):
    """The seed of the execution of a trial that `hp` is building: `seed` plus the ones before.

    A tuner with `executions_per_trial` > 1 builds the same `hp` once per
    execution; each (`new=True`, at the build) trains with the next seed, as
    genreclf's own tuners seed each execution's process, rather than copies of
    one model. The first execution's is `seed`, which `train_config(hp)` retrains.
    At `fit` (`callbacks`: the ones it was given), the count starts again after
    the trial's last execution (KerasTuner's callback names its tuner), or at
    once outside a search: `tuner.hypermodel.build(best_hp)` after a search,
    or the same `hp` built again by hand, trains with `seed`.

    Example:

    >>> import keras_tuner
    >>> hp = keras_tuner.HyperParameters()
    >>> [execution_seed(hp, 7, new=True) for _ in range(3)], execution_seed(hp, 7)
    ([7, 8, 9], 9)
    >>> execution_seed(hp, 7, callbacks=[]), execution_seed(hp, 7, new=True)  # no tuner
    (9, 7)
    """
    if new:
        hp._genreclf_executions = getattr(hp, "_genreclf_executions", 0) + 1
    executed = getattr(hp, "_genreclf_executions", 1)
    if callbacks is not None:
        tuners = [c.tuner for c in callbacks if getattr(c, "tuner", None) is not None]
        if executed >= (getattr(tuners[0], "executions_per_trial", 1) if tuners else 1):
            hp._genreclf_executions = 0  # the trial's last execution, or no search
    return seed + max(executed - 1, 0)


def declared_conditionally(hp, name):
    """Whether `name`, declared conditionally by the tuner's `hp`, is active (None: not so)."""
    declared = [p for p in hp.space if p.name == name and p.conditions]
    return any(hp.is_active(p) for p in declared) if declared else None


def sampled_value(spec, value):
    """The value a trial reads for an argument whose search-space entry is `spec`.

    KerasTuner samples a `Choice` of `True` and `False` as 1 and 0, which
    `genreclf train` refuses for a switch: a tuner's own
    `hp.Choice("class_weight", [True, False])` over an argument genreclf
    declares as a switch (`Boolean`) is read as that switch.

    Example:

    >>> from genreclf.tuning.search_space import Boolean
    >>> sampled_value(Boolean("class_weight"), 1), sampled_value([True, False], 0)
    (True, False)
    >>> sampled_value([16, 32], 16), sampled_value(Boolean("class_weight"), True)
    (16, True)
    """
    from genreclf.tuning.search_space import Boolean

    flags = isinstance(spec, list) and spec and all(isinstance(v, bool) for v in spec)
    if (flags or isinstance(spec, Boolean)) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value
