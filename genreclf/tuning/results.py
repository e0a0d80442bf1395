"""Search results: the leaderboard (table, CSV, JSON) of a tuning folder.

A tuning folder (`genreclf tune ... --dir DIR`) holds:

```
DIR/
  tune.json          the search: data arguments, family, tuner, objective, budgets
  trials/            KerasTuner's project: oracle.json, tuner0.json, and per trial
    trial_<id>/      trial.json (hyperparameters, status, score, best-epoch metrics),
                     genreclf_trial.json (tuner, start, seconds, the epochs of
                     its longest execution, the trial process's id and peak
                     memory, the search (`search_spec`); a failed trial's error
                     line and traceback), checkpoint
  leaderboard.csv    one row per trial, best first
  leaderboard.json   the same with every metric of the best epoch
  best.json          the best trial as a `genreclf train --config` file
  kfold.json         k-fold scores of the top trials (with --kfold-top)
```
"""

import csv
import logging
import math
import numbers
import pathlib

from genreclf.errors import ConfigError
from genreclf.json_files import read_json_object
from genreclf.json_files import write_json
from genreclf.tuning.trial_record import TRIAL_RECORD
from genreclf.tuning.trial_record import error_line

TUNE_SPEC = "tune.json"
TRIALS = "trials"
LEADERBOARD_CSV = "leaderboard.csv"
LEADERBOARD_JSON = "leaderboard.json"
BEST_CONFIG = "best.json"
KFOLD = "kfold.json"
_HIDDEN = ("tuner/",)

logger = logging.getLogger("genreclf.tuning")


class _Damage(ValueError):
    """A file that is JSON but not what its writer writes (a field missing or mistyped)."""


def _why(error):
    """What is wrong with a damaged file, in brackets after its name."""
    return str(error) if isinstance(error, _Damage) else f"{type(error).__name__}: {error}"


def read_spec(directory):
    """The search description `tune.json` of a tuning folder (`{}` if absent).

    Raises:
        ConfigError: a `tune.json` that is not a JSON object (e.g. half a
            file), naming it and how to go on.
        OSError: a `tune.json` that cannot be read.
    """
    path = pathlib.Path(directory) / TUNE_SPEC
    if not path.exists():
        return {}
    try:
        return read_json_object(path)
    except (ValueError, TypeError) as e:  # not UTF-8, not JSON, not an object
        raise ConfigError(
            f"{path} is damaged ({_why(e)}). Expected the search description `genreclf "
            "tune` writes there (a JSON object). Restore it from a copy of the folder, or "
            "start the search again: --overwrite (its trials are deleted) or another --dir."
        ) from None


def search_spec(directory):
    """The search of a tuning folder: its `tune.json`, else what its trials' records say.

    A search made by `genreclf.tuning.make_tuner` writes no `tune.json`; each
    trial's record names its model, tuner, objective and direction, and its
    executions per trial (`trial_record.search_description`). `{}` when
    neither says.
    """
    spec = read_spec(directory)
    if spec:
        return spec
    trials = pathlib.Path(directory) / TRIALS
    for path in sorted(trials.glob(f"trial_*/{TRIAL_RECORD}")) if trials.is_dir() else ():
        record = _trial_record(path)
        if record.get("objective"):
            keys = ("model", "tuner", "objective", "direction", "executions_per_trial")
            return {k: record[k] for k in keys if record.get(k) is not None}
    return {}


def _best_metrics(metrics):
    out = {}
    for name, history in (metrics or {}).get("metrics", {}).items():
        observations = history.get("observations") or []
        if observations:
            value = observations[-1]["value"]
            out[name] = float(value[0] if isinstance(value, list) else value)
    return out


def read_trials(directory):
    """One dict per trial of the tuning folder, in trial order.

    Keys: `trial`, `status`, `score`, `best_epoch`, `epochs`, `seconds`,
    `tuner`, `started`, `hyperparameters` (tuned values), `metrics` (of the
    best epoch), `message` (why a trial failed).
    """
    directory = pathlib.Path(directory)
    trials_dir = directory / TRIALS
    if not trials_dir.is_dir():
        raise ConfigError(
            f"{directory} is not a tuning folder: {trials_dir} is missing. "
            "Pass the --dir of a `genreclf tune` search."
        )
    rows = []
    for trial_json in sorted(trials_dir.glob("trial_*/trial.json")):
        row = _read_trial(trial_json)
        if row is not None:
            rows.append(row)
    # In the order the trials were made: KerasTuner pads ids to the digits of
    # max_trials, which a resumed search may raise ("2" is before "03").
    rows.sort(key=lambda row: trial_number(row["trial"]))
    return rows


