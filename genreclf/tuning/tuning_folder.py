"""The tuning folder: a new search, a resumed one (the same settings), or one started over.

`tune` calls `check_resume` before reading the data and `ready` before
building anything (it holds the folder in between); `check_same_search`
compares a search's description with the saved `tune.json` of the one it
resumes.
"""

import json
import shutil

from genreclf.errors import ConfigError
from genreclf.tracking.mlflow_tracker import TRACKING_FILE
from genreclf.tuning import results

# What a resumed search must share with the search it resumes (max_trials and
# max_time may grow): its trials' settings and scores must mean the same.
SPEC_MUST_MATCH = (
    *("model", "tuner", "objective", "max_epochs", "executions_per_trial", "data"),
    "labels",  # the trials' models score the classes in this order
    "rows",  # the data file's rows: a file edited since would score trials on other rows
    "val_rows",  # likewise the validation file's (None without one)
)
SPACE_MUST_MATCH = ("space",)  # the fixed values too, as the space describes them


def clear(directory):
    """Deletes a tuning folder's search: its trials, k-fold runs and result files."""
    for name in (results.TRIALS, "kfold"):
        shutil.rmtree(directory / name, ignore_errors=True)
    for name in (
        results.TUNE_SPEC,
        results.LEADERBOARD_CSV,
        results.LEADERBOARD_JSON,
        results.BEST_CONFIG,
        results.KFOLD,
        TRACKING_FILE,  # a search started afresh is a new MLflow run
    ):
        (directory / name).unlink(missing_ok=True)


def holds_search(directory):
    """Whether `directory` holds a search: its oracle's state or its `tune.json`."""
    trials = directory / results.TRIALS
    return (trials / "oracle.json").exists() or (directory / results.TUNE_SPEC).exists()


def check_resume(directory, resume, overwrite):
    """Refuses `resume` with `overwrite`, `resume` where there is no search to resume, and
    neither where there is one.

    A resume of nothing is most likely a wrong folder (a typo, another
    working directory, the default `tuning/<model>` of another family):
    starting a new search there would spend the whole budget again.

    Example:

    >>> import pathlib
    >>> check_resume(pathlib.Path("tuning/none-here"), True, False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: resume=True (--resume) found no search to resume: ...
    """
    if resume and overwrite:
        raise ConfigError("Pass either --resume or --overwrite, not both.")
    if resume and not holds_search(directory):
        state = "holds no search (no tune.json)" if directory.is_dir() else "does not exist"
        raise ConfigError(
            f"resume=True (--resume) found no search to resume: {str(directory)!r} {state}. "
            f"Received: directory={str(directory)!r}, resume=True. Check the folder (--dir; "
            "the default is tuning/<model>), or pass resume=False (drop --resume) to start "
            "a new search there."
        )
    if not resume and not overwrite and holds_search(directory):
        found = len(list((directory / results.TRIALS).glob("trial_*/trial.json")))
        raise ConfigError(
            f"{directory} already holds a search ({found} trials). Pass --resume to "
            "continue it (finished trials are kept), or --overwrite to delete it and "
            "start over, or choose another --dir."
        )


def ready(directory, spec, overwrite, tuner_id):
    """Readies `directory` for a search described by `spec`, once
    `check_resume(directory, resume, overwrite)` has passed; returns the saved
    description (`tune.json`) of the search it resumes, or `{}` for a new one.

    `overwrite` deletes the search there first; a search there is resumed
    only with the same settings (`SPEC_MUST_MATCH`). `tune` calls
    `check_resume` before reading the data, and holds the folder since.
    """
    trials = directory / results.TRIALS
    if overwrite:
        clear(directory)
        return {}
    if not holds_search(directory):
        return {}
    old = results.read_spec(directory)
    if "labels" in spec and old and "labels" not in old:
        # Saved before the classes were recorded: then they were always in text order.
        old = {**old, "labels": sorted(spec["labels"])}
    check_same_search(directory, old, spec, SPEC_MUST_MATCH)
    # What it keeps and runs again is said once the lost trials are dropped, as it is
    # reloaded (`saved_state.check_before_reload`).
    # KerasTuner reloads the oracle from the file of this tuner id: a search
    # started by one process and resumed as a chief (or the reverse) must find it.
    own = trials / f"{tuner_id}.json"
    if not own.exists():
        for other in ("tuner0.json", "chief.json"):
            if (trials / other).exists():
                shutil.copy2(trials / other, own)
                break
    return old


def check_same_search(directory, old, spec, keys):
    """Refuses to resume a search whose `keys` differ from the saved `tune.json`'s,
    naming each differing entry (`data.val_split=0.1 (now 0.2)`)."""
    as_saved = json.loads(json.dumps({k: spec[k] for k in keys if k in spec}, default=str))
    changed = []
    for key in (k for k in as_saved if k in old and old[k] != as_saved[k]):
        was, now = old[key], as_saved[key]
        if isinstance(was, dict) and isinstance(now, dict):
            names = sorted(set(was) | set(now), key=str)
            changed += [
                f"{key}.{n}={was.get(n)!r} (now {now.get(n)!r})"
                for n in names
                if was.get(n) != now.get(n)
            ]
        else:
            changed.append(f"{key}={was!r} (now {now!r})")
    if changed:
        raise ConfigError(
            f"{directory} holds a search with different settings: {', '.join(changed)}. "
            "Resume with the same settings (only --max-trials and --max-time may change), "
            "or pass --overwrite."
        )
