"""`check_before_reload`: KerasTuner's saved search, checked before `--resume` reloads it.

KerasTuner keeps a search in `trials/`: `oracle.json` (the trials begun and
ended, queued retries, its random state), one file per tuner (`tuner0.json`:
an empty state) and `trial_<id>/trial.json` (a trial's values, status and
scores). It reloads them all when a tuner is made on an existing folder, and
one file that is not JSON stopped `--resume` with a `JSONDecodeError`.

genreclf writes these files whole (`compat.AtomicStateFiles`, the tuner's
`save`), but a folder saved by KerasTuner itself or by an older genreclf,
killed while saving one, holds half a file. Before the reload:

- a damaged `trial.json` of a trial that `oracle.json` does not know (the
  search was killed while creating it) is moved to `trial.json.damaged`, and
  one of a trial it does not know that never started to `trial.json.unlisted`
  (KerasTuner would count it and never run it): the search creates that trial
  again, under the same id;
- a damaged (or missing) `trial.json` of a trial that `oracle.json` knows is
  moved aside and replaced by a failed trial that says so: its values and
  scores are lost, so the oracle neither reruns it without its values nor gives
  its id to another trial; the other trials, finished or not, are kept;
- a damaged tuner file is written again (its state is empty);
- a damaged or missing `oracle.json` is a `ConfigError` naming it.

Each repair is a warning naming the file.
"""

import logging
import os
import pathlib

import keras_tuner
from keras_tuner.engine import trial as trial_module

from genreclf.errors import ConfigError
from genreclf.json_files import read_json_object
from genreclf.json_files import write_json

logger = logging.getLogger("genreclf.tuning")

TRIAL_FILE = "trial.json"
ORACLE_FILE = "oracle.json"
DAMAGED_SUFFIX = ".damaged"
UNLISTED_SUFFIX = ".unlisted"
# What of `oracle.json` says which trials the oracle knows, and which it runs.
_ORACLE_LISTS = {"ongoing_trials": dict, "start_order": list, "end_order": list}
_DAMAGE = (ValueError, TypeError, KeyError, AttributeError)  # as KerasTuner reads the file


def check_before_reload(project_dir, tuner_id, tuner_state, *, oracle=True):
    """Readies the saved search in `project_dir` for KerasTuner's reload (see module doc).

    Args:
        project_dir: the tuner's project folder (`DIR/trials`).
        tuner_id: the reloading tuner's id (its file is `<tuner_id>.json`).
        tuner_state: the tuner's state, written over a damaged tuner file.
        oracle: whether the tuner reloads the oracle and its trials (not on a
            worker of a distributed search: those are the chief's).

    Raises:
        ConfigError: `oracle.json` is damaged or missing.
    """
    project_dir = pathlib.Path(project_dir)
    tuner_file = project_dir / f"{tuner_id}.json"
    if tuner_file.exists() and _damage(tuner_file, read_json_object) is not None:
        write_json(tuner_file, tuner_state)
        logger.warning("%s was damaged; written again (a tuner's state is empty).", tuner_file)
    if not oracle:
        return
    oracle_file = project_dir / ORACLE_FILE
    state = _oracle_state(oracle_file)
    known = {*state["start_order"], *state["end_order"], *state["ongoing_trials"].values()}
    known.update(state.get("retry_queue") or ())
    lost = {}  # trial id: what was wrong with its trial.json
    for path in sorted(project_dir.glob(f"trial_*/{TRIAL_FILE}")):
        trial_id = path.parent.name.removeprefix("trial_")
        why = _damage(path, _load_trial)
        if why is not None and trial_id in known:
            lost[trial_id] = why
        elif why is None and (trial_id in known or not _never_started(path)):
            known.discard(trial_id)
        else:  # not in oracle.json: the search was stopped while creating it
            aside = path.with_name(path.name + (DAMAGED_SUFFIX if why else UNLISTED_SUFFIX))
            os.replace(path, aside)
            logger.warning(
                "%s %s: moved to %s. %s does not list trial %s (the search was stopped while "
                "creating it): the search creates it again.",
                path,
                f"was damaged ({why})" if why else "is of a trial that never started",
                aside.name,
                oracle_file,
                trial_id,
            )
    lost.update({t: "missing" for t in known - lost.keys()})  # known, but no trial.json
    if lost:
        # The lost trials leave the oracle's queue before their files change: an
        # oracle rerunning one without its values would train the default
        # configuration under its id.
        state["ongoing_trials"] = {
            tuner: trial for tuner, trial in state["ongoing_trials"].items() if trial not in lost
        }
        state["retry_queue"] = [t for t in state.get("retry_queue") or () if t not in lost]
        write_json(oracle_file, state)
        for trial_id, why in sorted(lost.items()):
            _replace_lost_trial(project_dir / f"trial_{trial_id}", trial_id, why)
    _say_resumed(project_dir.parent, state, lost)


