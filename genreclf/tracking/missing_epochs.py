"""The epochs a resumed run's MLflow run lacks, filled in from its `history.csv`.

genreclf's CSV log and backup run before the user's callbacks and the MLflow
callback, so a run killed at an epoch's end can have that epoch on disk (the
rerun does not train it again) but not in MLflow. When the rerun resumes,
`log_missing_epochs` logs those epochs at their steps. Keras' `CSVLogger`
writes the file; reading it back (its `NA`s, a row a kill cut short) is
genreclf's own, as no library reads a Keras CSV log.
"""

import csv
import math
import pathlib
import time

from genreclf.tracking.mlflow_tracker import safe_key


def csv_epochs(history):
    """`{epoch: {name: value}}` of a Keras CSV log (`history.csv`): the finite numbers only.

    Keras' `CSVLogger` writes `NA` for a value an epoch did not log: it is
    left out. A kill can cut the last row short, and a cut number reads as
    another number, so a row without its line end, or with fewer fields
    than the header, is dropped. A missing file reads as no epochs.

    Example:

    >>> import pathlib, tempfile
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> _ = log.write_text("epoch,loss,val_macro_f1\\n0,0.9,0.1\\n1,0.8,NA\\n2,0.7,0.3")
    >>> csv_epochs(log)  # epoch 2's row was cut short: no line end
    {0: {'loss': 0.9, 'val_macro_f1': 0.1}, 1: {'loss': 0.8}}
    """
    history = pathlib.Path(history)
    if not history.is_file():
        return {}
    lines = history.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    whole = [line for line in lines if line.endswith(("\n", "\r"))]
    epochs = {}
    for row in csv.DictReader(whole):
        if None in row.values() or None in row:  # too few fields, or too many
            continue
        try:
            epoch = int(row.pop("epoch"))
        except (ValueError, KeyError):
            continue
        values = {}
        for name, text in row.items():
            try:
                value = float(text)
            except ValueError:
                continue
            if math.isfinite(value):
                values[name] = value
        epochs[epoch] = values  # a repeated epoch: its last row
    return epochs


def log_missing_epochs(client, run_id, history, prefix=""):
    """Logs the epochs of a Keras CSV log that the MLflow run lacks; returns their numbers.

    A run killed at an epoch's end can have written that epoch to
    `history.csv` (and its backup, so the rerun does not train it again)
    before MLflow got it. When the rerun resumes, each metric's steps already
    in MLflow (`MlflowClient.get_metric_history`) are compared with the
    log's epochs, and the missing ones are logged at their step (the epoch),
    under `prefix` as `MlflowMetrics` names them.

    Args:
        client: an `MlflowClient`.
        run_id: the MLflow run.
        history: the CSV log (a missing file logs nothing).
        prefix: the metric names' prefix (`"fold_1/"`).

    Returns:
        The sorted epochs that had a metric logged.
    """
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    metrics, filled = [], set()
    logged = {}
    for epoch, values in sorted(csv_epochs(history).items()):
        for name, value in values.items():
            key = safe_key(prefix + name)
            if key not in logged:
                logged[key] = {m.step for m in client.get_metric_history(run_id, key)}
            if epoch not in logged[key]:
                metrics.append(Metric(key, value, now, epoch))
                filled.add(epoch)
    for start in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[start : start + 1000])
    return sorted(filled)
