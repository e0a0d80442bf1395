"""`make_tuner`: KerasTuner tuners whose memory stays flat and that survive failures.

On top of KerasTuner's `Tuner` (and `Hyperband`'s epoch budgets), through
its public hooks (`run_trial`, `on_trial_begin/end`, `pre_create_trial`,
`on_search_end`, `save`, `reload`), genreclf's tuners:

- run every trial in its own process (`genreclf.tuning.trial_process`):
  memory stays that of one trial however long the search (KerasTuner #873),
  and a trial that crashes fails alone, its last output in the trial's
  message and `trial_<id>/trial_process.log`; a script that starts the search
  without `if __name__ == "__main__":` (each trial process imports it again)
  is refused before the first trial process starts (`script_guard`), or,
  where its source cannot tell, stops the search at its first trial with
  that advice;
- record per trial who ran it, when, for how long, the epochs of its longest
  execution, its search (`search_description`) and a failed trial's traceback,
  in `trial_<id>/genreclf_trial.json` beside KerasTuner's `trial.json`;
- write their files whole (a temporary file renamed over the old one), and
  check a saved search before `--resume` reloads it (`saved_state`): half a
  file left by a killed search is repaired or a clear error, not a traceback;
- on a worker, wait with a growing pause when the oracle answers `IDLE`, and
  send heartbeats to the chief while a trial trains (`heartbeat`; the chief is
  served by `genreclf.tuning.distributed.serve_oracle`, see `genreclf.tuning.search`);
  a lost chief ends the search with `ChiefLost` (no traceback), and a trial
  finished but not reported is kept in its folder and reported, not trained
  again, by the next worker that runs it from that folder
  (`genreclf.tuning.chief_client`);
- with `tuner.mlflow` set (`tune(..., mlflow_uri=...)`), log each trial as
  an MLflow run nested under the search's run
  (`genreclf.tuning.mlflow_search`).
"""

import datetime
import logging
import os
import time
import warnings

import keras_tuner
from keras_tuner.engine import trial as trial_module

from genreclf.errors import ConfigError
from genreclf.json_files import write_json
from genreclf.tuning import chief_client
from genreclf.tuning import compat
from genreclf.tuning import distributed
from genreclf.tuning import saved_state
from genreclf.tuning.heartbeat import TrialHeartbeat
from genreclf.tuning.scored_epochs import epochs_history
from genreclf.tuning.trial_process import TrialProcesses
from genreclf.tuning.trial_record import CHECKPOINT
from genreclf.tuning.trial_record import TRIAL_RECORD
from genreclf.tuning.trial_record import error_line
from genreclf.tuning.trial_record import search_description
from genreclf.tuning.trial_startup import ScriptRerunError

logger = logging.getLogger("genreclf.tuning")


