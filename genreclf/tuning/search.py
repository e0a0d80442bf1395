"""`tune`: one call from a data file to a finished search and its results (`tuning_result`)."""

import contextlib
import datetime
import functools
import json
import logging
import os
import shutil

from genreclf.data import TextDataset
from genreclf.data import check_trainable
from genreclf.data import train_val_split
from genreclf.data.frames import is_frame
from genreclf.errors import ConfigError
from genreclf.json_files import write_json
from genreclf.output_lock import output_lock
from genreclf.tuning import distributed
from genreclf.tuning import results
from genreclf.tuning import tuning_folder
from genreclf.tuning.budgets import absolute_paths
from genreclf.tuning.budgets import check_budgets
from genreclf.tuning.families import make_hypermodel
from genreclf.tuning.objective import auto_objective
from genreclf.tuning.objective import check_objective
from genreclf.tuning.objective import make_objective
from genreclf.tuning.oracles import make_oracle
from genreclf.tuning.script_guard import checked_once
from genreclf.tuning.search_space import describe
from genreclf.tuning.trial_record import error_line
from genreclf.tuning.trial_startup import ScriptRerunError
from genreclf.tuning.trial_startup import check_not_in_trial_process
from genreclf.tuning.tune_arguments import DATA_KEYS
from genreclf.tuning.tune_arguments import check_tune_arguments
from genreclf.tuning.tuners import make_tuner
from genreclf.tuning.tuning_result import TuningResult
from genreclf.tuning.tuning_result import finish

logger = logging.getLogger("genreclf.tuning")


def _data_config(data, **kwargs):
    from genreclf.training import make_config

    if kwargs.get("sep") is not None and kwargs.get("multi_label") is None:
        kwargs["multi_label"] = True
    return make_config(None if isinstance(data, TextDataset) or is_frame(data) else data, **kwargs)


def _checks_its_script(search):
    """Refuses `search` in a trial process, and an unguarded one before trial processes start."""

    @functools.wraps(search)
    def checked(*args, **kwargs):
        # A trial process imports the calling script again: an unguarded call lands here.
        check_not_in_trial_process("tune()")
        if distributed.role() == "chief":  # a chief starts no trial process
            return search(*args, **kwargs)
        with checked_once("tune()"):  # once: its tuner does not read the script again
            return search(*args, **kwargs)

    return checked


