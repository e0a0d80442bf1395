"""`make_callbacks`: early stopping on validation macro-F1, checkpoints, resume, logs."""

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
    - `ModelCheckpoint` of the best weights (`checkpoints/best.weights.h5`);
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
    ['ResumingBackupAndRestore', 'EarlyStopping', 'ModelCheckpoint', 'CSVLogger']
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
        keras.callbacks.ModelCheckpoint(
            str(run_dir / BEST_WEIGHTS),
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
        ),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False))
    callbacks.extend(extra)
    return callbacks
