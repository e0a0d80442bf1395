"""A run folder's own file names, and the refusal to write them over a user's files.

`train --out DIR` and `ensemble --out DIR` write `config.json`, `report.md`,
`model.keras` and the rest straight into `DIR`. A folder that already holds
files of those names but no sign that genreclf started a run there (its
`fingerprint.json`, `thresholds.json`, MLflow link, epoch backup, folds or
members) holds a user's own files: a `config.json` of another tool, notes in a
`report.md`. Writing the run there would replace them without a word, so it is
refused before any work starts, naming them; `overwrite=True` (`--overwrite`)
writes over them. Files of other names are left alone and never refused.

A run folder genreclf writes carries one of its marks from its first file on
(`fit_run` and `ensemble` write `fingerprint.json` first), so a killed run's
folder is recognised and resumed, not refused.
"""

import pathlib

from genreclf.errors import ConfigError
from genreclf.metrics.calibration_report import RELIABILITY_PNG
from genreclf.run_files import CONFIG
from genreclf.run_files import FINGERPRINT
from genreclf.run_files import LABELS
from genreclf.run_files import METRICS
from genreclf.run_files import MODEL
from genreclf.run_files import OUT_OF_FOLD
from genreclf.run_files import THRESHOLDS
from genreclf.run_files import TRAINING_ROWS
from genreclf.tracking.mlflow_tracker import TRACKING_FILE
from genreclf.training.calibration import CALIBRATION_FILE

# What shows genreclf started a run in a folder: its first file, its last,
# the MLflow run it resumes, a killed fit's progress (`callbacks.BACKUP_DIR`,
# `fitting.FITTED_WEIGHTS` and the best checkpoint's folder, spelled here:
# `fitting` imports this module, through `finished_runs`, and `callbacks`
# loads Keras), and the sub-folders of cross-validation and the GPU pair.
RUN_MARKS = (
    FINGERPRINT,
    THRESHOLDS,
    TRACKING_FILE,
    "backup",
    "fitted.weights.h5",
    "checkpoints",
    "folds",
    "members",
)
# The other files a run or an ensemble writes at the top of its folder
# (`tests/training/test_foreign_files.py` checks this list against what they write).
RUN_FILES = (
    CONFIG,
    LABELS,
    METRICS,
    "report.md",
    "history.csv",
    MODEL,
    CALIBRATION_FILE,
    "confusion.png",
    RELIABILITY_PNG,
    OUT_OF_FOLD,
    TRAINING_ROWS,
    "logs",
)


def refuse_foreign_files(out, overwrite=False, name="out"):
    """Raises a ConfigError if writing a run into `out` would replace files genreclf did not write.

    Args:
        out: the run folder (it need not exist).
        overwrite: whether such files may be written over.
        name: the argument, as the message spells it.

    Raises:
        ConfigError: `out` holds files of a run's names (`RUN_FILES`) and none
            of a run's marks (`RUN_MARKS`), and `overwrite` is False.

    Example:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> refuse_foreign_files(folder)  # no file of a run's name: nothing is replaced
    >>> _ = (folder / "config.json").write_text('{"tool": "mine"}')
    >>> refuse_foreign_files(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... holds files that are not a genreclf run's: config.json...
    >>> refuse_foreign_files(folder, overwrite=True)  # asked to write over them
    """
    out = pathlib.Path(out)
    if overwrite or not out.is_dir() or any((out / mark).exists() for mark in RUN_MARKS):
        return
    replaced = [file for file in RUN_FILES if (out / file).exists()]
    if replaced:
        raise ConfigError(
            f"{name} {str(out)!r} holds files that are not a genreclf run's: "
            f"{', '.join(replaced)}. Writing the run there would replace them. Received: "
            f"{name}={str(out)!r}. Choose a new folder, e.g. {name}='runs/"
            f"{out.name or 'run'}', move those files, or pass --overwrite "
            "(overwrite=True) to write over them."
        )
