"""`make_optimizer`: AdamW without weight decay on biases, norms and embeddings."""

import math

import keras

from genreclf.errors import ConfigError
from genreclf.setting import number
from genreclf.setting import numpy_scalar
from genreclf.setting import one_of

NO_DECAY_NAMES = ("bias", "embeddings", "gamma", "beta")


def make_optimizer(learning_rate=1e-3, weight_decay=1e-4, clipnorm=1.0, ema=0.0):
    """AdamW whose weight decay skips biases, normalisation scales and embeddings.

    Decaying embeddings shrinks the vectors of rare words towards zero every
    step they are not seen, and decaying biases or norm scales only hurts; the
    usual practice (BERT, keras-hub) excludes them.

    With `ema` > 0 the optimizer also keeps an exponential moving average of
    the weights (Keras' `use_ema`, Polyak averaging); the training recipe
    validates and keeps those averaged weights (`keras.callbacks.SwapEMAWeights`).

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        weight_decay: decoupled weight decay for the remaining weights.
        clipnorm: gradient-norm clipping per variable (None disables it).
        ema: the moving average's momentum, in [0, 1); 0 keeps no average.

    Example:

    >>> optimizer = make_optimizer(1e-3, weight_decay=0.01, ema=0.99)
    >>> type(optimizer).__name__, optimizer.use_ema, optimizer.ema_momentum
    ('AdamW', True, 0.99)
    """
    if isinstance(check_ema(ema), dict):
        raise ConfigError(
            "make_optimizer needs the moving average's momentum. Received: "
            f"ema={ema!r}, a horizon in steps. Resolve it first: "
            "ema_momentum(ema, steps_per_epoch)."
        )
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        clipnorm=clipnorm,
        use_ema=ema > 0,
        ema_momentum=float(ema) if ema > 0 else 0.99,
    )
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    return optimizer


# What a moving-average setting takes (`check_ema`), in the words of every other
# range error (`genreclf.setting`).
_MOMENTUM = number(minimum=0, below=1)
_HORIZON = number(above=0, also=(math.inf,))  # steps, or epochs: no cap
_HORIZON_KEYS = one_of("steps", "max_epochs")
_EMA_WHERE = "`--ema`: the weights' moving average, a momentum in [0, 1) or a horizon in steps"
_EMA_FIX = (
    "Pass e.g. --ema 0.99 (about the last 100 steps), --ema 0 (none), or a horizon, "
    'ema={"steps": 300}.'
)
_HORIZON_FIX = (
    'Pass e.g. ema={"steps": 300, "max_epochs": 3} (about the last 300 steps, at most 3 '
    "epochs), or a momentum, --ema 0.99."
)


def check_ema(ema):
    """Raises `ConfigError` unless `ema` is a moving-average setting; returns it.

    Either a momentum in [0, 1) (0: no average), or a horizon in optimizer
    steps, `{"steps": N, "max_epochs": E}`: the momentum `1 - 1 / H` that
    averages about the last `H = min(N, E × steps per epoch)` steps (`E`
    optional), resolved once the data's size is known (`ema_momentum`). A
    horizon scales with the data: a fixed momentum of 0.997 would average
    over the last 333 steps however few a small dataset's epochs have, and a
    run of 300 steps would keep mostly its initial weights.

    Numbers are Python ints and floats (not bools).

    Example:

    >>> check_ema(0.99)
    0.99
    >>> check_ema({"steps": 333, "max_epochs": 3})
    {'steps': 333, 'max_epochs': 3}
    >>> try:
    ...     check_ema({"steps": 0})
    ... except ConfigError as error:
    ...     print(str(error).split(". ")[0])
    ema["steps"] (in the horizon ema={'steps': 0}) must be a number above 0, or inf
    """
    if not isinstance(ema, dict):
        if not _accepts(_MOMENTUM, ema):
            raise _refused(_MOMENTUM, "ema", ema, where=_EMA_WHERE, fix=_EMA_FIX)
        return ema
    where = f"in the horizon ema={ema!r}"
    for key in ema:
        if not _HORIZON_KEYS.accepts(key):
            raise ConfigError(_HORIZON_KEYS.message("key", key, where=where, fix=_HORIZON_FIX))
    for key in ("steps", "max_epochs"):
        value = ema.get(key) if key == "steps" else ema.get(key, math.inf)  # no epoch cap
        if not _accepts(_HORIZON, value):
            raise _refused(_HORIZON, f'ema["{key}"]', value, where=where, fix=_HORIZON_FIX)
    return ema


def _refused(setting, name, value, where, fix):
    """The `ConfigError` for `name=value`: a NumPy number in range is told to be made a Python one."""
    if numpy_scalar(value) and not isinstance(value, float) and _accepts(setting, value.item()):
        return ConfigError(
            f"{name} ({where}) takes a Python int or float. Received: {name}={value!r}, a "
            f"NumPy {type(value).__name__}. Pass {name}={value!s} (`float(...)` or `.item()`)."
        )
    return ConfigError(setting.message(name, value, where=where, fix=fix))


def _accepts(setting, value):
    """`setting.accepts(value)` for an int or a float, the numbers `check_ema` takes."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return setting.accepts(float(value) if isinstance(value, float) else value)


def ema_momentum(ema, steps_per_epoch):
    """The momentum of moving-average setting `ema` (see `check_ema`) at this data size.

    Example:

    >>> ema_momentum(0.99, 100)
    0.99
    >>> ema_momentum({"steps": 333, "max_epochs": 3}, 97)  # 291 steps: 3 epochs of 97
    0.996564
    >>> ema_momentum({"steps": 333, "max_epochs": 3}, 276)  # 333 steps
    0.996997
    """
    ema = check_ema(ema)
    if not isinstance(ema, dict):
        return ema
    horizon = min(ema["steps"], ema.get("max_epochs", math.inf) * steps_per_epoch)
    return round(1.0 - 1.0 / max(1.0, horizon), 6)


def averaging_callbacks(ema):
    """The callbacks that validate and keep the moving average (`ema` > 0, or a horizon).

    `keras.callbacks.SwapEMAWeights` swaps the averaged weights in for each
    validation and for the end of training, so the callbacks after it (early
    stopping, the best checkpoint, a tuner's) see and keep the average. Put
    them after the crash backup, which must save the raw weights.

    Example:

    >>> [type(c).__name__ for c in averaging_callbacks(0.99)], averaging_callbacks(0)
    (['SwapEMAWeights'], [])
    """
    on = isinstance(check_ema(ema), dict) or ema > 0
    return [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if on else []
