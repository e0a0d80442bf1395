"""`train`: from a file (or a `TextDataset`) to a finished run folder.

Its configuration is merged by `genreclf.training.merged_config`
(`make_config` and `check_config_file` are importable from here as well), its
rows read, and split into training and validation rows, by
`genreclf.training.reading` (`read_dataset`, `read_validation_rows` and
`training_rows` too).
"""

import contextlib
import functools
import logging
import pathlib

from genreclf.data import TextDataset
from genreclf.data import check_trainable
from genreclf.data.frames import is_frame
from genreclf.errors import ConfigError
from genreclf.errors import GenreclfError
from genreclf.errors import RunFolderError
from genreclf.path_arguments import check_out_folder
from genreclf.run import Run
from genreclf.run_files import COMPLETE
from genreclf.training import distribute
from genreclf.training.config import AUTO
from genreclf.training.finetuned_member import MEMBER_NAMES
from genreclf.training.finetuned_member import MEMBERS
from genreclf.training.finetuned_member import joins_finetuned_member
from genreclf.training.finetuned_member import train_with_finetuned_member
from genreclf.training.finished_runs import AFRESH
from genreclf.training.finished_runs import RESUME
from genreclf.training.finished_runs import claimed_run_folder
from genreclf.training.finished_runs import refuse_finished_run
from genreclf.training.fitting import fit_run
from genreclf.training.merged_config import check_config_file  # noqa: F401 (re-exported)
from genreclf.training.merged_config import make_config
from genreclf.training.reading import COLUMN_OPTIONS
from genreclf.training.reading import READ_WITH
from genreclf.training.reading import adopt_read_options
from genreclf.training.reading import check_options_recorded_as_read
from genreclf.training.reading import read_augment_rows
from genreclf.training.reading import read_dataset
from genreclf.training.reading import read_validation_rows  # noqa: F401 (re-exported)
from genreclf.training.reading import record_feature_columns
from genreclf.training.reading import record_source
from genreclf.training.reading import training_rows
from genreclf.training.worker_agreement import all_agree

logger = logging.getLogger("genreclf.training")


def train(
    data=None,
    *,
    out=None,
    config=None,
    verbose=1,
    callbacks=(),
    mlflow_uri=None,
    mlflow_experiment=None,
    overwrite=False,
    **kwargs,
):
    """Trains a classifier and writes a run folder.

    Args:
        data: a file path (CSV/TSV/JSONL/Parquet, Kaggle `:::` lines, aclImdb
            folder or `.tar.gz`), a pandas DataFrame (read as a file is, with
            the same reading options: `genreclf.data.frames`) or a `TextDataset`.
        out: the run folder (default `runs/<model>`). Rerunning the same call
            after a crash resumes from the last finished epoch. A folder that
            holds a finished run is refused unless `overwrite` is True; a
            file there is refused (`ConfigError`).
        config: a `TrainConfig`, a dict, or the path of a `config.json` (a
            path that is not a file is a `ConfigError`).
        verbose: Keras verbosity (1: progress bar, 2: one line an epoch, 0: silent).
        callbacks: extra Keras callbacks.
        mlflow_uri: an MLflow tracking URI (`file:./mlruns`,
            `sqlite:///mlflow.db`, a server's URL): the run is logged there —
            `config.json` as parameters, metrics per epoch, the report, its
            PNGs and the model (needs `pip install 'genreclf[mlflow]'`). A
            rerun after a crash continues the same MLflow run. A
            multi-worker job logs one run, its chief's.
        mlflow_experiment: the MLflow experiment (default `"genreclf"`).
        overwrite: train over a finished run in `out` (see
            `genreclf.training.finished_runs`). Parts of a run that finished
            with the same settings and rows (folds, the GPU pair's members)
            are still kept.
        **kwargs: any `TrainConfig` field, e.g. `model="bilstm"`, `epochs=10`,
            `text="overview"`, `label="genres"`, `multi_label=True`, `sep="|"`,
            `folds=5`, `augment="aug.jsonl"`, `model_config={"lstm_units": 32}`.

    Returns:
        The finished `Run`; None on the other workers of a multi-worker job
        (`strategy="multi-worker"`), whose chief writes the run folder (on
        their own disks, it is not there).

    Example:

    >>> import genreclf
    >>> run = genreclf.train(genreclf.sample_path(), label="genre", model="ngram",
    ...                      epochs=2, out="runs/doc")  # doctest: +SKIP
    >>> run.metrics["macro_f1"]  # doctest: +SKIP
    """
    cfg = make_config(data, config, **kwargs).check()
    if out is not None:
        out = check_out_folder(out)  # a file there is refused before the data is read
    distribute.make_strategy(cfg.strategy)  # before any TensorFlow op (multi-worker needs it)
    with contextlib.ExitStack() as held:
        if out is not None:  # held from before the data is read to the run's last file
            held.enter_context(_claimed(out, cfg, overwrite))
        given = {name: kwargs.get(name) for name in READ_WITH}  # not a config file's
        dataset, synthetic = _training_data(data, cfg, verbose, given)
        if out is None:  # `runs/<model>`, known once `auto` has chosen
            out = f"runs/{cfg.model}"
            check_out_folder(out)
            held.enter_context(_claimed(out, cfg, overwrite))
        out = pathlib.Path(out)
        tracking = (mlflow_uri, mlflow_experiment)
        return _train_and_track(
            dataset, synthetic, cfg, out, verbose, callbacks, *tracking, overwrite=overwrite
        )


