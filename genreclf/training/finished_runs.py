"""What `train` does with a run folder that already holds a finished run.

A finished run folder is one whose last file (`thresholds.json`, `COMPLETE`)
is written. Training into it again would replace the model a user may be
serving or comparing against, without a word, so `genreclf.train` refuses
unless asked (`overwrite=True`, `--overwrite`; KerasTuner's `overwrite`
argument guards its project folder the same way). An unfinished folder is
not refused: rerunning the same call after a crash resumes it. `train` and
`ensemble` check under the folder's `output_lock` (`claimed_run_folder`), so
a job that another finished meanwhile is refused, not trained over.

Inside one run, the parts a job reruns after a crash (the folds of
`--folds`, the members of the GPU pair, `genreclf labels check`'s fold runs)
are kept only when they finished with exactly this run's settings on exactly
its rows (`finished_run`);
otherwise a fold trained for another configuration would be kept under a
`config.json` that says something else. Folds are kept or trained under the
lock of the folder that holds them (cross-validation's run folder, `labels
check`'s fold folder), so a second job is refused rather than keeping a fold
the first is still training.
"""

import contextlib
import json
import logging
import pathlib
import shutil

from genreclf.data.labels import label_order
from genreclf.errors import ConfigError
from genreclf.json_files import read_json_object
from genreclf.output_lock import output_lock
from genreclf.run import Run
from genreclf.run_files import COMPLETE
from genreclf.run_files import FINGERPRINT
from genreclf.run_files import LABELS
from genreclf.training.foreign_files import refuse_foreign_files

logger = logging.getLogger("genreclf.training")


def refuse_finished_run(out, overwrite=False):
    """Raises a ConfigError if `out` holds a finished run and `overwrite` is False.

    Files of a run's names that genreclf did not write are refused the same
    way (`refuse_foreign_files`). Called before the folder (or an MLflow run) is touched. Training over a
    finished folder starts with `unmark_finished`.

    Args:
        out: the run folder `train` is asked to write.
        overwrite: whether a finished run there may be replaced.

    Example:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> refuse_finished_run(folder)  # empty or unfinished: training may go on
    >>> _ = (folder / "thresholds.json").write_text("{}")
    >>> refuse_finished_run(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... already holds a finished run...
    """
    out = pathlib.Path(out)
    refuse_foreign_files(out, overwrite)
    if overwrite or not (out / COMPLETE).exists():
        return
    raise ConfigError(
        f"{out} already holds a finished run{_describe(out)}. Training again would "
        f"replace it. Received: out={str(out)!r} with overwrite=False. Pass "
        "--overwrite (overwrite=True) to train over it, or choose another --out."
    )


@contextlib.contextmanager
def claimed_run_folder(out, job, overwrite=False):
    """Holds `out` for `job` (`output_lock`) and refuses it there if it holds a finished run.

    The check and the lock are one critical section: a job that took the
    lock after another finished the folder is refused, where a check made
    before the lock (while reading the data, say) would have let it train
    over the finished run. The steps inside (`fit_run`, `ensemble`) take the
    same lock again in the same thread.

    Args:
        out: the run folder.
        job: what writes it, named to a second job (`"genreclf train"`).
        overwrite: whether a finished run there may be replaced.

    Raises:
        OutputInUseError: another job holds `out`.
        ConfigError: `out` holds a finished run and `overwrite` is False.

    Example:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with claimed_run_folder(folder, "genreclf train"):
    ...     _ = (folder / "thresholds.json").write_text("{}")  # the job finishes
    >>> with claimed_run_folder(folder, "genreclf train"):  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... already holds a finished run...
    """
    with output_lock(out, job):
        refuse_finished_run(out, overwrite)
        yield


def unmark_finished(out):
    """Removes `out`'s completion mark before a run that writes it last retrains its parts.

    Cross-validation and the GPU pair write their top-level files after
    their folds or members; with the mark gone first, a job killed while
    retraining them over a finished run (`overwrite=True`) leaves a folder
    that `Run` refuses and a rerun resumes, never the old summary beside new
    folds. Called after the settings are checked, so a refused setting
    leaves the old run loadable. (A single run's `fit_run` removes the mark
    itself, after its own checks.) A no-op on an unfinished folder.
    """
    (pathlib.Path(out) / COMPLETE).unlink(missing_ok=True)


def _describe(out):
    """`" (bilstm, macro-F1 0.4312)"`, or `""` when the folder's files do not say."""
    try:
        model = json.loads((out / "config.json").read_text()).get("model")
        score = json.loads((out / "metrics.json").read_text()).get("macro_f1")
    except (OSError, ValueError, AttributeError):
        return ""
    parts = [str(model)] if model else []
    if isinstance(score, (int, float)):
        parts.append(f"macro-F1 {score:.4f}")
    return f" ({', '.join(parts)})" if parts else ""


