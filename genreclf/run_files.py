"""The files of a run folder: their names, and the writers of the small ones.

`genreclf.run.Run` reads a run folder; the trainer, `genreclf.ensemble` and
these writers write one. Layout (see docs/architecture.md):

    config.json  labels.json  thresholds.json  calibration.json  model.keras
    history.csv  metrics.json  report.md  confusion.png  reliability.png
    fingerprint.json  logs/
    oof_scores.npz   runs that trained on every row: their out-of-fold scores
"""

import hashlib
import pathlib

import numpy as np

from genreclf.errors import ConfigError
from genreclf.errors import RunFolderError
from genreclf.json_files import read_json_object
from genreclf.json_files import write_json

CONFIG = "config.json"
LABELS = "labels.json"
THRESHOLDS = "thresholds.json"
MODEL = "model.keras"
METRICS = "metrics.json"
FINGERPRINT = "fingerprint.json"
# Every writer of a run folder writes thresholds.json last: a folder without it
# is one whose writing was killed, which `Run` refuses (a rerun completes it).
COMPLETE = THRESHOLDS
OUT_OF_FOLD = "oof_scores.npz"
TRAINING_ROWS = "training_rows.npz"


def read_thresholds(path):
    """A run's `thresholds.json` as `float32 [K]` (what `write_thresholds` wrote)."""
    return np.asarray(read_json_object(path)["thresholds"], dtype="float32").reshape(-1)


def write_thresholds(path, thresholds, num_classes):
    """Writes a run's `thresholds.json`, the last file of a run folder (`COMPLETE`).

    Args:
        path: the run folder.
        thresholds: `[K]` per-class thresholds, or None (0.5 each: single-label
            runs decide by the arg-max, which ignores them).
        num_classes: K.
    """
    if thresholds is None:
        thresholds = np.full(num_classes, 0.5)
    write_json(pathlib.Path(path) / THRESHOLDS, {"thresholds": [float(t) for t in thresholds]})