def _training_data(data, cfg, verbose, given=None):
    """`(dataset, synthetic rows or None)` for `train`, with `auto` resolved and `cfg` checked.

    `given`: the reading options passed to `train` itself (not a config
    file's), which a `TextDataset` must have been read with.
    """
    read_here = is_frame(data)  # read just now, with `cfg`'s own options
    if read_here:
        data = read_dataset(cfg, data)  # then taken as any TextDataset is
    dataset = data if isinstance(data, TextDataset) else None
    if dataset is None:
        if cfg.data is None:
            raise ConfigError(
                "No training data. Received: data=None. Pass a file path or a TextDataset "
                "as `data` (on the command line: `genreclf train DATA`, or a --config "
                "whose `data` names the file)."
            )
        dataset = read_dataset(cfg)
        # The columns read, detected ones too, for evaluate, --val-data and reruns; not
        # the format, which each file is detected in (a .jsonl --val-data beside a .csv).
        record_source(cfg, dataset, COLUMN_OPTIONS)
    else:
        if not read_here:  # given with rows read already: they must agree
            check_options_recorded_as_read(given or {}, dataset)
        cfg.multi_label = dataset.multi_label
        adopt_read_options(cfg, dataset)  # over a config file's: the rows are these
        record_source(cfg, dataset)
    check_trainable(dataset)  # one class (or one label set) is nothing to learn
    if cfg.multi_label is None:
        cfg.multi_label = dataset.multi_label
    synthetic = None
    if cfg.augment:
        synthetic = read_augment_rows(
            cfg.augment,
            dataset.multi_label,
            dataset.label_counts(),
            skip_bad_rows=bool(cfg.skip_bad_rows),
        )
    if cfg.model == AUTO:
        choose_auto_model(cfg, dataset, verbose=verbose)
    if data is dataset:  # its feature columns are the model's, for evaluate to read again
        record_feature_columns(cfg, dataset)
    from genreclf.training.family_options import check_family_options
    from genreclf.training.family_options import warn_unused_max_length
    from genreclf.training.family_options import warn_unused_training_args

    check_family_options(cfg)  # a refused option leaves no run folder behind
    warn_unused_training_args(cfg)
    warn_unused_max_length(cfg)
    joins_finetuned_member(cfg)  # likewise: --finetune with a model it cannot join
    return dataset, synthetic


@contextlib.contextmanager
def _claimed(out, cfg, overwrite):
    """The chief's hold on `out` (`claimed_run_folder`); the other workers' finished-run check.

    A multi-worker job's other workers train into `<out>/.<task>-<index>`
    (`distribute.WorkerFolder`), which `fit_run` locks; on one machine they
    share `out` with the chief, so holding it here would refuse them. When
    any worker is refused, all stop (`worker_agreement.all_agree`): the others
    would wait for it in their first collective.
    """
    strategy = distribute.make_strategy(cfg.strategy)
    with contextlib.ExitStack() as held:
        try:
            if distribute.is_chief(strategy):
                held.enter_context(claimed_run_folder(out, "genreclf train", overwrite))
            else:
                refuse_finished_run(out, overwrite)
        except GenreclfError:
            all_agree(strategy, False)
            raise
        if not all_agree(strategy, True):
            raise RunFolderError(
                f"Another worker of this multi-worker job was refused the run folder {out} "
                "(its log says why: another job is writing it, or it holds a finished run), "
                "so this one stops too. Fix that, then rerun the command on every worker."
            )
        yield


