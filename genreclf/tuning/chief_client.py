"""A worker and a lost chief: one clear error, and the trial it finished is not paid twice.

A worker of a distributed search calls its chief over gRPC (KerasTuner's
oracle client: `tuner.oracle` on a worker). When the chief is gone (killed,
its machine down), each call fails after `--rpc-timeout` seconds. KerasTuner
catches the failure of the calls that report a trial (`Oracle.get_trial`,
`update_trial`), prints its traceback (KerasTuner's debug output is on by
default) and records the trial as invalid, although it trained to the end;
the next call then ends the worker. The trial was lost with its report: the
chief restarted with `--resume` had it trained again from scratch.

Here, on a worker:

- `ChiefClient` wraps the oracle client (`tuner.oracle`, a public attribute):
  a gRPC error of any call to the chief becomes `ChiefLost`, a KerasTuner
  `FatalError` (public: KerasTuner re-raises it at once, printing nothing), so
  the search ends with genreclf's one message (`genreclf tune`'s CLI);
- before it reports a finished trial, the worker keeps its result (each
  execution's scored history, its epochs, processes, start and duration) in
  `trial_<id>/unreported_result.json` (`keep`); the best epoch's weights
  are already in `trial_<id>/checkpoint.weights.h5`. The file is removed
  once the chief has the trial (`remove`). The chief restarted with
  `--resume` hands that trial out again (to the same worker id, or to
  another once it is requeued); a tuner that gets it and finds the file
  (`kept_result`: the same trial, the same hyperparameter values, every execution,
  the checkpoint there) reports that result instead of training again.

The file is in the worker's own tuning folder (`--dir`): the chief and the
workers talk only over gRPC (hyperparameters and scores), and each writes
its trials' files under its own folder. KerasTuner's distributed guide asks
for a file system all workers write to, but nothing checks it. So the kept
result is reused by a worker that reads the same folder: the same worker
restarted, or any worker where `--dir` is shared; any other worker that gets
the trial trains it again.
"""

import logging
import os
import time

import keras_tuner

from genreclf.json_files import read_json_object
from genreclf.json_files import write_json
from genreclf.tuning.trial_record import CHECKPOINT

logger = logging.getLogger("genreclf.tuning")

UNREPORTED = "unreported_result.json"


class ChiefLost(keras_tuner.errors.FatalError):
    """A worker's call to its chief failed: the chief is gone (or unreachable).

    Attributes:
        code: gRPC's status name (`"DEADLINE_EXCEEDED"`, `"UNAVAILABLE"`, ...).
        kept: the `unreported_result.json` that keeps the trial this worker
            finished but could not report, or None.
        trial_id: that trial's id, or None.
    """

    def __init__(self, error):
        self.code = status_name(error)
        self.kept = None
        self.trial_id = None
        super().__init__(f"the chief did not answer ({self.code})")


def status_name(error):
    """The gRPC status of `error` by name (`"DEADLINE_EXCEEDED"`), or its type's name."""
    code = getattr(error, "code", None)
    if isinstance(code, str):  # a `ChiefLost`'s
        return code
    try:
        return code().name
    except (TypeError, AttributeError):  # no status (not a call's error)
        return type(error).__name__


class ChiefClient:
    """A worker's oracle client whose failed calls to the chief raise `ChiefLost`.

    Example:

    >>> import grpc
    >>> class Dead:
    ...     objective = "val_macro_f1"
    ...     def create_trial(self, tuner_id):
    ...         raise grpc.RpcError()
    >>> client = ChiefClient(Dead())
    >>> client.objective
    'val_macro_f1'
    >>> client.create_trial("tuner0")
    Traceback (most recent call last):
    ...
    genreclf.tuning.chief_client.ChiefLost: the chief did not answer (RpcError)
    """

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        import grpc

        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            try:
                return attribute(*args, **kwargs)
            except grpc.RpcError as error:
                raise ChiefLost(error) from error

        return call


