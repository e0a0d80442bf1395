"""`make_callbacks`: early stopping on validation macro-F1, checkpoints, resume, logs."""

import collections
import csv
import math
import pathlib
import sys

import keras

BACKUP_DIR = "backup"
BEST_WEIGHTS = "checkpoints/best.weights.h5"


class ResumingBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore`, saying so when it resumes a killed run.

    Example:

    >>> ResumingBackupAndRestore("/tmp/run/backup").backup_dir
    '/tmp/run/backup'
    """

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        completed = getattr(self.model, "_initial_epoch", None)
        if completed:
            print(
                f"resuming from epoch {completed + 1} ({completed} done; backup in "
                f"{self.backup_dir})",
                file=sys.stderr,
                flush=True,
            )


class BestCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' best-only `ModelCheckpoint`, watching the epochs early stopping watches.

    - Epochs before `start_from_epoch` (the learning rate's warmup) are not
      candidates, as in `keras.callbacks.EarlyStopping(start_from_epoch=...)`:
      the run keeps the epoch early stopping would restore.
    - A resumed run starts from the best value in the killed run's CSV log
      (`resume_log`; Keras' `initial_value_threshold`), so its first epoch after
      the kill does not overwrite a better checkpoint from before it.

    Example:

    >>> BestCheckpoint("/tmp/run/best.weights.h5", start_from_epoch=2).start_from_epoch
    2
    """

    def __init__(self, filepath, *, monitor="val_macro_f1", start_from_epoch=0, resume_log=None):
        mode = _mode(monitor)
        logged = best_logged(resume_log, monitor, mode, start_from_epoch)
        super().__init__(
            filepath,
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=None if logged is None else logged.value,
        )
        self.start_from_epoch = start_from_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.start_from_epoch:
            super().on_epoch_end(epoch, logs)


class ResumingEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' `EarlyStopping`, which a resumed run continues rather than restarts.

    Given the killed run's CSV log (`resume_log`), it starts from that log's
    best value and the epochs waited since, so a resumed run stops at the
    epoch the run would have stopped at had it not been killed (Keras resets
    both at every `fit`). Its restored weights are the best since the
    resume; the run then loads `BestCheckpoint`'s, the best of all.

    Example:

    >>> ResumingEarlyStopping(patience=2, start_from_epoch=2).patience
    2
    """

    def __init__(self, *, monitor="val_macro_f1", resume_log=None, **kwargs):
        super().__init__(monitor=monitor, mode=_mode(monitor), **kwargs)
        self.resume_log = resume_log

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        logged = best_logged(
            self.resume_log, self.monitor, _mode(self.monitor), self.start_from_epoch
        )
        if logged is not None:
            self.best, self.best_epoch, self.wait = logged


LoggedBest = collections.namedtuple("LoggedBest", ["value", "epoch", "epochs_since"])


def best_logged(history, monitor, mode, start_from_epoch=0):
    """The best `monitor` value in a CSV log from `start_from_epoch`, or None.

    Returns `(value, epoch, epochs_since)`: the first epoch of the best value
    and the number of logged epochs after it (early stopping's wait).

    Example:

    >>> import pathlib, tempfile
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> _ = log.write_text("epoch,val_macro_f1\\n0,0.9\\n1,0.2\\n2,0.5\\n3,0.4\\n")
    >>> best_logged(log, "val_macro_f1", "max", start_from_epoch=2)
    LoggedBest(value=0.5, epoch=2, epochs_since=1)
    """
    if history is None or not pathlib.Path(history).is_file():
        return None
    with open(history, newline="") as f:
        scores = [
            (int(row["epoch"]), float(row[monitor]))
            for row in csv.DictReader(f)
            if row.get(monitor) not in (None, "") and int(row["epoch"]) >= start_from_epoch
        ]
    scores = [(epoch, value) for epoch, value in scores if not math.isnan(value)]
    if not scores:
        return None
    pick = max if mode == "max" else min
    value = pick(value for _, value in scores)
    epoch = next(epoch for epoch, v in scores if v == value)
    return LoggedBest(value, epoch, sum(e > epoch for e, _ in scores))


def _mode(monitor):
    return "min" if "loss" in monitor else "max"


def make_callbacks(
    run_dir,
    *,
    monitor="val_macro_f1",
    patience=3,
    start_from_epoch=2,
    tensorboard=True,
    first=(),
    extra=(),
):
    """The standard training callbacks for a run folder.

    - `ResumingEarlyStopping` on `monitor` (mode from its name), best weights
      restored;
    - `BestCheckpoint` of the best weights (`checkpoints/best.weights.h5`)
      from the epochs early stopping watches;
    - `BackupAndRestore` (`backup/`): a killed run resumes at its last epoch
      when the same command runs again;
    - `CSVLogger` (`history.csv`, appended on resume) and `TensorBoard` (`logs/`).

    Args:
        run_dir: the run folder.
        monitor: the metric to watch, e.g. `"val_macro_f1"` or `"val_loss"`.
        patience: epochs without improvement before stopping.
        start_from_epoch: epochs before early stopping starts watching (a
            model from scratch, or one still warming up its learning rate,
            often scores 0 macro-F1 for its first epochs).
        tensorboard: write TensorBoard logs.
        first: callbacks that must run before early stopping and checkpoints
            (e.g. one that adds the monitored value to the logs, or one that
            swaps in averaged weights); they run after the backup.
        extra: more callbacks (e.g. a schedule's `ReduceLROnPlateau`).

    Example:

    >>> callbacks = make_callbacks("/tmp/run", patience=2, tensorboard=False)
    >>> [type(c).__name__ for c in callbacks]
    ['ResumingBackupAndRestore', 'ResumingEarlyStopping', 'BestCheckpoint', 'CSVLogger']
    """
    run_dir = pathlib.Path(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    # Resuming (a backup exists): the killed run's logged epochs count.
    resume_log = run_dir / "history.csv" if (run_dir / BACKUP_DIR).exists() else None
    callbacks = [
        # First: it backs up the weights as training left them, before `first`
        # may swap in others (`keras.callbacks.SwapEMAWeights`).
        ResumingBackupAndRestore(str(run_dir / BACKUP_DIR), delete_checkpoint=True),
        *first,
        ResumingEarlyStopping(
            monitor=monitor,
            patience=patience,
            start_from_epoch=start_from_epoch,
            restore_best_weights=True,
            verbose=0,
            resume_log=resume_log,
        ),
        BestCheckpoint(
            str(run_dir / BEST_WEIGHTS),
            monitor=monitor,
            start_from_epoch=start_from_epoch,
            resume_log=resume_log,
        ),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False))
    callbacks.extend(extra)
    return callbacks