def _train_and_track(
    dataset, synthetic, cfg, out, verbose, callbacks, mlflow_uri, experiment, overwrite=False
):
    if not distribute.writes_run_folder(cfg.strategy):
        # Another worker of a multi-worker job: it trains into a `WorkerFolder`
        # and logs nothing; the chief's MLflow run holds the job (the workers'
        # synchronised epochs log the same metrics).
        return _train(dataset, synthetic, cfg, out, verbose, callbacks, overwrite)
    if mlflow_uri is None:
        out.mkdir(parents=True, exist_ok=True)
        return _train(dataset, synthetic, cfg, out, verbose, callbacks, overwrite)
    from genreclf.tracking.mlflow_tracker import TRACKING_FILE
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    tracker = MlflowTracker(  # a bad URI fails here, before the run folder exists
        mlflow_uri,
        experiment=experiment,
        run_name=out.name,
        tags={"genreclf.command": "train", "genreclf.run_folder": str(out.resolve())},
        resume_file=out / TRACKING_FILE,
    )
    out.mkdir(parents=True, exist_ok=True)
    if (out / COMPLETE).exists() or overwrite:  # a run trained afresh: a new MLflow run, too
        (out / TRACKING_FILE).unlink(missing_ok=True)
    with tracker:
        metrics = tracker.keras_callback(
            per_training=bool(cfg.folds), training=functools.partial(_tracked_training, out, cfg)
        )
        callbacks = (*callbacks, metrics)
        run = _train(dataset, synthetic, cfg, out, verbose, callbacks, overwrite)
        tracker.log_run_folder(out)
    return run


def _tracked_training(out, cfg):
    """`(metric prefix or None, history.csv or None)` of the Keras training beginning in `out`.

    Called by the MLflow callback as each training begins (`MlflowMetrics`),
    after the run's backup has been restored: a resumed training's
    `history.csv` then holds exactly the epochs trained before the kill (a
    training that starts afresh has removed it), and the callback logs those
    the MLflow run lacks. Cross-validation trains its folds in order into
    `folds/fold_<i>` and keeps the finished ones untrained, so the fold
    beginning is the first without its last file (`COMPLETE`). The GPU pair
    trains its members in order into `members/<name>` the same way, so theirs
    are `stack/` and `finetune/`.
    """
    if cfg.folds:
        folders = [(f"fold_{i}/", out / "folds" / f"fold_{i}") for i in range(cfg.folds)]
    elif joins_finetuned_member(cfg):
        folders = [(f"{name}/", out / MEMBERS / name) for name in MEMBER_NAMES]
    else:
        return None, out / "history.csv"
    for prefix, folder in folders:
        if not (folder / COMPLETE).exists():
            return prefix, folder / "history.csv"
    return None, None


def _train(dataset, synthetic, cfg, out, verbose, callbacks, overwrite=False):
    if cfg.folds:
        from genreclf.training.cross_validation import cross_validate

        return cross_validate(dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks)
    if joins_finetuned_member(cfg):
        return train_with_finetuned_member(
            dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks
        )
    train_set, val_set = training_rows(dataset, synthetic, cfg)
    return train_on_rows(
        train_set,
        val_set,
        cfg,
        out,
        verbose=verbose,
        callbacks=callbacks,
        unfinished=AFRESH if overwrite else RESUME,
    )


def train_on_rows(train_set, val_set, cfg, out, verbose=1, callbacks=(), unfinished=RESUME):
    """Fits `cfg` on `training_rows`' split and writes the run folder `out` (and its report).

    Returns the `Run`, or None on a multi-worker job's other workers (`train`).
    """
    from genreclf.explaining.report_examples import add_to_run_report

    vocabulary = (train_set if val_set is None else train_set.concat(val_set)).vocabulary()
    fit_run(
        train_set,
        val_set,
        vocabulary,
        cfg,
        out,
        verbose=verbose,
        callbacks=callbacks,
        unfinished=unfinished,
    )
    if not distribute.writes_run_folder(cfg.strategy):
        return None  # the chief writes `out`; reading it here would race its last files
    run = Run(out)
    add_to_run_report(run, train_set, val_set)  # report.md: words behind a few examples
    return run


def choose_auto_model(cfg, dataset, verbose=1):
    """Resolves `model="auto"` in `cfg` for `dataset`, prints and records why."""
    from genreclf.models.auto import choose_model

    choice = choose_model(len(dataset), multi_label=dataset.multi_label)
    cfg.model = choice.family
    cfg.model_config = {**choice.config, **(cfg.model_config or {})}
    cfg.model_choice = {
        "requested": AUTO,
        "chosen": choice.family,
        "reason": choice.reason,
        "hardware": choice.hardware,
        "finetune": choice.finetune,
    }
    if verbose:
        print(
            f"model: auto → {choice.family} ({len(dataset):,} rows, {choice.hardware}): "
            f"{choice.reason}",
            flush=True,
        )
    return choice
