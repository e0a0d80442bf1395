"""`make_callbacks`: early stopping on validation macro-F1, checkpoints, resume, logs."""

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
      (`initial_value_threshold`), so its first epoch after the kill does not
      overwrite a better checkpoint from before it.

    Example:

    >>> BestCheckpoint("/tmp/run/best.weights.h5", start_from_epoch=2).start_from_epoch
    2
    """

    def __init__(self, filepath, *, monitor="val_macro_f1", start_from_epoch=0, history=None):
        mode = "min" if "loss" in monitor else "max"
        super().__init__(
            filepath,
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=best_logged(history, monitor, mode, start_from_epoch),
        )
        self.start_from_epoch = start_from_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.start_from_epoch:
            super().on_epoch_end(epoch, logs)


def best_logged(history, monitor, mode, start_from_epoch=0):
    """The best `monitor` value in a CSV log's epochs from `start_from_epoch`, or None.

    Example:

    >>> import pathlib, tempfile
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> _ = log.write_text("epoch,val_macro_f1\\n0,0.9\\n1,0.2\\n2,0.5\\n3,0.4\\n")
    >>> best_logged(log, "val_macro_f1", "max", start_from_epoch=2)
    0.5
    """
    if history is None or not pathlib.Path(history).is_file():
        return None
    with open(history, newline="") as f:
        values = [
            float(row[monitor])
            for row in csv.DictReader(f)
            if row.get(monitor) not in (None, "") and int(row["epoch"]) >= start_from_epoch
        ]
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return None
    return max(values) if mode == "max" else min(values)


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

    - `EarlyStopping` on `monitor` (mode from its name), best weights restored;
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
    ['ResumingBackupAndRestore', 'EarlyStopping', 'BestCheckpoint', 'CSVLogger']
    """
    run_dir = pathlib.Path(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    mode = "min" if "loss" in monitor else "max"
    callbacks = [
        # First: it backs up the weights as training left them, before `first`
        # may swap in others (`keras.callbacks.SwapEMAWeights`).
        ResumingBackupAndRestore(str(run_dir / BACKUP_DIR), delete_checkpoint=True),
        *first,
        keras.callbacks.EarlyStopping(
            monitor=monitor,
            mode=mode,
            patience=patience,
            start_from_epoch=start_from_epoch,
            restore_best_weights=True,
            verbose=0,
        ),
        BestCheckpoint(
            str(run_dir / BEST_WEIGHTS),
            monitor=monitor,
            start_from_epoch=start_from_epoch,
            # Resuming: the killed run's epochs count (its log is kept then).
            history=run_dir / "history.csv" if (run_dir / BACKUP_DIR).exists() else None,
        ),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False))
    callbacks.extend(extra)
    return callbacks
