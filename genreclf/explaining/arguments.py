"""Checks of `explain`'s arguments: what was expected, what was received, the fix.

`genreclf.explain(run, texts)` takes the run first: `check_run` says "the
arguments look swapped" for `explain(texts, run)` rather than letting
`pathlib` fail on a list ("expected str, bytes or os.PathLike object").

`genreclf explain` refuses a `--top-k` or `--steps` below 1 and a hybrid run
without its features; the Python API (`genreclf.explain`, `Explainer`,
`IntegratedGradients.attribute`) refuses the same, with the ranges of
`genreclf.setting` (whole numbers, not bools or strings), rather than
explaining K-1 labels for `top_k=-1`, none for `top_k=0`, or failing deep
in a slice or in Keras ("Missing data for input 'views'").
"""

import collections.abc
import numbers
import os
import pathlib

from genreclf.errors import ConfigError
from genreclf.path_arguments import check_path
from genreclf.path_arguments import received
from genreclf.setting import whole

_COUNT = whole(1)
_TOP_K = whole(1, also=(None,))
_RUN_FIX = "Pass the run folder (or its Run) first, then the texts: genreclf.explain(run, texts)."


def check_run(run, texts):
    """Returns `run`, a `Run` or a run folder's path; raises a `ConfigError` otherwise.

    When the texts look like the run (a path, or a `Run`) and the run like
    texts, the error says the arguments look swapped.

    Example:

    >>> check_run("runs/ngram", ["A heist."])
    'runs/ngram'
    >>> check_run(["A heist."], "runs/ngram")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: genreclf.explain() takes the run first, ... look swapped. ...
    """
    if _is_run(run):
        swapped = (
            not _is_folder(run) and isinstance(texts, (str, os.PathLike)) and _is_folder(texts)
        )
    else:
        swapped = _is_run(texts)
    if swapped:
        raise ConfigError(
            "genreclf.explain() takes the run first, then the texts: the arguments look swapped. "
            f"Received: run={received(run)}, texts={received(texts)}. {_RUN_FIX}"
        )
    if not _is_run(run):
        check_path(run, "run", what="a run folder", example="runs/ngram", fix=_RUN_FIX)
    return run


def _is_run(value):
    """Whether `value` is what `explain` takes as its run: a path or a `Run`."""
    from genreclf.run import Run

    return isinstance(value, (str, os.PathLike, Run))


def _is_folder(value):
    """Whether `value` is a path to an existing folder (False for a text no path can be).

    An empty or blank string is no folder, though `pathlib.Path("")` is the current one:
    `explain(run, "")` is a blank text, refused as such, not "arguments swapped".
    """
    if isinstance(value, str) and not value.strip():
        return False
    try:
        return isinstance(value, (str, os.PathLike)) and pathlib.Path(value).is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


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

    A whole number names the class of its digits, as `Run.predict` gives a
    rating run's labels back (`7` for the class `"7"`).

    Example:

    >>> check_labels(("horror",), ["crime", "horror"])
    ['horror']
    >>> check_labels([10], ["1", "5", "10"])  # a rating as `Run.predict` gives it
    ['10']
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
    labels = [_name(label, known) for label in labels]
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


def _name(label, known):
    """`label` as a name in `known`: a whole number (not a bool) by its digits, when one is."""
    if isinstance(label, numbers.Integral) and not isinstance(label, bool):
        if str(int(label)) in known:
            return str(int(label))
    return label
