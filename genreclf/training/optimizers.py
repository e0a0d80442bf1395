"""`make_optimizer`: AdamW without weight decay on biases, norms and embeddings."""

import keras

from genreclf.errors import ConfigError

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
    ema = check_ema(ema)
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        clipnorm=clipnorm,
        use_ema=ema > 0,
        ema_momentum=float(ema) if ema > 0 else 0.99,
    )
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    return optimizer


def check_ema(ema):
    """Raises `ConfigError` unless `ema` is a momentum in [0, 1); returns it.

    Example:

    >>> check_ema(0.99)
    0.99
    """
    if isinstance(ema, bool) or not isinstance(ema, (int, float)) or not 0 <= ema < 1:
        raise ConfigError(
            "ema is the momentum of the weights' moving average: a number in [0, 1), "
            f"0 for none. Received: ema={ema!r}. Pass e.g. --ema 0.99 (about the last "
            "100 steps) or --ema 0."
        )
    return ema


def averaging_callbacks(ema):
    """The callbacks that validate and keep the moving average (`ema` > 0).

    `keras.callbacks.SwapEMAWeights` swaps the averaged weights in for each
    validation and for the end of training, so the callbacks after it (early
    stopping, the best checkpoint, a tuner's) see and keep the average. Put
    them after the crash backup, which must save the raw weights.

    Example:

    >>> [type(c).__name__ for c in averaging_callbacks(0.99)], averaging_callbacks(0)
    (['SwapEMAWeights'], [])
    """
    return [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if check_ema(ema) else []
