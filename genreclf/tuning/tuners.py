"""`make_tuner`: KerasTuner tuners that keep memory flat and survive failures.

On top of KerasTuner's `Tuner` (and `Hyperband`'s epoch handling), genreclf's
tuners:

- clear the Keras session and collect garbage as soon as a trial ends
  (KerasTuner clears only before building the next model): the finished
  trial's model, optimizer and datasets are released at once, and the next
  build does not collect a second time (issue #873);
- record per trial who ran it, when, for how long and how many epochs, in
  `trial_<id>/genreclf_trial.json` beside KerasTuner's `trial.json`;
- on a chief, serve the oracle with genreclf's server (requeues the trials of
  dead workers, see `genreclf.tuning.distributed`);
- on a worker, wait with a growing pause when the oracle answers `IDLE`, and
  send heartbeats to the chief while a trial trains.
"""

import datetime
import json
import logging
import os
import re
import threading
import time

import keras
import keras_tuner
from keras_tuner.src.distribute import utils as dist_utils
from keras_tuner.src.engine import trial as trial_module

from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.tuning")

TRIAL_RECORD = "genreclf_trial.json"
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*:")


def error_line(message):
    """The line naming the exception in a traceback (`"ValueError: ..."`), else the last line.

    Example:

    >>> error_line("Traceback ...\\n  File x\\nValueError: bad\\n\\nArguments: ...")
    'ValueError: bad'
    """
    lines = [line.strip() for line in (message or "").strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line):
            return line
    return lines[-1] if lines else None


class _TrialHeartbeat:
    """Calls `oracle.get_trial(trial_id)` every `interval` seconds in a daemon thread."""

    def __init__(self, oracle, trial_id, interval):
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(oracle, trial_id, interval), daemon=True
        )
        self._thread.start()

    def _run(self, oracle, trial_id, interval):
        while not self._stop.wait(interval):
            try:
                oracle.get_trial(trial_id)
            except Exception as e:  # a missed heartbeat is not fatal
                logger.debug("heartbeat for trial %s failed: %s", trial_id, e)

    def stop(self):
        self._stop.set()


class _GenreclfTunerMixin:
    """Trial bookkeeping, cleanup, distributed serving (see module doc)."""

    heartbeat = 15.0
    worker_timeout = 1800.0

    def on_trial_begin(self, trial):
        self._trial_started = time.time()
        self._trial_epochs = 0
        self._heartbeat = None
        if self._is_worker():
            self._heartbeat = _TrialHeartbeat(self.oracle, trial.trial_id, self.heartbeat)
        super().on_trial_begin(trial)

    def on_epoch_end(self, trial, model, epoch, logs=None):
        self._trial_epochs += 1
        super().on_epoch_end(trial, model, epoch, logs=logs)

    def on_trial_end(self, trial):
        if self._heartbeat is not None:
            self._heartbeat.stop()
        started = getattr(self, "_trial_started", time.time())
        record = {
            "trial_id": trial.trial_id,
            "tuner_id": self.tuner_id,
            "status": trial.status,
            "started": datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "seconds": round(time.time() - started, 3),
            "epochs": self._trial_epochs,
            "message": error_line(trial.message),
        }
        path = os.path.join(self.get_trial_dir(trial.trial_id), TRIAL_RECORD)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)
        if trial.status != trial_module.TrialStatus.COMPLETED:
            logger.warning("trial %s %s: %s", trial.trial_id, trial.status.lower(),
                           record["message"])
        try:
            super().on_trial_end(trial)
        finally:
            keras.backend.clear_session()  # also runs gc.collect()
            self._session_cleared = True

    def _try_build(self, hp):
        # KerasTuner clears the session and collects garbage before every
        # build; skip that when the previous trial's end already did (each
        # collection costs about a second with TensorFlow loaded).
        if not getattr(self, "_session_cleared", False):
            keras.backend.clear_session()
        self._session_cleared = False
        model = self._build_hypermodel(hp)
        if not isinstance(model, keras.Model):
            raise keras_tuner.errors.FatalTypeError(
                "Expected the HyperModel's build() to return a Keras Model. "
                f"Received: {model} of type {type(model)}."
            )
        size = model.count_params()
        if self.max_model_size and size > self.max_model_size:
            raise keras_tuner.errors.FailedTrialError(
                f"Oversized model: {size} parameters > max_model_size={self.max_model_size}."
            )
        return model

    def search(self, *fit_args, **fit_kwargs):
        if dist_utils.is_chief_oracle():
            from genreclf.tuning.distributed import serve_oracle

            if "verbose" in fit_kwargs:
                self.oracle.verbose = fit_kwargs["verbose"]
            self.save()
            serve_oracle(self.oracle, worker_timeout=self.worker_timeout)
            return
        if "verbose" in fit_kwargs and not self._is_worker():
            self.oracle.verbose = fit_kwargs.get("verbose")
        self.on_search_begin()
        idle = 0
        while True:
            self.pre_create_trial()
            trial = self.oracle.create_trial(self.tuner_id)
            if trial.status == trial_module.TrialStatus.STOPPED:
                break
            if trial.status == trial_module.TrialStatus.IDLE:
                idle += 1
                time.sleep(min(5.0, 0.2 * idle))
                continue
            idle = 0
            self.on_trial_begin(trial)
            self._try_run_and_update_trial(trial, *fit_args, **fit_kwargs)
            self.on_trial_end(trial)
        self.on_search_end()