def recipe_version(model, config=None):
    """The version of family `model`'s recipe for model configuration `config`.

    A family's own `Family.version` (1 for a name none has); for a family
    built on others (`Family.parts`: `hybrid`'s encoder), a dict of its own
    version and theirs, so raising one family's version retrains the runs
    built on it and no others.

    Example:

    >>> recipe_version("ngram"), recipe_version("no_such_family")
    (2, 1)
    >>> recipe_version("hybrid", {"encoder": "ngram"})
    {'hybrid': 1, 'ngram': 2}
    """
    family = _family(model)
    if family is None:
        return 1
    config = {**family.defaults, **(config or {})}
    parts = family.parts(config) if family.parts else ()
    if not parts:
        return family.version
    return {model: family.version, **{part: recipe_version(part) for part in parts}}


def same_recipe(recorded, model, config=None):
    """Whether a run that recorded recipe version `recorded` is today's `model` recipe.

    `recorded` is what the run's `fingerprint.json` holds (1 where it holds
    none). A run of a family built on others that recorded one number (a
    genreclf before the parts' versions were recorded) compares as built on
    the versions its family declares for that number
    (`Family.legacy_versions`).

    Example:

    >>> same_recipe(3, "hybrid", {"encoder": "pretrained"})  # written before parts were recorded
    True
    >>> same_recipe(2, "hybrid", {"encoder": "transformer"})  # before pre-LN blocks
    False
    """
    current = recipe_version(model, config)
    if isinstance(current, dict) and not isinstance(recorded, dict):
        built_on = _family(model).legacy_versions.get(recorded, {model: recorded})
        recorded = {name: built_on.get(name) for name in current}
    return recorded == current


def describe_recipe(version):
    """How a recipe version (`recipe_version`) reads in a message.

    Example:

    >>> describe_recipe(2), describe_recipe({"hybrid": 1, "ngram": 1})
    ('2', '1 with ngram 1')
    """
    if not isinstance(version, dict):
        return str(version)
    own, *parts = version.items()
    return " with ".join([str(own[1]), *(f"{name} {number}" for name, number in parts)])


def _family(model):
    """The `Family` registered as `model`, or None."""
    from genreclf.models.registry import get_family

    try:
        return get_family(model)
    except ConfigError:
        return None


def finished_run(folder, cfg, train_set, val_set):
    """The finished `Run` in `folder` if it has `cfg`'s settings and exactly these rows, else None.

    Settings are every `TrainConfig` field but `model_choice` (which records
    why `auto` chose, not what was trained); rows are the training and
    validation rows' digests in the run's `fingerprint.json`, which also holds
    the family's recipe version (`Family.version`; 1 where it is missing): a
    run an older recipe trained is not kept beside new ones, nor one whose
    classes are not in today's order (`label_order`: ratings by value).

    Args:
        folder: a run folder (it need not exist).
        cfg: the `TrainConfig` the folder would be trained with.
        train_set: the training rows (`TextDataset`).
        val_set: the validation rows, or None (trained on every row).

    Returns:
        The `Run` to keep as it is, or None when the folder must be trained.
    """
    folder = pathlib.Path(folder)
    if not (folder / COMPLETE).exists():
        return None
    run = Run(folder)
    settings = json.loads(json.dumps(cfg.to_json_dict()))  # as config.json holds them
    same_settings = all(
        run.config.get(name) == value for name, value in settings.items() if name != "model_choice"
    )
    val_sha256 = None if val_set is None else val_set.fingerprint()
    same_rows = (
        run.fingerprint.get("train_sha256") == train_set.fingerprint()
        and run.fingerprint.get("val_sha256") == val_sha256
    )
    recipe = same_recipe(run.fingerprint.get("recipe_version", 1), cfg.model, cfg.model_config)
    # An older genreclf ordered ratings as text: a member or fold scoring them
    # in another order than today's runs is retrained, not joined to them.
    same_order = list(run.labels) == label_order(run.labels)
    return run if same_settings and same_rows and recipe and same_order else None


# What an unfinished run in `out` becomes (`resumes`): resumed with the same
# settings and rows and refused with others; always started afresh (`train`'s
# `overwrite=True`); or resumed with the same and started afresh with others (the
# folds and members a run retrains itself, as it retrains finished ones).
RESUME, AFRESH, RETRAIN = "resume", "afresh", "retrain"
# Not compared: where the files lie and how they were read (the rows are compared,
# by digest, where `fingerprint.json` was written first; a folder left by an older
# version resumes as it did), how workers share the work, and why `auto` chose.
_NOT_SETTINGS = (
    *("data", "val_data", "augment", "format", "sep", "text", "label", "skip_bad_rows"),
    *("strategy", "model_choice"),
)


