"""Checks of `tune`'s arguments that need no data, before the data is read or a folder made.

`tune(data, ...)` refuses, with what was expected, `Received: name=...` and
the fix: a data argument it does not know (`labels=` for `label=`), a
`search_space` that is not a dict (`""` searched the default space, `"lr"`
failed in `dict()`), and a `directory` that is not a path, or is a file.
(`resume=True` where there is no search to resume is refused by
`tuning_folder.check_resume`, once `tune` holds the folder: a search running
there is named as such first.)
"""

import pathlib

from genreclf.errors import ConfigError
from genreclf.path_arguments import check_out_folder
from genreclf.setting import Setting

DATA_KEYS = (
    "data",
    "text",
    "label",
    "format",
    "multi_label",
    "sep",
    "features",
    "categorical",
    "skip_bad_rows",
    "val_data",
    "val_split",
    "seed",
)
_SEARCH_SPACE = Setting("mapping", also=(None,))


def check_tune_arguments(*, model, directory, search_space, data_args):
    """Checks `tune`'s arguments that need no data; returns the tuning folder, a `Path`.

    Args:
        model: the model family (checked already: `check_budgets`).
        directory: the tuning folder, or None for `tuning/<model>`.
        search_space: `{argument: fixed value | hyperparameter | list}`, or None.
        data_args: `tune`'s other keyword arguments, each one of `DATA_KEYS`.

    Raises:
        ConfigError: naming the argument, what it takes, what was received
            and the fix.

    Example:

    >>> check_tune_arguments(model="ngram", directory=None, search_space={"lr": [1e-3]},
    ...                      data_args={})
    PosixPath('tuning/ngram')
    >>> check_tune_arguments(model="ngram", directory=None, search_space="lr",
    ...                      data_args={})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: search_space must be a mapping ... Received: search_space='lr'. ...
    """
    unknown = sorted(set(data_args) - set(DATA_KEYS))
    if unknown:
        raise ConfigError(
            f"tune() got unknown arguments {unknown}. Expected data arguments among {DATA_KEYS}."
        )
    _SEARCH_SPACE.check(
        "search_space",
        search_space,
        fix="Pass a dict of the arguments to search and their values, e.g. "
        "search_space={'lr': [1e-3, 3e-3], 'batch_size': 32} (a list is searched, a single "
        "value fixed), or leave it out for the family's default space.",
    )
    if directory is not None:
        example = f"tuning/{model}"
        directory = check_out_folder(
            directory, "directory", what="a tuning folder", holds="a search", example=example
        )
    return pathlib.Path(directory or f"tuning/{model}")