class _GenreclfTunerMixin:
    """Trial bookkeeping, cleanup, distributed serving (see module doc)."""

    heartbeat = 15.0
    prestart_trials = True
    hyperband_warm_start = False
    # {"uri", "experiment_id", "parent_run_id"}: log each trial to MLflow.
    mlflow = None

    def on_trial_begin(self, trial):
        self._mlflow_run_id = None
        if self.mlflow:
            from genreclf.tuning.mlflow_search import start_trial_run

            self._mlflow_run_id = start_trial_run(self.mlflow, trial)
        self._trial_started = time.time()
        self._trial_seconds = None  # a kept result's (the time it trained), else measured
        self._trial_tuner = self.tuner_id  # who trained it
        self._unreported = None  # the kept result of this trial, until the chief has it
        self._trial_epochs = 0
        self._trial_first_scored = 0
        self._trial_processes_seen = []
        self._heartbeat = None
        if self._is_worker():
            self._heartbeat = TrialHeartbeat(self.oracle, trial.trial_id, self.heartbeat)
        super().on_trial_begin(trial)

    def on_trial_end(self, trial):
        self._end_quiet()
        if self._heartbeat is not None:
            self._heartbeat.stop()
        started = getattr(self, "_trial_started", time.time())
        seconds = getattr(self, "_trial_seconds", None)
        trained_by = getattr(self, "_trial_tuner", self.tuner_id)
        record = {
            "trial_id": trial.trial_id,
            "tuner_id": trained_by,
            "status": trial.status,
            "started": datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "seconds": round(time.time() - started if seconds is None else seconds, 3),
            "epochs": self._trial_epochs,  # of its longest execution
            "first_scored_epoch": getattr(self, "_trial_first_scored", 0),
            "best_step_is_epoch": True,  # `results`: older trials' steps count from the above
            "message": error_line(trial.message),
            **search_description(self),
            # Each execution's process: its id and peak resident memory (MB).
            "processes": getattr(self, "_trial_processes_seen", []),
        }
        if trained_by != self.tuner_id:  # a kept result, reported by another tuner
            record["reported_by"] = self.tuner_id
        failed = trial.status != trial_module.TrialStatus.COMPLETED
        if failed and trial.message:
            # Beside the record on this machine (a worker's trial.json is the chief's).
            record["traceback"] = trial.message
        path = os.path.join(self.get_trial_dir(trial.trial_id), TRIAL_RECORD)
        write_json(path, record)  # whole or not at all: a killed search leaves no half record
        if failed:
            where = f' (its traceback: {path}, "traceback")' if "traceback" in record else ""
            logger.warning(
                "trial %s %s: %s%s", trial.trial_id, trial.status.lower(), record["message"], where
            )
        super().on_trial_end(trial)  # reports the trial (a worker: to the chief)
        chief_client.remove(self.get_trial_dir(trial.trial_id))  # the oracle has it now
        self._unreported = None
        if getattr(self, "_mlflow_run_id", None):
            from genreclf.tuning.mlflow_search import end_trial_run

            end_trial_run(self.mlflow, self._mlflow_run_id, self.oracle.get_trial(trial.trial_id))
            self._mlflow_run_id = None
        stop, self._stop_search = getattr(self, "_stop_search", None), None
        if stop is not None:  # every trial would fail the same way: stop here
            self.close_trial_processes()
            raise stop

    def pre_create_trial(self):
        # Called before every trial request; after an IDLE answer (a worker
        # waiting for a requeued trial) pause a little longer each time.
        idle = getattr(self, "_idle_requests", 0)
        self._idle_requests = idle + 1
        if idle:
            time.sleep(min(5.0, 0.2 * idle))
        super().pre_create_trial()

    def on_search_begin(self):
        super().on_search_begin()
        if distributed.role() == "worker" and not isinstance(self.oracle, chief_client.ChiefClient):
            self.oracle = chief_client.ChiefClient(self.oracle)  # a lost chief: ChiefLost

    def search(self, *fit_args, **fit_kwargs):
        try:
            return super().search(*fit_args, **fit_kwargs)
        except chief_client.ChiefLost as lost:
            if getattr(self, "_heartbeat", None) is not None:
                self._heartbeat.stop()
            self.close_trial_processes()
            if getattr(self, "_unreported", None):  # trained, not reported: kept
                lost.kept, lost.trial_id = self._unreported
            raise
        finally:
            self._end_quiet()

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        """Runs each execution of `trial` in a fresh process; returns their histories.

        A result this trial left unreported (a worker whose chief was lost,
        `chief_client`) is returned instead, without training again.
        """
        self._idle_requests = 0
        trial_dir = self.get_trial_dir(trial.trial_id)
        kept = chief_client.kept_result(trial_dir, trial, self.executions_per_trial)
        if kept is not None:
            return self._report_kept(trial, kept)
        hp = trial.hyperparameters
        warm_start = None
        if "tuner/epochs" in hp.values:  # Hyperband's budget
            fit_kwargs["epochs"] = hp.values["tuner/epochs"]
            # By default a promoted configuration trains from scratch for its
            # new budget (no warm start): every trial is then what
            # `genreclf train --config best.json` reproduces.
            if self.hyperband_warm_start and hp.values.get("tuner/trial_id"):
                fit_kwargs["initial_epoch"] = hp.values["tuner/initial_epoch"]
                warm_start = self._checkpoint(hp.values["tuner/trial_id"])
        self._warn_ignored_fit_args(hp, fit_args, fit_kwargs)
        objective = self.oracle.objective
        single = type(objective) is keras_tuner.Objective
        histories, executions = [], []
        base_seed = getattr(self.hypermodel, "seed", 0) or 0
        run_id = getattr(self, "_mlflow_run_id", None)
        for execution in range(self.executions_per_trial):
            mlflow = None
            if run_id:  # the trial's process logs its epochs into the trial's MLflow run
                prefix = f"execution_{execution}/" if self.executions_per_trial > 1 else ""
                mlflow = {"uri": self.mlflow["uri"], "run_id": run_id, "prefix": prefix}
            try:
                result = self._run_execution(
                    trial,
                    execution,
                    hypermodel=self.hypermodel,
                    hp_config=hp.get_config(),
                    fit_args=fit_args,
                    fit_kwargs=dict(fit_kwargs),
                    seed=base_seed + execution,
                    checkpoint=self._checkpoint(trial.trial_id),
                    warm_start=warm_start,
                    objective=objective.name if single else None,
                    direction=objective.direction if single else "max",
                    mlflow=mlflow,
                )
            except ScriptRerunError as e:
                # The trial fails with the advice (the leaderboard shows it);
                # `on_trial_end` then stops the search.
                self._stop_search = e
                raise keras_tuner.errors.FailedTrialError(str(e)) from None
            history = epochs_history(result["history"], result["epoch"], [objective])
            if result["epoch"]:
                self._trial_first_scored = result["epoch"][0]
            self._trial_epochs = max(self._trial_epochs, result["epochs_trained"])
            self._trial_processes_seen.append(
                {"pid": result["pid"], "max_rss_mb": round(result["max_rss_mb"], 1)}
            )
            histories.append(history)
            executions.append({"history": result["history"], "epoch": result["epoch"]})
        if distributed.role() == "worker":  # kept until the chief has it (`on_trial_end`)
            path = chief_client.keep(
                trial_dir,
                trial,
                executions,
                {
                    "tuner_id": self.tuner_id,
                    "started": self._trial_started,
                    "seconds": round(time.time() - self._trial_started, 3),
                    "epochs": self._trial_epochs,
                    "first_scored_epoch": self._trial_first_scored,
                    "processes": self._trial_processes_seen,
                },
            )
            self._unreported = (path, trial.trial_id)
        return histories

    def _report_kept(self, trial, kept):
        """The histories of a trial's kept result; its record will be the training's.

        The chief may have its scores already: the lost chief got them
        (`update_trial`), not the trial's end (`end_trial`), and the trial
        it hands out again carries them. KerasTuner then reports nothing
        again (right: they are this result's), with a warning that
        `run_trial` called `update_trial` itself, which genreclf's does
        not; that warning is silenced until the trial ends (`on_trial_end`).
        """
        reported = trial.metrics.exists(self.oracle.objective.name)
        logger.info(
            "trial %s: trained by %s (%.0fs, %d epochs), its chief lost before %s: %s, "
            "the trial is not trained again",
            trial.trial_id,
            kept["tuner_id"],
            kept["seconds"],
            kept["epochs"],
            "the trial ended" if reported else "it was reported",
            "the chief has its scores, it is ended" if reported else "its kept result is reported",
        )
        if reported:
            self._quiet = warnings.catch_warnings()
            self._quiet.__enter__()
            warnings.filterwarnings("ignore", compat.ALREADY_REPORTED_WARNING, DeprecationWarning)
        self._trial_started = kept["started"]
        self._trial_seconds = kept["seconds"]
        self._trial_tuner = kept["tuner_id"]
        self._trial_epochs = kept["epochs"]
        self._trial_first_scored = kept["first_scored_epoch"]
        self._trial_processes_seen = kept["processes"]
        return chief_client.kept_histories(kept, self.oracle.objective)

    def _end_quiet(self):
        quiet, self._quiet = getattr(self, "_quiet", None), None
        if quiet is not None:
            quiet.__exit__(None, None, None)

    def _warn_ignored_fit_args(self, hp, fit_args, fit_kwargs):
        # Here, once per search, rather than in each trial's process: the
        # hypermodel sent there remembers what was warned about.
        from genreclf.data import TextDataset

        warn = getattr(self.hypermodel, "warn_ignored_fit_args", None)
        if warn is not None:
            x = fit_args[0] if fit_args else fit_kwargs.get("x")
            given = {k: v for k, v in fit_kwargs.items() if k not in ("x", "y")}
            warn(hp, given, text=x is None or isinstance(x, TextDataset))

    def _run_execution(self, trial, execution, **task):
        name = "trial_process.log" if execution == 0 else f"trial_process_{execution}.log"
        output = os.path.join(self.get_trial_dir(trial.trial_id), name)
        return self._processes().run(output=output, **task)

    def _checkpoint(self, trial_id):
        return os.path.join(self.get_trial_dir(trial_id), CHECKPOINT)

    def _processes(self):
        if getattr(self, "_trial_processes", None) is None:
            builder = getattr(self.hypermodel, "builder", None)
            self._trial_processes = TrialProcesses(
                prestart=self.prestart_trials,
                spawn=getattr(builder, "__module__", None) == "__main__",
            )
        return self._trial_processes

    def save(self):
        # KerasTuner's `save` writes the tuner's file in place; here it is
        # written whole (and the oracle's files by `compat.AtomicStateFiles`).
        if not self._is_worker():
            self.oracle.save()
        write_json(os.path.join(self.project_dir, f"{self.tuner_id}.json"), self.get_state())

    def reload(self):
        # A search saved before genreclf wrote whole files, and killed while
        # saving one, has half a file there: repaired, or a clear error.
        saved_state.check_before_reload(
            self.project_dir, self.tuner_id, self.get_state(), oracle=not self._is_worker()
        )
        super().reload()

    def close_trial_processes(self):
        """Stops the trial process started ahead (also done when a search ends)."""
        if getattr(self, "_trial_processes", None) is not None:
            self._trial_processes.close()
            self._trial_processes = None

    def on_search_end(self):
        self.close_trial_processes()
        super().on_search_end()


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
    prestart_trials=True,
    hyperband_warm_start=False,
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
        prestart_trials: start each trial's process while the previous
            trial trains.
        hyperband_warm_start: Hyperband only: a promoted configuration
            continues from its earlier trial's weights (KerasTuner's way:
            faster, but the trial cannot be reproduced from `best.json`)
            instead of training from scratch for its budget.

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
    cls = GenreclfTuner
    if isinstance(oracle, keras_tuner.oracles.HyperbandOracle):
        cls = GenreclfHyperband
    tuner = cls(
        oracle=oracle,
        hypermodel=hypermodel,
        directory=str(directory),
        project_name=project_name,
        overwrite=overwrite,
        executions_per_trial=executions_per_trial,
    )
    tuner.heartbeat = heartbeat
    tuner.prestart_trials = prestart_trials
    tuner.hyperband_warm_start = hyperband_warm_start
    return tuner