class GenreclfTuner(_GenreclfTunerMixin, keras_tuner.Tuner):
    """A `keras_tuner.Tuner` with genreclf's bookkeeping (random and Bayesian search)."""


class GenreclfHyperband(_GenreclfTunerMixin, keras_tuner.Hyperband):
    """`keras_tuner.Hyperband` (epoch budgets, warm starts) on a given oracle."""

    def __init__(self, oracle, hypermodel=None, **kwargs):
        keras_tuner.Tuner.__init__(self, oracle=oracle, hypermodel=hypermodel, **kwargs)


def make_tuner(
    oracle,
    hypermodel,
    *,
    directory,
    project_name="trials",
    overwrite=False,
    executions_per_trial=1,
    heartbeat=15.0,
    worker_timeout=1800.0,
):
    """A tuner for `oracle` (from `make_oracle`) and `hypermodel`.

    Args:
        oracle: a genreclf oracle (`make_oracle`).
        hypermodel: a `keras_tuner.HyperModel` (e.g. `BiLSTMHyperModel`).
        directory: the tuning folder; trials go to `directory/project_name`.
        project_name: the sub-folder of the trials.
        overwrite: delete previous trials in that folder first.
        executions_per_trial: models trained per trial (their scores averaged).
        heartbeat: seconds between a worker's heartbeats while training.
        worker_timeout: on a chief, seconds of silence after which a worker's
            trial is requeued.

    Example:

    >>> import genreclf
    >>> from genreclf.tuning import NgramHyperModel, make_oracle
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> tuner = make_tuner(make_oracle("random", max_trials=2), NgramHyperModel(data),
    ...                    directory="/tmp/genreclf_doc_tuner", overwrite=True)
    >>> type(tuner).__name__
    'GenreclfTuner'
    """
    if executions_per_trial < 1:
        raise ConfigError(
            f"executions_per_trial must be >= 1. Received: executions_per_trial={executions_per_trial}."
        )
    cls = GenreclfHyperband if isinstance(oracle, keras_tuner.oracles.HyperbandOracle) else GenreclfTuner
    tuner = cls(
        oracle=oracle,
        hypermodel=hypermodel,
        directory=str(directory),
        project_name=project_name,
        overwrite=overwrite,
        executions_per_trial=executions_per_trial,
    )
    tuner.heartbeat = heartbeat
    tuner.worker_timeout = worker_timeout
    return tuner