def write_out_of_fold(path, scores, targets, rows):
    """Writes a run's out-of-fold scores (`OUT_OF_FOLD`), atomically.

    Args:
        path: the run folder.
        scores: `[n, K]` scores, as the saved model would give them (calibrated).
        targets: `[n, K]` targets of the same rows.
        rows: `[n]` row digests (`TextDataset.row_digests`): which rows these are.

    Plain arrays in an `.npz` (no pickles); `Run.out_of_fold` reads them back.
    """
    tmp = pathlib.Path(path) / (OUT_OF_FOLD + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(
            f,
            scores=np.asarray(scores, dtype="float32"),
            targets=np.asarray(targets, dtype="uint8"),
            rows=np.asarray(rows, dtype="S32"),
        )
    tmp.replace(pathlib.Path(path) / OUT_OF_FOLD)


def row_keys(texts):
    """8-byte keys of `texts` (the first bytes of their SHA-256): `S8 [n]`.

    A run trained on a text has seen it, whatever labels it was given there
    (in another order, or others), so the keys are of the texts alone. Eight
    bytes tell them apart (a chance collision among a million texts is about
    1 in 36 million).

    Example:

    >>> row_keys(["A heist.", "A heist."]).tolist() == [row_keys(["A heist."])[0]] * 2
    True
    """
    keys = [hashlib.sha256(text.encode("utf-8")).digest()[:8] for text in texts]
    return np.array(keys, dtype="S8").reshape(len(keys))


def write_training_rows(path, keys):
    """Writes which rows a run trained on (`TRAINING_ROWS`), atomically.

    `evaluate` and `ensemble` warn when they are given some of these rows:
    scores on them flatter the model.

    Args:
        path: the run folder.
        keys: the `row_keys` of its training rows.
    """
    tmp = pathlib.Path(path) / (TRAINING_ROWS + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, rows=np.unique(np.asarray(keys, dtype="S8")))
    tmp.replace(pathlib.Path(path) / TRAINING_ROWS)


def not_a_run_fix(path):
    """How to pass a run where `path` is not a path: `Run`'s and `load_run`'s fix.

    Example:

    >>> not_a_run_fix(None)
    "Pass the folder genreclf.train wrote, e.g. genreclf.load_run('runs/ngram')."
    """
    from genreclf.data.frames import is_frame
    from genreclf.run import Run  # it imports this module

    if isinstance(path, Run):
        return "It is a Run already: use it as it is."
    if is_frame(path):
        return (
            "Open the run by its folder, then pass the texts: "
            "genreclf.load_run('runs/ngram').predict(df['overview'])."
        )
    return "Pass the folder genreclf.train wrote, e.g. genreclf.load_run('runs/ngram')."


def check_not_a_run_folder(out):
    """Refuses a report's `out` that is a run folder (its `config.json` and `labels.json`).

    `evaluate(run, data, out=run.path)` wrote the test rows' `metrics.json`
    and `report.md` over the run's own, which `run.metrics`, `evaluate`
    without data and `ensemble` read as the run's held-out report.

    Example:

    >>> check_not_a_run_folder("no/such/folder")
    """
    path = pathlib.Path(out)
    if (path / CONFIG).is_file() and (path / LABELS).is_file():
        raise ConfigError(
            "out must be a folder for the report, not a run folder: the report's metrics.json "
            "and report.md would replace the run's own, its held-out report (run.metrics). "
            f"Received: out={str(out)!r}, a run folder. Pass a folder of the report's own, "
            f"e.g. out={str(path / 'evaluation')!r}."
        )


def check_run_folder(path):
    """Raises a `RunFolderError` unless `path` (a `pathlib.Path`) is a complete run folder.

    Nothing there, a file, a folder of none of a run's files (a tuning or an
    export folder is named as such), or one whose training did not finish
    (`COMPLETE`): each with the way to a run. `Run` reads what is there.

    Example:

    >>> check_run_folder(pathlib.Path("no/such/run"))
    Traceback (most recent call last):
    ...
    genreclf.errors.RunFolderError: No run folder at 'no/such/run' (nothing there). ...
    """
    if not path.is_dir():
        kind = "a file, not a folder" if path.exists() else "nothing there"
        raise RunFolderError(
            f"No run folder at {str(path)!r} ({kind}). Expected a folder written by "
            "`genreclf train --out DIR`."
        )
    run_files = (CONFIG, LABELS, MODEL, "backup", "history.csv", "logs", "fingerprint.json")
    if not any((path / name).exists() for name in run_files):
        raise RunFolderError(
            f"{str(path)!r} is not a run folder: it holds none of a run's files "
            f"({', '.join(run_files[:3])}). Expected a folder written by "
            f"`genreclf train --out DIR`.{_other_folder(path)}"
        )
    for required in (CONFIG, LABELS, MODEL, COMPLETE):
        if not (path / required).exists():
            raise RunFolderError(
                f"The run folder {str(path)!r} has no {required}: training "
                "did not finish there. Resume it by rerunning the same `genreclf "
                "train` command, or train again."
            )


def _other_folder(path):
    """What else `path` is, said with the way to a run: a tuning or an export folder; or "".

    Example:

    >>> _other_folder(pathlib.Path("no/such/folder"))
    ''
    """
    from genreclf.tuning.tuning_folder import holds_search  # an error's path only

    if holds_search(path):
        return (
            " It is a tuning folder (`genreclf tune`): its trials are not a run. Train its "
            f"best settings into one, `genreclf train --config {path / 'best.json'} --out "
            "DIR`, and pass DIR."
        )
    saved = path / "saved_model.pb"
    if saved.exists() or any(path.glob("*/saved_model.pb")) or any(path.glob("*/*/saved_model.pb")):
        return (
            " It holds an exported SavedModel (`genreclf export`): serve it with `genreclf "
            "serve`, or pass the run folder it was exported from."
        )
    return ""
