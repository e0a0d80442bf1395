"""Which runs an ensemble may join, and where it may be written.

`member_runs` reads the members argument (two or more run folders or `Run`s)
and `check_out_apart` keeps the new run folder off the members' files: both
run before any work, so a mistake costs nothing and destroys nothing.
"""

import os
import pathlib

from genreclf.errors import ConfigError
from genreclf.run import Run

_RUNS_FIX = (
    "Pass e.g. genreclf.ensemble(['runs/ngram', 'runs/bilstm'], out='runs/ens') (`genreclf "
    "ensemble runs/ngram runs/bilstm --out runs/ens`)."
)


def member_runs(runs):
    """`runs` as a list of run folders or `Run`s, at least two; else a `ConfigError`.

    An ensemble weighs two or more members (`_join`). One folder, `Path` or
    `Run` given alone is refused rather than read as a sequence (a string
    would be read letter by letter); a generator is read once, here.

    Example:

    >>> member_runs(("runs/a", "runs/b"))
    ['runs/a', 'runs/b']
    >>> member_runs("runs/a")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: runs takes a list of two or more run folders (or Runs)...
    """
    expected = "runs takes a list of two or more run folders (or Runs) to join"
    if isinstance(runs, (str, bytes, os.PathLike, Run)):
        shown = runs if isinstance(runs, Run) else str(runs)
        raise ConfigError(
            f"{expected}. Received: runs={shown!r}, a single {type(runs).__name__}: an "
            f"ensemble of one run is that run. {_RUNS_FIX}"
        )
    try:
        members = list(runs)
    except TypeError:
        raise ConfigError(f"{expected}. Received: runs={runs!r}. {_RUNS_FIX}") from None
    for i, member in enumerate(members):
        if not isinstance(member, (str, os.PathLike, Run)):
            raise ConfigError(
                f"{expected}. Received: runs[{i}]={member!r} ({type(member).__name__}). "
                + _RUNS_FIX
            )
    if not members:
        raise ConfigError(f"{expected}. Received: no runs. {_RUNS_FIX}")
    if len(members) == 1:
        shown = str(getattr(members[0], "path", members[0]))
        raise ConfigError(
            f"{expected}. Received: 1 run ({shown!r}): an ensemble of one run is that run. "
            + _RUNS_FIX
        )
    return members


def check_out_apart(runs, out, *, members_inside=False):
    """Refuses an `out` that is a member's folder, inside one, or (unless allowed) holds one.

    The new run is written into `out` (`--overwrite` replaces what is there),
    so it must never land on a member's files. Paths are compared resolved:
    `runs/a`, `./runs/a/` and a symbolic link to it are one folder.

    Args:
        runs: the members' folders (or `Run`s).
        out: the new run folder.
        members_inside: allow members inside `out` (the GPU pair keeps its
            members in `OUT/members/`).

    Raises:
        ConfigError: `out` and a member's folder are one, or one holds the other.

    Example:

    >>> check_out_apart(["runs/a", "runs/b"], "runs/ens")
    >>> check_out_apart(["runs/a", "runs/b"], "./runs/a/")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: The ensemble's out (`--out`) must be a folder apart from its...
    """
    target = pathlib.Path(out).resolve()
    for run in runs:
        member = pathlib.Path(run.path if isinstance(run, Run) else run).resolve()
        if target == member:
            where = "is the member"
        elif member in target.parents:
            where = "is inside the member"
        elif target in member.parents and not members_inside:
            where = "holds the member"
        else:
            continue
        raise ConfigError(
            "The ensemble's out (`--out`) must be a folder apart from its members: writing "
            f"it would replace or mix with a member's files. Received: out={str(out)!r}, "
            f"which {where} {str(run.path if isinstance(run, Run) else run)!r}. Pass a new "
            "folder, e.g. out='runs/ensemble' (`--out runs/ensemble`)."
        )
