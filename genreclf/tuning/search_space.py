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

Choice = hp_module.Choice
Int = hp_module.Int
Float = hp_module.Float
Boolean = hp_module.Boolean
Fixed = hp_module.Fixed

# Model-family search spaces; keys are the families' builder arguments, so a
# trial's values map straight onto `build_model(family, **values)`.
FAMILY_SPACES = {
    "bilstm": {
        "max_tokens": Choice("max_tokens", [10000, 20000]),
        "max_length": Choice("max_length", [100, 200, 300]),
        "embedding_dim": Choice("embedding_dim", [32, 64, 128]),
        "lstm_units": Choice("lstm_units", [16, 32, 64]),
        "lstm_layers": Int("lstm_layers", 1, 2),
        "dropout": Float("dropout", 0.0, 0.5, step=0.1),
        "spatial_dropout": Float("spatial_dropout", 0.0, 0.3, step=0.1),
        "pooling": Choice("pooling", ["max", "mean", "last"]),
    },
    "transformer": {
        "max_tokens": Choice("max_tokens", [10000, 20000]),
        "max_length": Choice("max_length", [128, 200, 256]),
        "embedding_dim": Choice("embedding_dim", [32, 64, 128]),
        "num_layers": Int("num_layers", 1, 3),
        "num_heads": Choice("num_heads", [2, 4]),
        "intermediate_dim": Choice("intermediate_dim", [64, 128, 256]),
        "dropout": Float("dropout", 0.0, 0.3, step=0.1),
    },
    "ngram": {
        "max_tokens": Choice("max_tokens", [20000, 50000]),
        "ngrams": Int("ngrams", 1, 3),
        "hidden_dim": Choice("hidden_dim", [0, 64]),
        "dropout": Float("dropout", 0.0, 0.5, step=0.1),
    },
}

# Peak learning-rate ranges per family (log-uniform).
LR_RANGES = {
    "bilstm": (3e-4, 1e-2),
    "transformer": (1e-4, 2e-3),
    "ngram": (1e-3, 3e-2),
    "pretrained": (1e-5, 1e-4),
}
_LR_FALLBACK = (1e-4, 1e-2)

TRAINING_KEYS = (
    "lr",
    "weight_decay",
    "schedule",
    "batch_size",
    "class_weight",
    "epochs",
    "patience",
    "label_smoothing",
    "warmup_epochs",
)


def training_space(family, max_epochs):
    """The default search space of the training arguments of `family`.

    Args:
        family: the model family (sets the learning-rate range).
        max_epochs: the largest number of epochs a trial may train.

    Example:

    >>> sorted(training_space("bilstm", 8))[:3]
    ['batch_size', 'class_weight', 'epochs']
    """
    low, high = LR_RANGES.get(family, _LR_FALLBACK)
    epochs = sorted({max(1, math.ceil(max_epochs / 4)), max(1, math.ceil(max_epochs / 2)), max_epochs})
    return {
        "lr": Float("lr", low, high, sampling="log"),
        "weight_decay": Float("weight_decay", 1e-5, 1e-1, sampling="log"),
        "schedule": Choice("schedule", ["constant", "step", "cosine", "plateau"]),
        "batch_size": Choice("batch_size", [16, 32, 64]),
        "class_weight": Boolean("class_weight"),
        "epochs": Choice("epochs", epochs) if len(epochs) > 1 else epochs[0],
    }


def is_hyperparameter(value):
    """True if `value` is a KerasTuner hyperparameter definition (or a list shorthand)."""
    return isinstance(value, (hp_module.HyperParameter, list))


def resolve(hp, name, value):
    """The value of argument `name` for this trial: fixed, or sampled from `hp`.

    Args:
        hp: the trial's `keras_tuner.HyperParameters`.
        name: the argument name (also the hyperparameter name in `hp`).
        value: a plain value (returned unchanged), a hyperparameter
            definition (`Choice`, `Int`, `Float`, `Boolean`, `Fixed` from
            `keras_tuner.engine.hyperparameters`; registered in `hp` under
            `name`), or a list (shorthand for `Choice(name, list)`).

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
        value = Choice(name, value)
    if not isinstance(value, hp_module.HyperParameter):
        return value
    config = value.get_config()
    config.pop("name")
    config.pop("conditions", None)
    register = getattr(hp, type(value).__name__)
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
