"""`check_file_path`: a file argument (`--out`, `--cache`) refused before anything is paid.

`augment run` writes its output and appends its response cache only once
requests are answered: a path that is a folder, or lies under a file, failed
there with `IsADirectoryError` or `FileExistsError` after the requests were
paid for (and a cache that could not be written lost them, so a rerun paid
again). What blocks the path is `genreclf.path_arguments.file_blocker`'s, as
for the other commands' files; this names the argument as `augment` and
`label` spell theirs.
"""

import os
import pathlib

from genreclf.errors import ConfigError
from genreclf.path_arguments import file_blocker


def check_file_path(path, name, *, what, example):
    """Refuses a file path that is a folder, or lies inside a file.

    Args:
        path: the file to write or append to (it need not exist).
        name: the argument, as `Received: name=...` spells it (`"out"`); the
            option named beside it is `--name`.
        what: what the file is, with its article (`"the output JSONL"`).
        example: a file path to suggest.

    Raises:
        ConfigError: `path` is a folder, or a folder above it is a file.

    Example:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_file_path(folder + "/aug.jsonl", "out", what="the output", example="aug.jsonl")
    >>> check_file_path(folder, "out", what="the output", example="aug.jsonl")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: out must be a file path (the output), not a folder. ...
    """
    text = os.fspath(path)
    blocker = file_blocker(text)
    if blocker is None:
        return
    where = (
        "not a folder"
        if blocker == pathlib.Path(text)
        else f"not a path inside {str(blocker)!r}, which is a file"
    )
    option = "--" + name.replace("_", "-")
    raise ConfigError(
        f"{name} must be a file path ({what}), {where}. Received: {name}={text!r} "
        f"(`{option}`). Pass a file path in a folder, e.g. {option} {example}."
    )