def _read_trial(trial_json):
    """The row of one trial, or None (with a warning) where its `trial.json` is damaged.

    A damaged trial is left out rather than failing the listing: KerasTuner
    writes `trial.json` in place (not to a temporary file renamed over it),
    so a search killed while saving a trial leaves half a file, and `tune
    show` is how one looks at a killed search. The other trials' scores
    still stand; one unreadable trial should not hide them all.
    """
    try:
        state, metrics = _trial_state(trial_json)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as e:
        logger.warning(
            "%s is damaged (%s); the leaderboard leaves trial %s out. Expected the trial "
            "state KerasTuner writes (a search killed while saving one leaves half a "
            "file): restore it from a copy of the folder to list the trial.",
            trial_json,
            _why(e),
            trial_json.parent.name.removeprefix("trial_"),
        )
        return None
    record = _trial_record(trial_json.parent / TRIAL_RECORD)
    values = state.get("hyperparameters", {}).get("values", {})
    status = state.get("status")
    if status == "RUNNING" and record.get("status") in ("INVALID", "FAILED"):
        # The trial ended in error and the search stopped before KerasTuner
        # saved its final status (too many consecutive failures).
        status = "FAILED"
    score = state.get("score")
    return {
        "trial": state["trial_id"],
        "status": status,
        "score": None if score is None or math.isnan(score) else score,
        "best_epoch": _best_epoch(state, record) if score is not None else None,
        "epochs": record.get("epochs"),
        "seconds": record.get("seconds"),
        "tuner": record.get("tuner_id"),
        "started": record.get("started"),
        "hyperparameters": {k: v for k, v in values.items() if not k.startswith(_HIDDEN)},
        "budget": values.get("tuner/epochs"),  # Hyperband's epochs for this trial
        "metrics": metrics,
        "message": record.get("message") or error_line(state.get("message")),
    }


def _trial_state(trial_json):
    """KerasTuner's `trial.json` and its best epoch's metrics, checked for what the
    leaderboard reads of them."""
    state = read_json_object(trial_json)
    trial_id = state.get("trial_id")
    if not isinstance(trial_id, str) or not trial_id:
        raise _Damage(f"expected a 'trial_id' string. Received: trial_id={trial_id!r:.80}")
    for name in ("score", "best_step"):
        value = state.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise _Damage(f"expected a number or null as {name!r}. Received: {name}={value!r:.80}")
    values = state.get("hyperparameters", {}).get("values", {})
    if not isinstance(values, dict):
        raise _Damage(
            f"expected the hyperparameter values as an object. Received: values={values!r:.80}"
        )
    return state, _best_metrics(state.get("metrics"))


def _trial_record(path):
    """genreclf's record of a trial (`{}` if absent, or damaged: then with a warning)."""
    if not path.exists():
        return {}
    try:
        return read_json_object(path)
    except (ValueError, TypeError) as e:
        logger.warning(
            "%s is damaged (%s); the leaderboard lists the trial without its time, "
            "epochs and error line. Expected the record genreclf writes beside KerasTuner's "
            "trial.json: restore it from a copy of the folder to list them.",
            path,
            _why(e),
        )
        return {}


def _best_epoch(state, record):
    """The trial's best epoch, 1-based, or None where its record cannot tell.

    KerasTuner's best step is the epoch itself (0-based) for a trial whose
    record says so (`best_step_is_epoch`, `scored_epochs.epochs_history`);
    before, it counted the epochs the trial was scored by, from its first
    scored epoch, which the record keeps; records older still cannot place it.
    """
    if record.get("best_step_is_epoch"):
        return (state.get("best_step") or 0) + 1
    if "first_scored_epoch" not in record:
        return None
    return (state.get("best_step") or 0) + record["first_scored_epoch"] + 1


def trial_number(trial_id):
    """A KerasTuner trial id as the number it is (`"03"` → 3), for ordering trials.

    Example:

    >>> sorted(["03", "2", "10"], key=trial_number)
    ['2', '03', '10']
    """
    return int(trial_id) if str(trial_id).isdigit() else -1