def _say_resumed(directory, state, lost):
    """Says what a resumed search keeps, lost and runs again, as `train` says its epoch
    (stderr), once the lost trials (`{id: why}`) left the oracle's `state`."""
    import sys

    ended = [str(t) for t in state["end_order"] if str(t) not in lost]
    line = f"resuming the search in {directory}: {len(ended)} trial{'s' * (len(ended) != 1)}"
    line += " ended (kept)"
    if lost:
        line += (
            f"; trial {', '.join(sorted(lost))} lost (no whole {TRIAL_FILE}): listed as failed, "
            "not run again"
        )
    running = sorted(str(t) for t in state["ongoing_trials"].values())
    if running:
        line += f"; trial {', '.join(running)} was running when the search stopped: it runs again"
    print(line, file=sys.stderr, flush=True)


def _oracle_state(path):
    """`oracle.json`, checked for what `check_before_reload` reads of it."""
    advice = (
        "Expected the oracle state KerasTuner saves there (a JSON object): without it the "
        "search cannot go on where it stopped. Restore it from a copy of the folder, or start "
        "the search again with --overwrite (its trials are deleted) or another --dir; `genreclf "
        f"tune show {path.parent.parent}` still lists the trials it ran."
    )
    if not path.exists():
        raise ConfigError(f"{path} is missing. {advice}")
    why = _damage(path, read_json_object)
    if why is None:
        state = read_json_object(path)
        for key, kind in _ORACLE_LISTS.items():
            if not isinstance(state.get(key), kind):
                value = state.get(key)
                why = f"expected {key!r} as a {kind.__name__}. Received: {key}={value!r:.80}"
                break
    if why is not None:
        raise ConfigError(f"{path} is damaged ({why}). {advice}")
    return state


def _load_trial(path):
    """The trial in `path`, read as KerasTuner's reload reads it."""
    return trial_module.Trial.from_state(read_json_object(path))


def _damage(path, load):
    """What is wrong with the file `path` as `load` reads it, or None."""
    try:
        load(path)
    except _DAMAGE as e:  # not UTF-8, not JSON, not an object, a field missing
        return f"{type(e).__name__}: {e}"
    return None


def _never_started(path):
    """Whether the valid `trial.json` at `path` is of a trial that reported no epoch yet."""
    state = read_json_object(path)
    return state.get("status") == "RUNNING" and not (state.get("metrics") or {}).get("metrics")


def _replace_lost_trial(trial_dir, trial_id, why):
    """Moves a damaged `trial.json` aside and writes a failed trial saying so in its place."""
    path = trial_dir / TRIAL_FILE
    if why == "missing":
        what = f"{TRIAL_FILE} was missing"
    else:
        os.replace(path, path.with_name(path.name + DAMAGED_SUFFIX))
        what = f"{TRIAL_FILE} was damaged ({why}); moved to {TRIAL_FILE}{DAMAGED_SUFFIX}"
    message = (
        f"{what}. Its hyperparameter values and scores were lost with it: genreclf's --resume "
        "lists this trial as failed and does not run it again."
    )
    trial_dir.mkdir(parents=True, exist_ok=True)
    trial = trial_module.Trial(
        keras_tuner.HyperParameters(),
        trial_id=trial_id,
        status=trial_module.TrialStatus.FAILED,
        message=message,
    )
    write_json(path, trial.get_state())
    logger.warning(
        "%s: %s A search runs --max-trials trials, this one included: raise it by one to "
        "make up for it.",
        path,
        message,
    )
