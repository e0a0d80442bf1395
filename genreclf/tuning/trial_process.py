"""Each trial in its own process: flat memory and crash isolation by design.

KerasTuner trains every trial in the tuner's process; TensorFlow keeps part
of what each trial allocated even after `clear_session()` and `gc`, so a long
search grows (KerasTuner #873: ~20 MB per trial). Distributed tuners avoid
that by running trials in worker processes; genreclf does the same on one
machine. The tuner process (`run_trial`) hands each trial — the hypermodel,
the trial's hyperparameter values, the data and the epoch budget — to a fresh
process (forked from a clean server process that has only imported
TensorFlow and genreclf), which builds, fits (the trial's seed set before the build,
as `genreclf train` does), saves the best epoch's weights where KerasTuner
keeps them, sends back the per-epoch history of the epochs the trial is
scored by (after the warmup, as `genreclf train` keeps them) and exits. The process that
serves the oracle, writes the leaderboard and sends heartbeats never builds
a model, so every process's memory is that of one trial.

A trial process that crashes (segfault, out of memory, `SIGKILL`) fails its
trial with its exit code and the last lines of its output (kept in
`trial_<id>/trial_process.log`); the search goes on (and retries it with
`--retries`). The next trial's process is started while the current one
trains. A trial process ends as soon as the search's process does (`kill -9`
included): it would otherwise train its trial to the end for nobody, while
`--resume` runs the same trial again into the same folder.

A trial process writes its error output (stderr: warnings, TensorFlow's
logs, the Python stack of a crash) to a log file, which the search's process
copies to its own stderr as it grows, and reads back when the process dies
without a result (`genreclf.tuning.trial_log`).

Python starts a trial process by importing the script that started the
search again (`__main__`, as `__mp_main__`): a script must call `tune()` under
`if __name__ == "__main__":`. An unguarded call is refused before the first
trial process starts when the script's source shows it
(`genreclf.tuning.script_guard`); otherwise it fails the trial process at
once, and the search stops with that advice (`genreclf.tuning.trial_startup`).
"""

import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import shutil
import sys
import tempfile
import threading
import traceback
import weakref

from genreclf.tuning.scored_epochs import trained_scored_epochs
from genreclf.tuning.script_guard import check_guarded
from genreclf.tuning.trial_log import Relay
from genreclf.tuning.trial_log import TrialProcessError  # noqa: F401  (what `run` raises)
from genreclf.tuning.trial_log import ended_without_result
from genreclf.tuning.trial_log import output_to
from genreclf.tuning.trial_log import remove_log
from genreclf.tuning.trial_startup import NAME_PREFIX
from genreclf.tuning.trial_startup import check_not_in_trial_process
from genreclf.tuning.trial_startup import trial_process_log

logger = logging.getLogger("genreclf.tuning")

# Trial processes fork from a server process that has imported TensorFlow,
# Keras and genreclf but run nothing (multiprocessing's "forkserver"): a
# trial starts at once, from a clean process, without paying the imports
# again. A family declared in the script that runs the search (`__main__`)
# needs that script imported in each trial process: such searches `spawn`
# their trial processes instead (slower: each imports TensorFlow).
_PRELOAD = [
    "tensorflow",
    "keras",
    "keras_tuner",
    "genreclf.tuning.hypermodel",
    "genreclf.training.recipe",
    "genreclf.metrics",
    "genreclf.models.bilstm",
    "genreclf.models.ngram",
    "genreclf.models.transformer",
    "genreclf.tuning.trial_server",  # a failure while a trial process starts reaches its log
]
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(_PRELOAD)
_SPAWN = multiprocessing.get_context("spawn")