def leaderboard(directory, direction=None):
    """The trials of a tuning folder, completed ones best first, then the others.

    Args:
        directory: the tuning folder.
        direction: `"max"` or `"min"` (default: the search's, `search_spec`; else max).

    Example:

    >>> rows = leaderboard("tuning/bilstm")  # doctest: +SKIP
    >>> rows[0]["score"], rows[0]["hyperparameters"]  # doctest: +SKIP
    """
    if direction is None:
        direction = search_spec(directory).get("direction") or "max"
    rows = read_trials(directory)
    done = [r for r in rows if r["status"] == "COMPLETED" and r["score"] is not None]
    done.sort(key=lambda r: r["score"], reverse=direction == "max")
    rest = [r for r in rows if r not in done]
    ranked = done + rest
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank if row in done else None
    return ranked


def _format_value(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _format_hps(hps):
    return " ".join(f"{k}={_format_value(v)}" for k, v in hps.items())


def format_leaderboard(rows, objective="score", top=None):
    """A plain-text table of leaderboard rows (best first).

    Example:

    >>> print(format_leaderboard([{"rank": 1, "trial": "0", "status": "COMPLETED",
    ...     "score": 0.5, "epochs": 2, "seconds": 3.0, "hyperparameters": {"lr": 0.01}}]))
    rank  trial  status     score   epochs  time  hyperparameters
    1     0      COMPLETED  0.5000  2       3s    lr=0.01
    """
    rows = rows[:top] if top else rows
    header = ["rank", "trial", "status", objective, "epochs", "time", "hyperparameters"]
    table = [header]
    for r in rows:
        seconds = r.get("seconds")
        table.append(
            [
                str(r.get("rank") or "-"),
                str(r["trial"]),
                str(r["status"]),
                "-" if r.get("score") is None else f"{r['score']:.4f}",
                "-" if r.get("epochs") is None else str(r["epochs"]),
                "-" if seconds is None else f"{seconds:.0f}s",
                _format_hps(r.get("hyperparameters") or {}),
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def write_leaderboard(directory, rows):
    """Writes `leaderboard.csv` (one column per hyperparameter) and `leaderboard.json`,
    each to a temporary file renamed over the old one (a kill leaves the old or the new)."""
    directory = pathlib.Path(directory)
    hp_names = sorted({k for r in rows for k in (r.get("hyperparameters") or {})})
    metric_names = sorted({k for r in rows for k in (r.get("metrics") or {})})
    fixed = ["rank", "trial", "status", "score", "best_epoch", "epochs", "seconds", "tuner"]
    tmp = directory / (LEADERBOARD_CSV + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(fixed + hp_names + metric_names + ["message"])
        for r in rows:
            writer.writerow(
                [r.get(k) for k in fixed]
                + [(r.get("hyperparameters") or {}).get(k) for k in hp_names]
                + [(r.get("metrics") or {}).get(k) for k in metric_names]
                + [r.get("message")]
            )
    tmp.replace(directory / LEADERBOARD_CSV)
    write_json(directory / LEADERBOARD_JSON, rows)
    return directory / LEADERBOARD_CSV, directory / LEADERBOARD_JSON


def best_config(directory, row, hypermodel=None):
    """The `TrainConfig` dictionary of leaderboard `row` (data arguments included).

    With the search's `hypermodel`, its `trial_config` maps the trial's values
    (a hypermodel may derive arguments, e.g. a learning rate from a tuned
    factor); without it, the fixed values of `tune.json` and the trial's
    values are mapped directly.
    """
    import keras_tuner

    from genreclf.training.config import TrainConfig
    from genreclf.tuning.trial_config import config_from_values
    from genreclf.tuning.trial_config import monitor_for

    spec = read_spec(directory)
    if hypermodel is not None:
        hp = keras_tuner.HyperParameters()
        hp.values = dict(row["hyperparameters"])
        if row.get("budget"):
            hp.values["tuner/epochs"] = row["budget"]
        config = hypermodel.trial_config(hp)
    else:
        values = {**spec.get("fixed", {}), **row["hyperparameters"]}
        if row.get("budget"):
            values["tuner/epochs"] = row["budget"]
        config = config_from_values(spec["model"], values, spec.get("max_epochs", 20))
        data = spec.get("data", {})
        multi_label = spec.get("multi_label")  # as detected (tune.json since 2026-12-07)
        if multi_label is None:
            multi_label = bool(data.get("multi_label") or data.get("sep"))
        config["monitor"] = monitor_for(spec.get("objective"), multi_label)
    config.update({k: v for k, v in spec.get("data", {}).items() if v is not None})
    return TrainConfig.from_dict(config).to_dict()
