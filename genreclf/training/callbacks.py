"""`make_callbacks`: early stopping on validation macro-F1, checkpoints, resume, logs."""

import csv
import json
import math
import pathlib
import sys

import keras

from genreclf.training.backup_folder import BACKUP_WEIGHTS
from genreclf.training.backup_folder import SEED_STATES
from genreclf.training.backup_folder import backed_up_epochs
from genreclf.training.backup_folder import file_sha256
from genreclf.training.backup_folder import partial_weights_path
from genreclf.training.backup_folder import rewind_weights_ahead_of_record
from genreclf.training.backup_folder import save_weights_whole

BACKUP_DIR = "backup"
BEST_WEIGHTS = "checkpoints/best.weights.h5"


class ResumingBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore`, saying so when it resumes a killed run.

    It also backs up the model's random seed states (dropout's, word
    dropout's: `keras.random.SeedGenerator` variables, which `save_weights`
    leaves out) beside the weights, so a resumed run draws the masks the
    unkilled run would have; `Recipe.fit` replays the row order the same way.
    In a multi-worker job it checks, before the first step, that every worker
    resumes after the same epoch (`worker_agreement.check_same_start`).

    Keras writes an epoch's weights, then its epoch record: a kill between the
    two leaves the next epoch's weights under the last epoch's record, and a
    resumed run would train that epoch twice. The previous weights are kept
    (`double_checkpoint`) and the seed states file, written last, tells the
    case apart (`rewind_weights_ahead_of_record`): the run resumes from the
    weights its record names.

    Example:

    >>> ResumingBackupAndRestore("/tmp/run/backup").backup_dir
    '/tmp/run/backup'
    """

    def __init__(self, backup_dir, **kwargs):
        kwargs.setdefault("double_checkpoint", True)  # `rewind_weights_ahead_of_record`
        super().__init__(backup_dir, **kwargs)

    def on_train_begin(self, logs=None):
        from genreclf.training.worker_agreement import check_same_start

        rewind_weights_ahead_of_record(self.backup_dir)

        # Before restoring: a worker that restores its backup broadcasts the
        # weights (a collective), one without a backup does not.
        strategy = getattr(self.model, "distribute_strategy", None)
        check_same_start(strategy, backed_up_epochs(self.backup_dir), self.backup_dir)
        super().on_train_begin(logs)
        completed = getattr(self.model, "_initial_epoch", None)
        if completed:
            self._restore_seed_states(completed)
            print(
                f"resuming from epoch {completed + 1} ({completed} done; backup in "
                f"{self.backup_dir})",
                file=sys.stderr,
                flush=True,
            )

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)  # the weights and the epoch record
        if self.save_freq == "epoch":
            states = [v.numpy().tolist() for v in _seed_states(self.model)]
            backup = pathlib.Path(self.backup_dir)
            record = {
                "epoch": epoch + 1,
                "states": states,
                "weights_sha256": file_sha256(backup / BACKUP_WEIGHTS),  # which weights
            }
            path = backup / SEED_STATES
            path.with_suffix(".tmp").write_text(json.dumps(record))
            path.with_suffix(".tmp").replace(path)  # whole or not at all

    def _restore_seed_states(self, completed):
        path = pathlib.Path(self.backup_dir) / SEED_STATES
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            return  # a backup from before this file: the masks differ, nothing else
        variables = _seed_states(self.model)
        if saved.get("epoch") != completed or len(saved.get("states", ())) != len(variables):
            return  # killed between the weights and this file, or another model
        for variable, state in zip(variables, saved["states"]):
            variable.assign(state)


def _seed_states(model):
    """The model's `keras.random.SeedGenerator` states (dropout masks' counters), in order.

    Matched by position: their names (`seed_generator_3/...`) count the
    generators made earlier in the process, so they differ between runs.
    """
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


class BestCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' best-only `ModelCheckpoint`, watching the epochs early stopping watches.

    - Epochs before `start_from_epoch` (the learning rate's warmup) are not
      candidates, as in `keras.callbacks.EarlyStopping(start_from_epoch=...)`:
      the run keeps the epoch early stopping would restore. A run shorter
      than that writes no checkpoint and keeps its last epoch.
    - A resumed run starts from the best value of the killed run's logged
      scores (`resumed`, `(epoch, value)` pairs from `logged_scores`; Keras'
      `initial_value_threshold`), so its first epoch after the kill does not
      overwrite a better checkpoint from before it.
    - With `keep_last`, a run that ends before any candidate epoch writes its
      last epoch's weights when it ends (a tuning trial's checkpoint must
      exist: KerasTuner reads it).

    Example:

    >>> BestCheckpoint("/tmp/run/best.weights.h5", start_from_epoch=2).start_from_epoch
    2
    """

    def __init__(
        self,
        filepath,
        *,
        monitor="val_macro_f1",
        mode=None,
        start_from_epoch=0,
        resumed=(),
        keep_last=False,
    ):
        mode = mode or _mode(monitor)
        values = [v for epoch, v in resumed if epoch >= start_from_epoch and not math.isnan(v)]
        super().__init__(
            filepath,
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=(max if mode == "max" else min)(values) if values else None,
        )
        self.start_from_epoch = start_from_epoch
        self.keep_last = keep_last
        self._last_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch
        if epoch >= self.start_from_epoch:
            super().on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self.keep_last and self._last_epoch is not None:
            if self._last_epoch < self.start_from_epoch:
                save_weights_whole(self.model, self.filepath)

    def _save_model(self, epoch, batch, logs):
        # Keras writes the checkpoint in place: one cut by a kill failed the resumed
        # run when it loaded the best weights. Written beside it, renamed when whole.
        final = self.filepath
        partial = partial_weights_path(final)
        partial.unlink(missing_ok=True)  # a kill's leftover: not this epoch's weights
        self.filepath = str(partial)
        try:
            super()._save_model(epoch, batch, logs)
        finally:
            self.filepath = final
        if partial.exists():  # saved: this epoch improved
            partial.replace(final)


class ResumingEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' `EarlyStopping`, which a resumed run continues rather than restarts.

    Keras resets early stopping's best value and its count of epochs waited
    at every `fit`. Given the killed run's logged scores (`resumed`,
    `(epoch, value)` pairs from `logged_scores`), this one replays them by
    Keras' rule (`min_delta`, `baseline`; a NaN or missing score counts as no
    improvement) and counts an epoch the log lacks (a kill between the backup
    and the log) as waited, so the resumed run stops where the unkilled run
    would have. After a resume, the weights it restores are those of an
    epoch since the resume; the run then loads `BestCheckpoint`'s, the best
    of all.

    Example:

    >>> ResumingEarlyStopping(patience=2, start_from_epoch=2).patience
    2
    """

    def __init__(self, *, monitor="val_macro_f1", resumed=(), **kwargs):
        super().__init__(monitor=monitor, mode=_mode(monitor), **kwargs)
        self.resumed = list(resumed)
        self._last_logged = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        for epoch, value in self.resumed:
            if epoch < self.start_from_epoch:
                continue
            self.wait += 1
            if self._improves(value, self.best):
                self.best, self.best_epoch = value, epoch
                if self.baseline is None or self._improves(value, self.baseline):
                    self.wait = 0
        self._last_logged = self.resumed[-1][0] if self.resumed else None

    def on_epoch_end(self, epoch, logs=None):
        if self._last_logged is not None:  # the first epoch after a resume
            self.wait += max(0, epoch - max(self._last_logged + 1, self.start_from_epoch))
            self._last_logged = None
        super().on_epoch_end(epoch, logs)

    def _improves(self, value, reference):
        if math.isnan(value):
            return False
        if reference is None:
            return True
        delta = abs(self.min_delta)
        if _mode(self.monitor) == "max":
            return value - delta > reference
        return value + delta < reference


def logged_scores(history, monitor):
    """`[(epoch, value)]` of `monitor` in a Keras CSV log; NaN where there is none.

    Keras' `CSVLogger` writes `NA` for a value an epoch did not log, and a
    kill can cut the last row short: both read as NaN (a torn epoch number
    drops the row). No file (`history` None or missing) reads as no epochs.

    Example:

    >>> import pathlib, tempfile
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> _ = log.write_text("epoch,val_macro_f1\\n0,0.9\\n1,NA\\n2,0.5\\n3")
    >>> logged_scores(log, "val_macro_f1")
    [(0, 0.9), (1, nan), (2, 0.5), (3, nan)]
    """
    if history is None or not pathlib.Path(history).is_file():
        return []
    scores = []
    with open(history, newline="") as f:
        for row in csv.DictReader(f):
            try:
                epoch = int(row["epoch"])
            except (TypeError, ValueError):
                continue
            try:
                value = float(row.get(monitor))
            except (TypeError, ValueError):
                value = math.nan
            scores.append((epoch, value))
    return scores


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
    ['ResumingBackupAndRestore', 'CSVLogger', 'ResumingEarlyStopping', 'BestCheckpoint']
    """
    run_dir = pathlib.Path(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    # Resuming (a backup exists): the killed run's logged epochs count.
    log = run_dir / "history.csv"
    resumed = logged_scores(log, monitor) if (run_dir / BACKUP_DIR).exists() else []
    callbacks = [
        # First: it backs up the weights as training left them, before `first`
        # may swap in others (`keras.callbacks.SwapEMAWeights`).
        ResumingBackupAndRestore(str(run_dir / BACKUP_DIR), delete_checkpoint=True),
        *first,
        # Before early stopping and the checkpoint: a kill after the checkpoint
        # is written finds its epoch's score in the log.
        keras.callbacks.CSVLogger(str(log), append=True),
        ResumingEarlyStopping(
            monitor=monitor,
            patience=patience,
            start_from_epoch=start_from_epoch,
            restore_best_weights=True,
            verbose=0,
            resumed=resumed,
        ),
        BestCheckpoint(
            str(run_dir / BEST_WEIGHTS),
            monitor=monitor,
            start_from_epoch=start_from_epoch,
            resumed=resumed,
        ),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False))
    callbacks.extend(extra)
    return callbacks
