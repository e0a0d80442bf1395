"""`make_oracle`: KerasTuner oracles with a time budget and worker liveness.

The three search algorithms (`random`, `hyperband`, `bayesian`) are
KerasTuner's own; genreclf adds, in a mixin:

- a time budget (`max_time` seconds): once spent, no new trial starts (running
  ones finish) and the search ends;
- liveness of distributed workers: the oracle notes when each tuner last
  spoke (trial requests, heartbeats); `requeue_silent_workers(timeout)` puts
  the trial of a worker silent for longer than `timeout` back in the queue, so
  a dead worker neither blocks the end of the search nor loses its trial;
- in distributed mode, a worker asking for a trial when none is left but
  others are still running gets `IDLE` (wait) instead of `STOPPED` (exit), so
  it can take over a trial requeued from a dead worker;
- `oracle.json` is saved once more after a trial ends, so a finished search
  lists no trial as running and `--resume` reruns nothing;
- `oracle.json` and each `trial.json` are written whole (a temporary file
  renamed over the old one, `compat.AtomicStateFiles`): a search killed while
  saving one leaves no half file for `--resume` to trip on.
"""

import logging
import time

import keras_tuner
from keras_tuner.engine import trial as trial_module

from genreclf.errors import ConfigError
from genreclf.tuning import compat
from genreclf.tuning.objective import make_objective

logger = logging.getLogger("genreclf.tuning")

TUNERS = ("random", "hyperband", "bayesian")
_STATUS = trial_module.TrialStatus


class _LivenessMixin:
    """Time budget and worker liveness for any KerasTuner oracle (see module doc)."""

    max_time = None
    distributed = False

    def _genreclf_state(self):
        if not hasattr(self, "_last_seen"):
            self._last_seen = {}
            self._budget_start = None
        return self._last_seen

    def seen(self, tuner_id):
        """Records that `tuner_id` is alive now."""
        self._genreclf_state()[tuner_id] = time.monotonic()

    def budget_spent(self):
        """True once `max_time` seconds have passed since the first trial request."""
        self._genreclf_state()
        if not self.max_time or self._budget_start is None:
            return False
        return time.monotonic() - self._budget_start >= self.max_time

    @keras_tuner.synchronized
    def create_trial(self, tuner_id):
        self.seen(tuner_id)
        if self._budget_start is None:
            self._budget_start = time.monotonic()
        if tuner_id not in self.ongoing_trials and self.budget_spent():
            logger.info("time budget of %ss spent: no new trial for %s", self.max_time, tuner_id)
            self.tuner_ids.discard(tuner_id)
            hps = self.hyperparameters.copy()
            hps.values = {}
            return trial_module.Trial(hps, trial_id="budget", status=_STATUS.STOPPED)
        trial = super().create_trial(tuner_id)
        others = [t for t in self.ongoing_trials if t != tuner_id]
        if trial.status == _STATUS.STOPPED and self.distributed and others:
            # Keep this worker waiting: a trial of a dead worker may come back.
            self.tuner_ids.add(tuner_id)
            trial.status = _STATUS.IDLE
        return trial

    @keras_tuner.synchronized
    def update_trial(self, trial_id, metrics, step=0):
        self._mark_trial(trial_id)
        return super().update_trial(trial_id, metrics, step=step)

    @keras_tuner.synchronized
    def end_trial(self, trial):
        # A trial begun under a chief since restarted (`--resume`) ends here too.
        compat.note_trial_started(self, trial.trial_id)
        super().end_trial(trial)
        # KerasTuner saves the oracle before it drops the trial from
        # `ongoing_trials`: saved again, oracle.json lists no finished trial
        # as running, and `--resume` does not rerun it.
        self.save()

    def get_trial(self, trial_id):
        # Workers call GetTrial as a heartbeat while they train.
        self._mark_trial(trial_id)
        return super().get_trial(trial_id)

    def _mark_trial(self, trial_id):
        for tuner_id, trial in list(self.ongoing_trials.items()):
            if trial.trial_id == trial_id:
                self.seen(tuner_id)

    @keras_tuner.synchronized
    def requeue_silent_workers(self, timeout):
        """Requeues the trials of workers silent for more than `timeout` seconds.

        Returns the list of `(tuner_id, trial_id or None)` dropped.
        """
        last_seen = self._genreclf_state()
        now = time.monotonic()
        dropped = []
        for tuner_id in sorted(self.tuner_ids | set(self.ongoing_trials)):
            silent = now - last_seen.setdefault(tuner_id, now)
            if silent <= timeout:
                continue
            trial = self.ongoing_trials.pop(tuner_id, None)
            self.tuner_ids.discard(tuner_id)
            if trial is not None:
                compat.requeue(self, trial.trial_id)
                self.save()
            logger.warning(
                "worker %s silent for %.0fs: dropped%s",
                tuner_id,
                silent,
                f"; its trial {trial.trial_id} goes back to the queue" if trial else "",
            )
            dropped.append((tuner_id, trial.trial_id if trial else None))
        return dropped


def _with_liveness(base):
    return type(f"Genreclf{base.__name__}", (_LivenessMixin, compat.AtomicStateFiles, base), {})


RandomSearchOracle = _with_liveness(keras_tuner.oracles.RandomSearchOracle)
HyperbandOracle = _with_liveness(keras_tuner.oracles.HyperbandOracle)
BayesianOptimizationOracle = _with_liveness(keras_tuner.oracles.BayesianOptimizationOracle)


def make_oracle(
    kind="hyperband",
    *,
    objective="val_macro_f1",
    max_trials=30,
    max_epochs=20,
    seed=0,
    max_time=None,
    max_retries_per_trial=0,
    max_consecutive_failed_trials=3,
    distributed=False,
    hyperband_factor=3,
):
    """A KerasTuner oracle of `kind` with genreclf's time budget and liveness checks.

    Args:
        kind: `"random"`, `"hyperband"` or `"bayesian"`.
        objective: a metric name (direction inferred) or `keras_tuner.Objective`.
        max_trials: the most trials (for Hyperband: a cap on top of its brackets).
        max_epochs: Hyperband's largest epoch budget per trial.
        seed: the oracle's random seed.
        max_time: seconds after which no new trial starts (None: no limit).
        max_retries_per_trial: reruns of a crashed trial before it counts as failed.
        max_consecutive_failed_trials: the search stops after this many
            failed trials in a row (something is wrong with every trial).
        distributed: True on a chief serving workers.
        hyperband_factor: Hyperband's reduction factor.

    Example:

    >>> oracle = make_oracle("random", max_trials=5, max_time=60)
    >>> type(oracle).__name__, oracle.objective.name, oracle.max_time
    ('GenreclfRandomSearchOracle', 'val_macro_f1', 60)
    """
    common = {
        "objective": make_objective(objective),
        "seed": seed,
        "max_retries_per_trial": max_retries_per_trial,
        "max_consecutive_failed_trials": max_consecutive_failed_trials,
    }
    if kind == "random":
        oracle = RandomSearchOracle(max_trials=max_trials, **common)
    elif kind == "bayesian":
        oracle = BayesianOptimizationOracle(max_trials=max_trials, **common)
    elif kind == "hyperband":
        oracle = HyperbandOracle(max_epochs=max_epochs, factor=hyperband_factor, **common)
        oracle.max_trials = max_trials
    else:
        raise ConfigError(f"Unknown tuner. Expected one of {TUNERS}. Received: tuner={kind!r}.")
    oracle.max_time = max_time
    oracle.distributed = distributed
    return oracle
