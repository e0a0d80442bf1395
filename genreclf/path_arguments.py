"""Checks of arguments that name a path to write: a path at all, a folder that is no file, a file
that is no folder.

`pathlib.Path(value)` meets a DataFrame, a list or None with a bare
`TypeError` ("expected str, bytes or os.PathLike object, not DataFrame"),
`path or default` with pandas' "truth value of a DataFrame is ambiguous",
and `mkdir` a file in the way with a `FileExistsError` deep inside the
work. `check_path` and `check_out_folder` name the argument, what it
received (in a few words: `genreclf.data.inputs.short_repr`, never a whole
dataset) and the fix, before any work starts: `Run` / `load_run`,
`train`'s and `ensemble`'s `out`, `evaluate`'s `out`, `tune`'s
`directory`, `export_run`'s and `export_model`'s `base`. `check_out_file`
does the same for a file written after the work (`labels check --out`,
`explain --html`), which `open` refused only once the work was done.
`check_path` and `check_out_folder` return the path with a leading `~`
expanded (`expand_home`, also used by `load_dataset`), as pandas reads it:
`open` and `pathlib` would read it as a folder named `~`.
"""

import os
import pathlib

from genreclf.data.frames import is_frame
from genreclf.data.inputs import is_series
from genreclf.data.inputs import short_repr
from genreclf.errors import ConfigError


class OpenedFolder:
    """A folder given by its path, still found after the working folder changes (`os.chdir`).

    A relative path names a folder of the working folder it was given in. `path`
    is the folder as given while that is still the working folder (messages keep
    the user's spelling), else its absolute path, so an object opened in a
    notebook before an `os.chdir` still reads and writes its own folder.

    Example:

    >>> import os, tempfile
    >>> before = os.getcwd()
    >>> os.chdir(tempfile.mkdtemp())
    >>> folder, opened_in = OpenedFolder("runs/a"), os.getcwd()
    >>> folder.path
    PosixPath('runs/a')
    >>> os.chdir(tempfile.mkdtemp())
    >>> folder.path == pathlib.Path(opened_in, "runs", "a")
    True
    >>> os.chdir(before)
    """

    def __init__(self, path):
        self._given = pathlib.Path(path)
        self._opened_in = _working_folder()
        self._absolute = self._given
        if self._opened_in is not None:
            self._absolute = pathlib.Path(self._opened_in, self._given)

    @property
    def path(self):
        """The folder as given, or absolute once the working folder is another."""
        if self._given.is_absolute() or _working_folder() == self._opened_in:
            return self._given
        return self._absolute


def _working_folder():
    """`os.getcwd()`, or None when the working folder was deleted."""
    try:
        return os.getcwd()
    except OSError:
        return None


def received(value):
    """`value` as `Received: name=...` shows it: cut short, with its type.

    Example:

    >>> received(None), received(3), received(["a heist"])
    ('None', '3 (int)', "['a heist'] (list)")
    """
    if value is None or is_frame(value) or is_series(value):  # they say what they are
        return short_repr(value)
    return f"{short_repr(value)} ({type(value).__name__})"