@_checks_its_script
def tune(
    data,
    *,
    model="bilstm",
    tuner="hyperband",
    directory=None,
    objective="auto",
    max_trials=30,
    max_epochs=20,
    executions_per_trial=1,
    max_time=None,
    resume=False,
    overwrite=False,
    search_space=None,
    search_defaults=True,
    max_consecutive_failed_trials=3,
    max_retries_per_trial=0,
    oracle_wait=300.0,
    worker_timeout=None,
    heartbeat=15.0,
    rpc_timeout=600.0,
    kfold_top=0,
    folds=5,
    verbose=1,
    mlflow_uri=None,
    mlflow_experiment=None,
    **data_args,
):
    """Runs a KerasTuner search over a model family and writes its results.

    Single process by default; with `KERASTUNER_TUNER_ID`,
    `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT` set, the same call is
    the chief (`KERASTUNER_TUNER_ID=chief`: serves the oracle, writes the
    results) or a worker (runs trials).

    In a script, call `tune` under `if __name__ == "__main__":`. Each trial
    trains in its own process, which Python starts by importing the script
    again: every line of it outside that guard runs there once more. An
    unguarded call is refused at once with a `ConfigError` naming the
    script's line, when the script shows it ("tune() would run again in
    every trial process: ..."); otherwise the trial process refuses it and
    the search stops at its first trial ("tune() was called again in the
    trial process: ..."). Notebooks and `python -c` need no guard.

    Args:
        data: a data file (any format `genreclf train` reads), a pandas
            DataFrame or a `TextDataset`.
        model: the model family.
        tuner: `"hyperband"`, `"random"` or `"bayesian"`.
        directory: the tuning folder, a path (default `tuning/<model>`; a file is refused).
        objective: the metric to optimise; `"auto"`: `val_tuned_macro_f1` for
            multi-label data (macro-F1 at per-class thresholds tuned on
            validation), `val_macro_f1` otherwise. Direction inferred.
        max_trials: the most trials (a positive integer: every search ends).
        max_epochs: the most epochs per trial.
        executions_per_trial: models trained per trial (scores averaged).
        max_time: seconds after which no new trial starts (per invocation).
        resume: continue the search in `directory` (finished trials are kept);
            a `directory` with no search is a `ConfigError` (a wrong folder,
            most likely): pass resume=False to start a new search there.
        overwrite: delete the search in `directory` first.
        search_space: a dict `{argument: fixed value | hyperparameter | list}`
            overriding the default space (see `FamilyHyperModel`), or None.
        search_defaults: False tunes only what `search_space` names.
        max_consecutive_failed_trials: stop after this many failures in a row.
        max_retries_per_trial: reruns of a crashed trial.
        oracle_wait: a worker's wait for the chief's port, in seconds.
        worker_timeout: the chief's patience with a silent worker, in seconds
            (default: 4 heartbeats, 60 s): then its trial goes back to the queue.
        heartbeat: seconds between a worker's heartbeats during a trial.
        rpc_timeout: a worker's limit on each call to the chief, in seconds.
        kfold_top: k-fold score the N best trials (0: no).
        folds: k for `kfold_top`.
        verbose: 0 silent, 1 KerasTuner's trial tables and one line per epoch.
        mlflow_uri: an MLflow tracking URI: the search is one run there, each
            trial a run nested under it (hyperparameters, metrics per epoch,
            score); needs `pip install 'genreclf[mlflow]'`. On a distributed
            search the chief logs the search's run and the workers nothing.
        mlflow_experiment: the MLflow experiment (default `"genreclf"`).
        **data_args: reading options: `text`, `label`, `format`,
            `multi_label`, `sep`, `val_data`, `val_split`, `seed`, ...

    Returns:
        A `TuningResult`.

    Example (in a script, under `if __name__ == "__main__":`):

    >>> import genreclf
    >>> from genreclf.tuning import tune
    >>> result = tune(genreclf.sample_path(), label="genre", model="ngram", tuner="random",
    ...               max_trials=2, max_epochs=2, directory="/tmp/tune_doc",
    ...               overwrite=True, verbose=0)  # doctest: +SKIP
    >>> result  # doctest: +SKIP
    TuningResult('/tmp/tune_doc': 2 trials, 2 completed, 0 failed; best val_macro_f1=0.2145 (trial 1))
    >>> result.best_config["model_config"]  # doctest: +SKIP
    """
    worker_timeout = check_budgets(
        model=model,
        tuner=tuner,
        max_trials=max_trials,
        max_epochs=max_epochs,
        executions_per_trial=executions_per_trial,
        max_time=max_time,
        kfold_top=kfold_top,
        folds=folds,
        heartbeat=heartbeat,
        worker_timeout=worker_timeout,
        max_consecutive_failed_trials=max_consecutive_failed_trials,
        max_retries_per_trial=max_retries_per_trial,
    )
    directory = check_tune_arguments(  # a file, a search_space that is no dict
        model=model, directory=directory, search_space=search_space, data_args=data_args
    )
    # One search per folder: a second `tune` on it (--resume or --overwrite
    # included) is refused while this one runs. The workers of a distributed
    # search take no lock: their --dir may be the chief's folder, shared.
    with _folder_lock(directory):
        if distributed.role() != "worker":  # a worker resumes nothing: the chief's folder
            tuning_folder.check_resume(directory, resume, overwrite)  # before the data is read
        if distributed.role() == "chief":  # a port in use: refused before any work
            distributed.check_can_listen(*distributed.oracle_address())
        tracker = None  # fails fast on a bad URI or a missing extra
        if mlflow_uri is not None and distributed.role() != "worker":
            from genreclf.tuning import mlflow_search

            tracker = mlflow_search.search_tracker(mlflow_uri, mlflow_experiment, directory)
        data_cfg = _data_config(data, **data_args)
        dataset = data if isinstance(data, TextDataset) else _read(data_cfg, data)
        check_trainable(dataset)  # one class (or one label set) is nothing to tune for
        if objective == "auto":  # multi-label trials are scored as training selects epochs
            objective = auto_objective(dataset.multi_label)
        objective = make_objective(objective)
        check_objective(objective.name, dataset.multi_label)  # before the folder is made
        who = distributed.role()
        train, val = _split(dataset, data_cfg)  # before the folder: a bad split leaves none
        space = dict(search_space or {})
        if tuner == "hyperband":
            space["epochs"] = max_epochs  # Hyperband sets each trial's epoch budget
        spec = {
            "model": model,
            "tuner": tuner,
            "objective": objective.name,
            "direction": objective.direction,
            "max_trials": max_trials,
            "max_epochs": max_epochs,
            "executions_per_trial": executions_per_trial,
            "max_time": max_time,
            "data": absolute_paths({k: getattr(data_cfg, k) for k in DATA_KEYS}),
            "labels": list(dataset.vocabulary().labels),
            "rows": {"count": len(dataset), "sha256": dataset.fingerprint()},  # the file's now
            # and the validation file's: trials are scored on its rows
            "val_rows": {"count": len(val), "sha256": val.fingerprint()}
            if data_cfg.val_data
            else None,
            "multi_label": dataset.multi_label,  # as detected: best.json's monitor reads it
        }
        resumed = {}  # the saved description of the search this one resumes
        if who == "worker":
            ip, port = distributed.oracle_address()
            distributed.wait_for_oracle(ip, port, timeout=oracle_wait)
            distributed.set_rpc_timeout(rpc_timeout)
        else:
            tuner_id = "tuner0" if who == "single" else os.environ[distributed.TUNER_ID]
            # check_resume passed above, and this process has held the folder since.
            resumed = tuning_folder.ready(directory, spec, overwrite, tuner_id)
        with _new_folder_removed_on_error(directory, keep=who == "worker"):
            hypermodel = make_hypermodel(
                model,
                train,
                vocabulary=train.concat(val).vocabulary(),
                max_epochs=max_epochs,
                objective=objective.name,
                search_defaults=search_defaults,
                seed=data_cfg.seed,
                **space,
            )
            oracle = make_oracle(
                tuner,
                objective=objective,
                max_trials=max_trials,
                max_epochs=max_epochs,
                seed=data_cfg.seed + 1,
                max_time=max_time,
                max_retries_per_trial=max_retries_per_trial,
                max_consecutive_failed_trials=max_consecutive_failed_trials,
                distributed=who == "chief",
            )
            search_tuner = make_tuner(
                oracle,
                hypermodel,
                directory=directory,
                executions_per_trial=executions_per_trial,
                heartbeat=heartbeat,
            )
        run_trials = functools.partial(  # a worker's, or a single process's
            _run_trials,
            search_tuner,
            train,
            val,
            max_failures=max_consecutive_failed_trials,
            verbose=verbose,
            directory=directory,
            hypermodel=hypermodel,
            worker=who == "worker",
        )
        if who == "worker":
            run_trials()
            return TuningResult(directory, [])
        _write_spec(directory, spec, hypermodel, resumed)
        with contextlib.nullcontext() if tracker is None else tracker:
            if tracker is not None:
                mlflow_search.start_search(tracker, search_tuner, spec)
            if who == "chief":
                # The chief serves the oracle (genreclf's server requeues the trials
                # of silent workers) and trains nothing.
                oracle.verbose = 2 if verbose else 0
                search_tuner.save()
                distributed.serve_oracle(oracle, worker_timeout=worker_timeout)
            else:
                run_trials()
            result = finish(
                directory,
                dataset=dataset,
                hypermodel=hypermodel,
                kfold_top=kfold_top,
                folds=folds,
                verbose=verbose,
            )
            if tracker is not None:
                mlflow_search.log_search(tracker, result)
        return result


