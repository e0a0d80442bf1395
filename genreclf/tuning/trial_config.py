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