def expand_home(path):
    """`path` with a leading `~` (or `~user`) expanded, as pandas reads paths; its type kept.

    `open`, `pathlib` and TensorFlow read `~` as a folder's name: a notebook's
    `load_dataset("~/movies.csv")` found nothing, and `train(out="~/runs/a")`
    made a folder named `~` in the current folder. genreclf expands it where
    it takes a path, as its `config.json` already recorded the data's path.

    Example:

    >>> import os, pathlib
    >>> expand_home("~/runs/a") == os.path.join(os.path.expanduser("~"), "runs", "a")
    True
    >>> expand_home(pathlib.Path("runs/~a")), expand_home("~no_such_user_here/a")
    (PosixPath('runs/~a'), '~no_such_user_here/a')
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text.startswith("~"):
        return path
    expanded = os.path.expanduser(text)  # pathlib's raises for an unknown ~user
    return expanded if isinstance(path, str) else pathlib.Path(expanded)


def check_path(value, name, *, what, example, fix=None):
    """Returns `value`, a path (a `str` or an `os.PathLike`, a leading `~` expanded:
    `expand_home`); raises a `ConfigError` otherwise.

    Args:
        value: the argument.
        name: the argument, as `Received: name=...` spells it.
        what: what the path names, with its article (`"a run folder"`).
        example: a path to suggest (`"runs/ngram"`).
        fix: the sentence that says how to fix it (default: pass `example`;
            for `bytes`, decode them).

    Raises:
        ConfigError: `value` is not a `str` nor an `os.PathLike` (`bytes`
            included: `pathlib` refuses them), or is an empty or blank `str`
            (`pathlib` reads `""` as the current folder).

    Example:

    >>> check_path("runs/ngram", "path", what="a run folder", example="runs/ngram")
    'runs/ngram'
    >>> check_path(["runs/a"], "path", what="a run folder",
    ...            example="runs/ngram")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: path must be the path of a run folder ... Received: path=['runs/a'] (list). ...
    """
    if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip()):
        return expand_home(value)
    if isinstance(value, str):  # pathlib reads "" as the current folder
        raise ConfigError(
            f"{name} must be the path of {what}, not an empty string. Received: {name}="
            f"{value!r}. Pass e.g. {name}={example!r}."
        )
    if isinstance(value, bytes):  # whatever else the caller would suggest
        fix = "Pass the path as a str (`path.decode()`)."
    elif fix is None:
        fix = f"Pass e.g. {name}={example!r}."
    raise ConfigError(
        f"{name} must be the path of {what} (a str or pathlib.Path). Received: "
        f"{name}={received(value)}. {fix}"
    )


def check_out_folder(out, name="out", *, what="a run folder", holds="a run", example=None):
    """Returns the output folder to write, `out` with a leading `~` expanded; refuses one that
    is not a path, or is a file, or lies under one, or cannot be written.

    `pathlib.Path.mkdir` would raise a bare `FileExistsError` (or
    `NotADirectoryError`) deep inside training, tuning or exporting; this
    names the argument and the fix before any work starts.

    Args:
        out: the folder to write (it need not exist).
        name: the argument, as `Received: name=...` spells it.
        what: what the folder is, with its article (`"a tuning folder"`).
        holds: what a folder already there may hold (`"a search"`).
        example: a folder to suggest (default: `runs/<out's name>`).

    Raises:
        ConfigError: `out` is not a path (`check_path`), or it, or a folder
            above it, is a file, or the folder that would hold it cannot be
            written (a read-only file system, its mode): refused before the
            work rather than after it.

    Returns:
        `out` (its type kept), a leading `~` expanded (`expand_home`).

    Example:

    >>> import tempfile, pathlib
    >>> a_file = pathlib.Path(tempfile.mkdtemp()) / "train.py"
    >>> _ = a_file.write_text("print('hi')")
    >>> check_out_folder(a_file.parent / "runs" / "a") == a_file.parent / "runs" / "a"  # new: fine
    True
    >>> check_out_folder(a_file)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: out must be a run folder, not a file. Received: out=...
    """
    checked = check_path(out, name, what=what, example=example or "runs/run")
    path = pathlib.Path(checked)
    for place in (path, *path.parents):
        if place.is_dir():
            if not os.access(place, os.W_OK | os.X_OK):  # a read-only file system, a mode
                where = "" if place == path else f": its folder {str(place)!r} is not"
                example = example or f"runs/{path.stem or 'run'}"
                raise ConfigError(
                    f"{name} must be {what} that can be written{where}. Received: "
                    f"{name}={str(out)!r}. Pass a folder path you can write, e.g. "
                    f"{name}={example!r}, or make {str(place)!r} writable."
                )
            return checked
        if place.exists():  # a file (or anything else that is not a folder)
            where = "" if place == path else f", inside {str(place)!r}, which is a file"
            example = example or f"runs/{path.stem or 'run'}"
            raise ConfigError(
                f"{name} must be {what}, not a file. Received: {name}={str(out)!r}{where}. "
                f"Pass a folder path that is new or holds {holds}, e.g. {name}={example!r}."
            )
    return checked


def file_blocker(path):
    """What keeps a file from being written at `path`, or None.

    `pathlib.Path(path)` itself when it is a folder (or ends in a slash); the
    file a folder above it would have to be; None when the file can be
    written (its missing folders made).

    Example:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> file_blocker(folder / "new" / "page.html") is None, file_blocker(folder) == folder
    (True, True)
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> file_blocker(folder / "notes.txt" / "page.html") == folder / "notes.txt"
    True
    """
    if os.fspath(path).endswith(("/", os.sep)) or pathlib.Path(path).is_dir():
        return pathlib.Path(path)
    path = pathlib.Path(path)
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


def check_out_file(out, flag, *, what, example):
    """Refuses a file to write that is a folder (or ends in a slash), or lies under a file.

    Args:
        out: the file's path (it need not exist; its folders are made).
        flag: the command-line option, as `Received: --flag '...'` spells it.
        what: what the file is, with its article (`"the CSV file to write"`).
        example: a file name to suggest (inside `out` when it is a folder).

    Raises:
        ConfigError: naming `flag`, what it received and a file name to pass.

    Example:

    >>> check_out_file("suspects.csv", "--out", what="the CSV", example="suspects.csv")
    >>> check_out_file(".", "--out", what="the CSV", example="s.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: --out is the CSV. Received: --out '.', which is a folder. ...
    """
    path = pathlib.Path(out)
    blocker = file_blocker(out)
    if blocker is None:
        return
    blocked = "which is a folder" if blocker == path else f"under {str(blocker)!r}, a file"
    suggested = str(path / example) if path.is_dir() else example
    raise ConfigError(
        f"{flag} is {what}. Received: {flag} {str(out)!r}, {blocked}. Pass a file name, "
        f"e.g. {flag} {suggested!r}."
    )
