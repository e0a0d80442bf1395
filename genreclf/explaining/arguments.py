"""Checks of `explain`'s arguments: what was expected, what was received, the fix.

`genreclf explain` refuses a `--top-k` or `--steps` below 1 and a hybrid run
without its features; the Python API (`genreclf.explain`, `Explainer`,
`IntegratedGradients.attribute`) refuses the same, with the ranges of
`genreclf.setting` (whole numbers, not bools or strings), rather than
explaining K-1 labels for `top_k=-1`, none for `top_k=0`, or failing deep
in a slice or in Keras ("Missing data for input 'views'").
"""

import collections.abc

from genreclf.errors import ConfigError
from genreclf.setting import whole

_COUNT = whole(1)
_TOP_K = whole(1, also=(None,))


def check_top_k(top_k):
    """Returns `top_k`, a whole number of at least 1 or None (every label), else raises.

    None explains every label, as `Run.predict(top_k=None)` returns every one.

    Example:

    >>> check_top_k(2)
    2
    >>> check_top_k(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: top_k must be a whole number of at least 1, or null/None. Received: top_k=0. ...
    """
    return _TOP_K.check(
        "top_k",
        top_k,
        fix="Pass e.g. top_k=3, or top_k=None to explain every label.",
    )


def check_steps(steps):
    """Returns `steps`, a whole number of at least 1; raises a `ConfigError` otherwise.

    Example:

    >>> check_steps("16")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: steps must be a whole number of at least 1. Received: steps='16'. ...
    """
    return _COUNT.check(
        "steps", steps, fix="Pass e.g. steps=16 (more: closer to complete, slower)."
    )


def check_labels(labels, known):
    """Returns `labels` as a list of names of `known`; raises a `ConfigError` otherwise.

    Example:

    >>> check_labels(("horror",), ["crime", "horror"])
    ['horror']
    >>> check_labels("horror", ["crime", "horror"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: labels takes a list of label names. Received: labels='horror'. ...
    """
    if isinstance(labels, str) or not isinstance(labels, collections.abc.Iterable):
        example = [labels] if isinstance(labels, str) else known[:1]
        raise ConfigError(
            f"labels takes a list of label names. Received: labels={labels!r}. Pass e.g. "
            f"labels={example!r}."
        )
    labels = list(labels)
    if not labels:
        raise ConfigError(
            "labels names no label to explain. Received: labels=[]. Pass some of the run's "
            f"labels {known}, or leave labels out to explain each text's top_k best."
        )
    unknown = [name for name in labels if name not in known]
    if unknown:
        raise ConfigError(
            f"Unknown labels {unknown}. Expected labels of this run: {known}. Received: "
            f"labels={labels!r}."
        )
    return labels