def _serve_one(connection):
    """The trial process: import TensorFlow, wait for one trial, run it, exit."""
    import faulthandler

    log = trial_process_log()
    offset = output_to(log) if log else 0
    try:
        faulthandler.enable()  # a crash's Python stack goes to the log too
    except (AttributeError, OSError, ValueError):  # no usable stderr
        pass
    try:
        # Started: the script was imported; the output from `offset` on is the trial's.
        connection.send(("ready", os.getpid(), offset))
    except (BrokenPipeError, OSError):  # the tuner went away
        return

    import keras  # noqa: F401  (paid while the previous trial trains)

    import genreclf.tuning.hypermodel  # noqa: F401

    try:
        task = connection.recv()
        if task is None:
            return
        _end_with_the_search()
        connection.send(("ok", run_trial_here(**task)))
    except EOFError:  # the tuner went away
        return
    except BaseException as e:  # noqa: B036  (reported to the tuner, which decides)
        import keras_tuner

        failed = isinstance(e, keras_tuner.errors.FailedTrialError)
        connection.send(("error", failed, traceback.format_exc()))
    finally:
        connection.close()


def _end_with_the_search():
    """Ends this trial process when the search's process (which started it) dies.

    `multiprocessing.parent_process().sentinel` becomes ready when that
    process is gone, however it ended; a daemon thread waits for it.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        multiprocessing.connection.wait([parent.sentinel])
        print(
            "genreclf: the search's process ended; this trial process stops (rerun the "
            "search with --resume to run the trial again).",
            file=sys.stderr,
            flush=True,
        )
        os._exit(1)  # no cleanup to wait for: nobody reads this trial's result

    threading.Thread(target=watch, name="genreclf-search-watch", daemon=True).start()


def run_trial_here(
    hypermodel,
    hp_config,
    fit_args,
    fit_kwargs,
    *,
    seed,
    checkpoint,
    warm_start=None,
    objective=None,
    direction="max",
    mlflow=None,
):
    """Builds, fits and checkpoints one trial in this process; returns its history.

    Args:
        hypermodel: the search's `FamilyHyperModel` (or any KerasTuner
            `HyperModel`).
        hp_config: `HyperParameters.get_config()` of the trial.
        fit_args, fit_kwargs: what `tuner.search` was given (training data,
            `validation_data`, `epochs`, ...).
        seed: the seed of this execution (`hypermodel.seed` is set to it).
        checkpoint: where the best epoch's weights go (KerasTuner's file).
        warm_start: weights to start from (Hyperband's continued trials).
        objective, direction: the metric the checkpoint watches.
        mlflow: `{"uri", "run_id", "prefix"}` of the trial's MLflow run (the
            tuner created it under the search's run): each epoch's metrics
            are logged there.

    Returns:
        `{"history": {metric: [per scored epoch]}, "epoch": [the scored epochs]
        (`scored_epochs`), "epochs_trained": n, "max_rss_mb": peak
        resident memory of the trial process, "pid": its process id}`.
    """
    import keras
    import keras_tuner

    from genreclf.training.callbacks import BestCheckpoint

    hp = keras_tuner.HyperParameters.from_config(hp_config)
    if hasattr(hypermodel, "seed"):
        hypermodel.seed = seed
    else:
        keras.utils.set_random_seed(seed)
    model = hypermodel.build(hp)
    if warm_start:
        model.load_weights(warm_start)
    callbacks = list(fit_kwargs.pop("callbacks", None) or [])
    first = hypermodel.first_scored_epoch(hp) if hasattr(hypermodel, "first_scored_epoch") else 0
    if objective:
        callbacks.append(
            BestCheckpoint(
                checkpoint,
                monitor=objective,
                mode=direction,
                start_from_epoch=first,
                keep_last=True,
            )
        )
    if mlflow:
        from genreclf.tracking.mlflow_callback import MlflowMetrics

        callbacks.append(MlflowMetrics(mlflow["uri"], mlflow["run_id"], prefix=mlflow["prefix"]))
    trained = []  # every epoch's number: the history may hold only the scored ones
    callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda e, _: trained.append(e)))
    history = hypermodel.fit(hp, model, *fit_args, callbacks=callbacks, **fit_kwargs)
    logs = history.history if isinstance(history, keras.callbacks.History) else {}
    epochs = list(getattr(history, "epoch", []))
    kept = trained_scored_epochs(epochs, trained, first)  # not the padded epochs
    return {
        "history": {k: [float(values[i]) for i in kept] for k, values in logs.items()},
        "epoch": [epochs[i] for i in kept],
        "epochs_trained": len(trained),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pid": os.getpid(),
    }


class TrialProcesses:
    """Runs trials one at a time, each in a fresh process, one started ahead.

    Args:
        prestart: start the next trial's process while a trial runs.
        spawn: start each process from scratch (`spawn`) instead of forking
            it from the preloaded server: needed when the family is declared
            in `__main__`.

    Example:

    >>> processes = TrialProcesses(prestart=False)
    >>> processes.close()
    """

    def __init__(self, prestart=True, spawn=False):
        self.prestart = prestart
        self._context = _SPAWN if spawn else _FORKSERVER
        self._spare = None
        self.last_max_rss_mb = None
        self._logs = None  # the processes' log files, a temporary folder
        self._started = 0

    def _start(self):
        # Before anything starts: a trial process whose script starts a
        # search again fails at once, with the advice.
        check_not_in_trial_process("genreclf's tuner.search()")
        if not self._started:  # refused before a trial process runs the script again
            check_guarded("genreclf's tuner.search()")
        if self._logs is None:
            self._logs = tempfile.mkdtemp(prefix="genreclf-trials-")
            weakref.finalize(self, shutil.rmtree, self._logs, True)
        self._started += 1
        log = os.path.join(self._logs, f"process_{self._started}.log")
        open(log, "wb").close()
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve_one, args=(child,), daemon=True, name=NAME_PREFIX + log
        )
        process.start()
        child.close()
        return process, parent, log

    def run(self, *, output=None, **task):
        """Runs `run_trial_here(**task)` in a fresh process; returns its result.

        Args:
            output: where to keep the process's log if it ends without a
                result (e.g. `trial_<id>/trial_process.log`).
            **task: `run_trial_here`'s arguments.

        Raises:
            keras_tuner.errors.FailedTrialError: the trial failed (KerasTuner
                records it as failed and goes on).
            TrialProcessError: the trial process crashed (the trial is
                invalid and may be retried); the message ends with the last
                lines of its output.
            ScriptRerunError: the trial process, importing the search's
                script again, was told to start a search (no guard).
            RuntimeError: the trial raised another error (its traceback in
                the message).
        """
        import keras_tuner

        process, connection, log = self._spare or self._start()
        self._spare = None
        started = False
        relay = None
        try:
            connection.send(task)
            reply = connection.recv()
            if reply[0] == "ready":
                started = True
                relay = Relay(log, offset=reply[2])
                # The next trial's process starts while this one trains (not
                # before this one started: a script that fails there fails once).
                self._spare = self._start() if self.prestart else None
                reply = connection.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            process.join(timeout=10)
            if relay is not None:
                relay.stop()
            raise ended_without_result(process.exitcode, log, started, output) from None
        finally:
            connection.close()
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
        if relay is not None:
            relay.stop()
        remove_log(log)
        if reply[0] == "ok":
            self.last_max_rss_mb = reply[1].get("max_rss_mb")
            return reply[1]
        _, failed, text = reply
        if failed:
            raise keras_tuner.errors.FailedTrialError(text)
        raise RuntimeError(text)

    def close(self):
        """Stops the process started ahead (if any) and removes the logs."""
        if self._spare is not None:
            process, connection, _ = self._spare
            self._spare = None
            try:
                connection.send(None)
            except (BrokenPipeError, OSError):
                pass
            connection.close()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        if self._logs is not None:
            shutil.rmtree(self._logs, ignore_errors=True)
            self._logs = None
