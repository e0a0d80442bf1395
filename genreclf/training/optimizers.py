"""`make_optimizer`: AdamW without weight decay on biases, norms and embeddings."""

import keras

NO_DECAY_NAMES = ("bias", "embeddings", "gamma", "beta")


def make_optimizer(learning_rate=1e-3, weight_decay=1e-4, clipnorm=1.0):
    """AdamW whose weight decay skips biases, normalisation scales and embeddings.

    Decaying embeddings shrinks the vectors of rare words towards zero every
    step they are not seen, and decaying biases or norm scales only hurts; the
    usual practice (BERT, keras-hub) excludes them.

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        weight_decay: decoupled weight decay for the remaining weights.
        clipnorm: gradient-norm clipping per variable (None disables it).

    Example:

    >>> optimizer = make_optimizer(1e-3, weight_decay=0.01)
    >>> type(optimizer).__name__
    'AdamW'
    """
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm
    )
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    return optimizer