def resumes(out, cfg, train_set, val_set, unfinished=RESUME, *, started=("backup",), labels=None):
    """Whether `out` holds an unfinished run to resume with `cfg` on these rows.

    A killed run leaves what it had trained (`started`: the epoch backup, or
    the fitted weights) beside the `config.json` and `fingerprint.json` it
    started with. A rerun resumes from them only with the same settings and
    the same training and validation rows; what differs is named. Settings are
    the `TrainConfig` fields but the data's paths and reading options (the
    rows are compared by digest), `strategy` and `model_choice`.

    Args:
        out: the run folder.
        cfg: the `TrainConfig` of the rerun.
        train_set: its training rows (before oversampling).
        val_set: its validation rows, or None.
        unfinished: `RESUME` (other settings refused), `AFRESH` (start afresh
            whatever they were) or `RETRAIN` (other settings start afresh).
        started: the files (relative to `out`) an unfinished run leaves.
        labels: the class names, in the order the rerun's model scores them,
            or None not to compare them with the `labels.json` the unfinished
            run started with (its weights score the classes in that order).

    Returns:
        True to resume, False to start afresh (what was started is deleted).

    Raises:
        ConfigError: with `RESUME`, the unfinished run had other settings or rows.

    Example:

    >>> import tempfile
    >>> from genreclf.training.config import TrainConfig
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> resumes(folder, TrainConfig(), None, None)  # nothing started there
    False
    """
    out = pathlib.Path(out)
    left = [out / name for name in started if (out / name).exists()]
    if not left:
        return False
    if unfinished == AFRESH:
        changed, stuck = [], False
    else:
        changed, stuck = _changes(out, cfg, train_set, val_set, labels)
        if not changed:
            return True
    if unfinished == RESUME:
        how = "Pass" if stuck else "Rerun with its settings to resume it, pass"
        raise ConfigError(
            f"{out} holds an unfinished run with other settings: {'; '.join(changed)}. "
            "Its saved progress cannot continue with these, and keeping it would mix two "
            f"trainings under one config.json. Received: out={str(out)!r}. {how} "
            "--overwrite (overwrite=True) to start afresh "
            "there, or choose another --out."
        )
    why = f"other settings ({'; '.join(changed)})" if changed else "overwrite=True"
    logger.warning("%s holds an unfinished run: starting afresh, %s.", out, why)
    for path in left:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return False


def _changes(out, cfg, train_set, val_set, labels=None):
    """`(changes, stuck)`: what differs from the settings and rows `out`'s
    unfinished run started with, and whether no rerun can resume it (its
    weights score the same classes in another order, or in an order lost
    with its labels.json: today's genreclf orders them one way)."""
    before = read_json_object(out / "config.json", strict=False)
    rows = read_json_object(out / FINGERPRINT, strict=False)
    if before is None:
        return [], False  # nothing recorded to compare with: resume as before
    started_labels = (read_json_object(out / LABELS, strict=False) or {}).get("labels")
    # An older genreclf ordered ratings as text ('1', '10', '2'): its weights
    # score the classes in that order, so the order is part of what resumes.
    # A labels.json lost beside a backup cannot say which order its weights score.
    relabelled = labels is not None and started_labels != list(labels)
    stuck = relabelled and (started_labels is None or sorted(started_labels) == sorted(labels))
    rows = rows if train_set is not None else None
    settings = json.loads(json.dumps(cfg.to_json_dict()))  # as config.json holds them
    changed = [
        f"{name}: {before.get(name)!r} → {value!r}"
        for name, value in settings.items()
        if name not in _NOT_SETTINGS and before.get(name) != value
    ]
    if relabelled:
        changed.append(
            f"the classes or their order ({started_labels} → {list(labels)}; a genreclf "
            "before 2026-12-06 ordered ratings as text: --overwrite retrains)"
        )
    if rows is None:
        return changed, stuck  # started before fingerprints were written first
    started = rows.get("recipe_version", 1)
    if not same_recipe(started, cfg.model, cfg.model_config):
        version = recipe_version(cfg.model, cfg.model_config)
        changed.append(
            f"the {cfg.model} recipe (version {describe_recipe(started)} → "
            f"{describe_recipe(version)}: another genreclf started it)"
        )
    if rows.get("train_sha256") != train_set.fingerprint():
        changed.append(f"the training rows ({rows.get('num_train')} → {len(train_set)} rows)")
    val_sha256 = None if val_set is None else val_set.fingerprint()
    if rows.get("val_sha256") != val_sha256:
        num_val = 0 if val_set is None else len(val_set)
        changed.append(f"the validation rows ({rows.get('num_val')} → {num_val} rows)")
    return changed, stuck
