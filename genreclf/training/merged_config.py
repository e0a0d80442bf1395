"""`make_config`: the `TrainConfig` of one call, from a config, the data and keyword overrides.

`train`, `tune`, held-out scoring and the command line each build the
configuration they run with here: a config given as a `TrainConfig`, a dict
or the path of a `config.json` (`check_config_file` names a path that is no
file), the data (a file path is recorded as `data`; rows in memory are not),
and the keyword arguments, which win over the config's values. A bad value
the config file sets is reported as the file's (its path and key).
"""

import os
import pathlib

from genreclf.data import TextDataset
from genreclf.data.frames import is_frame
from genreclf.data.inputs import check_data
from genreclf.errors import ConfigError
from genreclf.training.config import TrainConfig
from genreclf.training.config import read_config_file
from genreclf.training.config_values import check_config_file_values


def make_config(data=None, config=None, **overrides):
    """Merges a config (object, dict or JSON path), `data` and keyword overrides.

    `data` is checked here for `train`, `tune` and the command line: a file path
    (recorded as `data`), a pandas DataFrame or a `TextDataset` (read by the
    caller); anything else is a `ConfigError` saying what was received, in
    a few words (`genreclf.data.inputs.check_data`).

    `config` given as a path must name a file (`check_config_file`).

    Example:

    >>> make_config("movies.csv", model="ngram").data
    'movies.csv'
    >>> try:
    ...     make_config(["a heist", "a ghost"])
    ... except ConfigError as error:
    ...     print(str(error).split(". ")[1])
    Received: a list of 2 items
    """
    from_file = {}  # the keys a config file sets: `{key: value}`
    if config is None:
        base = TrainConfig()
    elif isinstance(config, TrainConfig):
        base = TrainConfig.from_dict(config.to_dict())
    elif isinstance(config, dict):
        base = TrainConfig.from_dict(config)
    else:
        from_file = read_config_file(check_config_file(config))
        base = TrainConfig.from_dict(from_file)
    values = base.to_dict()
    given = {k: v for k, v in overrides.items() if v is not None}
    replaced = set(given) | ({"data"} if data is not None else set())
    if config is not None and given.get("label", values["label"]) != values["label"]:
        # Another label column: whether it holds several labels a row is its own to
        # detect, not the config's column's.
        for name in ("multi_label", "sep"):
            values[name] = None
        replaced |= {"multi_label", "sep"}
    # A bad value the file sets is the file's to fix: its error names the file and key.
    check_config_file_values(config, {k: v for k, v in from_file.items() if k not in replaced})
    values.update(given)
    if data is not None:
        check_data(data)  # a file, a DataFrame or a TextDataset; anything else, refused here
        if not isinstance(data, TextDataset) and not is_frame(data):
            values["data"] = str(data)  # a file (a DataFrame is read as a TextDataset is taken)
        else:  # rows in memory: not the file a config names (`record_source` names theirs)
            values["data"] = None
    return TrainConfig.from_dict(values)


def check_config_file(config):
    """Returns `config`, the path of a `config.json`, if it names a file; else a `ConfigError`.

    Checked before the file is opened, so a mistyped path, a folder (a run
    folder rather than its `config.json`) or a value of another kind is named
    with the fix, not a bare `FileNotFoundError`.

    Example:

    >>> check_config_file("nope.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: config (`--config`) must be ... Received: config='nope.json', which does not exist...
    """
    expected = "config (`--config`) must be a TrainConfig, a dict or the path of a config.json file"
    fix = "Pass e.g. config='runs/ngram/config.json' (a run folder's config.json)."
    if not isinstance(config, (str, os.PathLike)):
        raise ConfigError(
            f"{expected}. Received: config={config!r} ({type(config).__name__}). {fix}"
        )
    path = pathlib.Path(config)
    if path.is_file():
        return config
    if path.is_dir():
        hint = (
            f" Did you mean {str(path / 'config.json')!r}?"
            if (path / "config.json").is_file()
            else ""
        )
        raise ConfigError(f"{expected}. Received: config={str(config)!r}, a folder.{hint} {fix}")
    raise ConfigError(
        f"{expected}. Received: config={str(config)!r}, which does not exist (looked in "
        f"{str(path.resolve().parent)!r}). {fix}"
    )
