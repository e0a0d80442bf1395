"""The KerasTuner internals genreclf still relies on: one module, a version guard.

Everything else goes through KerasTuner's public API (`HyperModel.build/fit`,
`Tuner.run_trial`, `pre_create_trial`, `on_trial_begin/end`,
`on_search_end`, `Oracle.end_trial`, `keras_tuner.engine.trial`). What
remains has no public hook in KerasTuner 1.4, and each item has a test
(`tests/tuning/test_compat.py`):

- `requeue(oracle, trial_id)`: a dead worker's trial goes back to the
  oracle's retry queue (`Oracle._retry_queue`) without counting as a failure
  (ending it as `INVALID` would fail it when `max_retries_per_trial=0`);
- `set_rpc_timeout(seconds)`: the timeout of a worker's gRPC calls to the
  chief is a module global of `keras_tuner.src.distribute.oracle_client`
  (default: one hour);
- `oracle_server(oracle, ...)`: the chief's gRPC server is built from
  KerasTuner's `OracleServicer` and protos, so genreclf can requeue the trials
  of silent workers while it serves (`keras_tuner`'s `start_server` blocks
  without that).

- `note_trial_started(oracle, trial_id)`: the oracle's display keeps each
  trial's start time and number (`Oracle._display`), which a chief restarted
  with `--resume` has lost for the trials its workers were running: their
  `EndTrial` raised `KeyError` there, and the worker died with it.
- `AtomicStateFiles`: an oracle writes `oracle.json` and each `trial.json`
  to a temporary file renamed over the old one. KerasTuner writes them in
  place (`open(path, "w")`), so a search killed mid-write left half a file
  that `--resume` could not reload; where they go
  (`Oracle._get_oracle_fname`, `Oracle._get_trial_dir`) and the saving of
  every trial (`Oracle._save_trial`) have no public hook.
- `ALREADY_REPORTED_WARNING`: how KerasTuner words its warning when the
  trial `run_trial` returned already holds the objective's metrics (it then
  reports nothing, `BaseTuner._run_and_update_trial`): it takes them for a
  deprecated `oracle.update_trial` call. A worker reporting a kept result to
  a chief that already has its scores silences it for that trial
  (`genreclf.tuning.tuners`); there is no hook to skip the check.

`check_version()` runs on import: a KerasTuner outside the tested range is an
error that says which versions work.
"""

import os
import re

import keras_tuner

from genreclf.errors import ConfigError
from genreclf.json_files import write_json

# KerasTuner versions whose internals the functions below were checked against.
TESTED = ((1, 4), (1, 4))


# See the module docstring (KerasTuner 1.4's wording, `BaseTuner._run_and_update_trial`).
ALREADY_REPORTED_WARNING = re.escape("The use case of calling `self.oracle.update_trial(")


def check_version(version=None):
    """Raises unless KerasTuner `version` (default: the installed one) is in the tested range.

    Example:

    >>> check_version("1.4.8")
    >>> check_version("2.0.0")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    genreclf.errors.ConfigError: genreclf's tuning was tested with keras-tuner 1.4
    """
    version = version or keras_tuner.__version__
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    low, high = TESTED
    if not low <= major_minor <= high:
        raise ConfigError(
            f"genreclf's tuning was tested with keras-tuner {low[0]}.{low[1]} to "
            f"{high[0]}.{high[1]}; it relies on internals listed in genreclf/tuning/compat.py. "
            f"Received: keras-tuner {version}. Install a tested version "
            f"(pip install 'keras-tuner>={low[0]}.{low[1]},<{high[0]}.{high[1] + 1}')."
        )


def requeue(oracle, trial_id):
    """Puts `trial_id` back in `oracle`'s queue: the next trial request gets it again."""
    oracle._retry_queue.append(trial_id)


def note_trial_started(oracle, trial_id):
    """Gives `oracle`'s display a start time and a number for `trial_id` if it has none."""
    import datetime

    display = oracle._display
    display.trial_start.setdefault(trial_id, datetime.datetime.now())
    display.trial_number.setdefault(trial_id, len(display.trial_number) + 1)


class AtomicStateFiles:
    """An oracle mixin: `oracle.json` and every `trial.json` replaced whole, never half-written.

    Each file is written to a temporary file renamed over the old one
    (`genreclf.json_files.write_json`): a search killed while saving leaves
    the old file or the new one, and `--resume` reads either.
    """

    def save(self):
        write_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial):
        path = os.path.join(self._get_trial_dir(trial.trial_id), "trial.json")
        write_json(path, trial.get_state())


def set_rpc_timeout(seconds):
    """Bounds every gRPC call of a worker to the chief (KerasTuner's default: one hour)."""
    from keras_tuner.src.distribute import oracle_client

    oracle_client.TIMEOUT = float(seconds)


def oracle_server(oracle, max_workers=4):
    """`(grpc.Server, servicer)`: KerasTuner's oracle service, not yet listening or started.

    `servicer.stop_triggered` becomes True once the oracle told a worker to stop.
    """
    from concurrent import futures

    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers))
    servicer = oracle_chief.OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    return server, servicer


check_version()