def keep(trial_dir, trial, executions, bookkeeping):
    """Writes the finished `trial`'s result to `trial_dir/UNREPORTED`; returns its path.

    Args:
        trial_dir: the trial's folder.
        trial: the KerasTuner trial.
        executions: one `{"history": {metric: [values]}, "epoch": [epochs]}`
            per execution, as the trial processes returned them.
        bookkeeping: what the trial's record keeps of it: `tuner_id`,
            `started` (a time stamp), `seconds`, `epochs`,
            `first_scored_epoch`, `processes`.
    """
    path = os.path.join(trial_dir, UNREPORTED)
    write_json(
        path,
        {
            "trial_id": trial.trial_id,
            "values": trial.hyperparameters.values,
            "executions": executions,
            "checkpoint": os.path.exists(os.path.join(trial_dir, CHECKPOINT)),
            "kept": time.time(),
            **bookkeeping,
        },
    )
    return path


def kept_result(trial_dir, trial, executions_per_trial):
    """The result `keep` wrote for `trial` in `trial_dir`, or None (then the trial trains).

    A file of another trial, other values, another number of executions, a
    missing checkpoint, or a damaged file is not used (with a warning).
    """
    path = os.path.join(trial_dir, UNREPORTED)
    if not os.path.exists(path):
        return None
    try:
        result = read_json_object(path)
        why = _mismatch(result, trial, executions_per_trial, trial_dir)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # not what `keep` writes
        why = f"damaged ({type(e).__name__}: {e})"
    if why is not None:
        logger.warning("%s: not used (%s); trial %s trains again.", path, why, trial.trial_id)
        return None
    return result


def kept_histories(kept, objective=None):
    """A `keras.callbacks.History` per execution of a kept result (`kept_result`).

    What `run_trial` returns for the trial: the histories its executions'
    processes returned when it trained, each scored epoch at its position
    (`scored_epochs.epochs_history`; `objective`: the tuner's).

    Example:

    >>> kept = {"executions": [{"history": {"val_macro_f1": [0.4, 0.5]}, "epoch": [1, 2]}]}
    >>> [(h.epoch, h.history) for h in kept_histories(kept)]
    [([0, 1, 2], {'val_macro_f1': [-inf, 0.4, 0.5]})]
    """
    from genreclf.tuning.scored_epochs import epochs_history

    objectives = [objective] if objective is not None else []
    return [
        epochs_history(execution["history"], execution["epoch"], objectives)
        for execution in kept["executions"]
    ]


# What the trial's record takes from a kept result, and its types.
_BOOKKEEPING = {
    "tuner_id": str,
    "started": (int, float),
    "seconds": (int, float),
    "epochs": int,
    "first_scored_epoch": int,
    "processes": list,
}


def _mismatch(result, trial, executions_per_trial, trial_dir):
    if result["trial_id"] != trial.trial_id:
        return f"it was kept for trial {result['trial_id']}"
    if result["values"] != trial.hyperparameters.values:
        return "its hyperparameter values are not the trial's"
    if len(result["executions"]) != executions_per_trial:
        return f"{len(result['executions'])} executions, the search runs {executions_per_trial}"
    for execution in result["executions"]:
        if not isinstance(execution["history"], dict) or not isinstance(execution["epoch"], list):
            raise TypeError("expected each execution's history and epochs")
    for name, kinds in _BOOKKEEPING.items():
        if isinstance(result[name], bool) or not isinstance(result[name], kinds):
            raise TypeError(f"expected {name!r} as {kinds}. Received: {result[name]!r:.80}")
    if result.get("checkpoint") and not os.path.exists(os.path.join(trial_dir, CHECKPOINT)):
        return f"its best weights, {CHECKPOINT}, are gone"
    return None


def remove(trial_dir):
    """Removes `trial_dir`'s kept result (the chief has the trial now)."""
    try:
        os.remove(os.path.join(trial_dir, UNREPORTED))
    except FileNotFoundError:
        pass