@contextlib.contextmanager
def _new_folder_removed_on_error(directory, keep=False):
    """Creates `directory`; an error in the block removes it if it did not exist (unless `keep`)."""
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        if created and not keep:  # an early error leaves no empty tuning folder
            shutil.rmtree(directory, ignore_errors=True)
        raise


def _write_spec(directory, spec, hypermodel, resumed):
    """Writes the search's description (`results.TUNE_SPEC`); a resumed search must match its own."""
    spec["space"] = {k: describe(v) for k, v in hypermodel.space.items()}
    spec["fixed"] = json.loads(json.dumps(hypermodel.fixed_values(), default=str))
    if resumed:  # the trials' own settings must match too
        tuning_folder.check_same_search(directory, resumed, spec, tuning_folder.SPACE_MUST_MATCH)
        spec["started"] = resumed.get("started")
    else:
        spec["started"] = datetime.datetime.now().isoformat(timespec="seconds")
    write_json(directory / results.TUNE_SPEC, json.loads(json.dumps(spec, default=str)))


def _run_trials(
    search_tuner,
    train,
    val,
    *,
    max_failures,
    verbose,
    directory,
    hypermodel,
    worker=False,
):
    """Runs trials until the oracle stops; `max_failures` failed trials in a row end the search."""
    try:
        # No `epochs`: each trial trains its own (Hyperband: its budget), up to max_epochs.
        search_tuner.search(train, validation_data=val, verbose=2 if verbose else 0)
    except ScriptRerunError as e:  # the script lacks its `if __name__ == "__main__":` guard
        search_tuner.close_trial_processes()
        if not worker:
            finish(directory, hypermodel=hypermodel)
        raise ScriptRerunError(str(e)) from None
    except RuntimeError:
        search_tuner.close_trial_processes()
        failed = _trailing_failures(search_tuner.oracle)
        if failed < max_failures or worker:
            raise
        finish(directory, hypermodel=hypermodel)
        raise ConfigError(
            f"The search stopped: {failed} trials in a row failed (raise the limit "
            f"with --max-failures). Last error: {_last_error(search_tuner.oracle).rstrip('.')}. See "
            f"`genreclf tune show {directory}`."
        ) from None


def _folder_lock(directory):
    """The chief's (or a single process's) hold on `directory`: `genreclf.output_lock`."""
    if distributed.role() == "worker":
        return contextlib.nullcontext()
    return output_lock(directory, "tuning search")


def _trailing_failures(oracle):
    failed = 0
    for trial_id in sorted(oracle.trials, key=results.trial_number, reverse=True):
        if oracle.trials[trial_id].status not in ("FAILED", "INVALID"):
            break
        failed += 1
    return failed


def _last_error(oracle):
    for trial_id in sorted(oracle.trials, key=results.trial_number, reverse=True):
        message = oracle.trials[trial_id].message
        if message:
            return error_line(message)
    return "unknown"


def _read(cfg, data):
    from genreclf.training.trainer import read_dataset

    if is_frame(data):
        return read_dataset(cfg, data)
    if cfg.data is None:
        raise ConfigError(
            "No data to tune on. Pass a data file path, a pandas DataFrame or a TextDataset."
        )
    return read_dataset(cfg)


def _split(dataset, cfg):
    if cfg.val_data:
        from genreclf.training.trainer import read_validation_rows

        return dataset, read_validation_rows(cfg, dataset)
    return train_val_split(dataset, cfg.val_split, seed=cfg.seed)
