"""`train`: from a file (or a `TextDataset`) to a finished run folder."""

import contextlib
import logging
import pathlib

from genreclf.data import TextDataset
from genreclf.data import check_trainable
from genreclf.data import drop_unknown_labels
from genreclf.data import load_dataset
from genreclf.data import train_val_split
from genreclf.data.frames import is_frame
from genreclf.data.inputs import check_data
from genreclf.errors import ConfigError
from genreclf.errors import GenreclfError
from genreclf.errors import RunFolderError
from genreclf.run import COMPLETE
from genreclf.run import Run
from genreclf.training import distribute
from genreclf.training.config import AUTO
from genreclf.training.config import TrainConfig
from genreclf.training.finetuned_member import joins_finetuned_member
from genreclf.training.finetuned_member import train_with_finetuned_member
from genreclf.training.finished_runs import claimed_run_folder
from genreclf.training.finished_runs import refuse_finished_run
from genreclf.training.fitting import fit_run
from genreclf.training.fitting import fits_itself
from genreclf.training.worker_agreement import all_agree

logger = logging.getLogger("genreclf.training")


def make_config(data=None, config=None, **overrides):
    """Merges a config (object, dict or JSON path), `data` and keyword overrides.

    `data` is checked here for `train`, `tune` and the command line: a file path
    (recorded as `data`), a pandas DataFrame or a `TextDataset` (read by the
    caller); anything else is a `ConfigError` saying what was received, in
    a few words (`genreclf.data.inputs.check_data`).

    Example:

    >>> make_config("movies.csv", model="ngram").data
    'movies.csv'
    >>> try:
    ...     make_config(["a heist", "a ghost"])
    ... except ConfigError as error:
    ...     print(str(error).split(". ")[1])
    Received: a list of 2 items
    """
    if config is None:
        base = TrainConfig()
    elif isinstance(config, TrainConfig):
        base = TrainConfig.from_dict(config.to_dict())
    elif isinstance(config, dict):
        base = TrainConfig.from_dict(config)
    else:
        base = TrainConfig.from_json(config)
    values = base.to_dict()
    values.update({k: v for k, v in overrides.items() if v is not None})
    if data is not None:
        check_data(data)  # a file, a DataFrame or a TextDataset; anything else, refused here
        if not isinstance(data, TextDataset) and not is_frame(data):
            values["data"] = str(data)  # a file (a DataFrame is read as a TextDataset is taken)
    return TrainConfig.from_dict(values)


def read_dataset(cfg, path=None):
    """Loads `path` (default: `cfg.data`) with the reading options of `cfg`.

    `path` may be a pandas DataFrame (`genreclf.data.frames`). A `genreclf
    label` output is read as cascade labels: the labelled rows whose
    confidence reaches `cfg.min_confidence` (default 0).
    """
    from genreclf.data.cascade_labels import is_cascade_output
    from genreclf.data.cascade_labels import load_cascade_labels

    source = cfg.data if path is None else path
    if not is_frame(source) and is_cascade_output(source):
        return load_cascade_labels(
            source,
            min_confidence=cfg.min_confidence or 0.0,
            multi_label=cfg.multi_label,
            skip_bad_rows=bool(cfg.skip_bad_rows),
        )
    if cfg.min_confidence is not None and (path is None or is_frame(source)):
        received = "a DataFrame" if is_frame(source) else f"data={cfg.data!r}"
        raise ConfigError(
            "min_confidence applies to the JSONL `genreclf label` writes. Received: "
            f"{received}, which is not one. Drop --min-confidence or train on the "
            "labelled file."
        )
    return load_dataset(
        source,
        text=cfg.text,
        label=cfg.label,
        format=cfg.format,
        multi_label=cfg.multi_label,
        sep=cfg.sep,
        features=tuple(cfg.features),
        categorical=tuple(cfg.categorical),
        skip_bad_rows=cfg.skip_bad_rows,
    )


def read_augment_rows(path, multi_label, real_labels=None):
    """Reads `augment`'s JSONL output; every row is marked `synthetic`.

    With `real_labels` (the genres of the real training rows), a genre that
    only synthetic rows carry is refused: it would become a class learned from
    generated text alone, never validated or tested on real rows.
    """
    rows = load_dataset(path, text="text", label="labels", format="jsonl", multi_label=True)
    rows.multi_label = multi_label
    rows.sources = ["synthetic"] * len(rows)
    if not multi_label:
        for line, labels in zip(rows.lines or [None] * len(rows), rows.labels):
            if len(labels) != 1:
                raise ConfigError(
                    f"{path}:{line}: a synthetic row for a single-label task must carry "
                    f"exactly one label. Received: labels={labels}."
                )
    new = sorted(set(rows.label_counts()) - set(real_labels or rows.label_counts()))
    if new:
        raise ConfigError(
            f"{path}: synthetic rows carry genres that no real training row has. Received: "
            f"genres={new}. Add real rows of these genres, or remove their synthetic rows "
            "(`genreclf augment run --genres` generates only the genres you name)."
        )
    return rows


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
            holds a finished run is refused unless `overwrite` is True.
        config: a `TrainConfig`, a dict, or the path of a `config.json`.
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
    distribute.make_strategy(cfg.strategy)  # before any TensorFlow op (multi-worker needs it)
    with contextlib.ExitStack() as held:
        if out is not None:  # held from before the data is read to the run's last file
            held.enter_context(_claimed(out, cfg, overwrite))
        dataset, synthetic = _training_data(data, cfg, verbose)
        if out is None:  # `runs/<model>`, known once `auto` has chosen
            out = f"runs/{cfg.model}"
            held.enter_context(_claimed(out, cfg, overwrite))
        out = pathlib.Path(out)
        tracking = (mlflow_uri, mlflow_experiment)
        return _train_and_track(dataset, synthetic, cfg, out, verbose, callbacks, *tracking)


def _training_data(data, cfg, verbose):
    """`(dataset, synthetic rows or None)` for `train`, with `auto` resolved and `cfg` checked."""
    if is_frame(data):
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
        _record_source(cfg, dataset, COLUMN_OPTIONS)
    else:
        cfg.multi_label = dataset.multi_label
        _record_source(cfg, dataset)
    check_trainable(dataset)  # one class (or one label set) is nothing to learn
    if cfg.multi_label is None:
        cfg.multi_label = dataset.multi_label
    synthetic = None
    if cfg.augment:
        synthetic = read_augment_rows(cfg.augment, dataset.multi_label, dataset.label_counts())
    if cfg.model == AUTO:
        choose_auto_model(cfg, dataset, verbose=verbose)
    from genreclf.training.fitting import check_family_options

    check_family_options(cfg)  # a refused option leaves no run folder behind
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


def _train_and_track(dataset, synthetic, cfg, out, verbose, callbacks, mlflow_uri, experiment):
    if not distribute.writes_run_folder(cfg.strategy):
        # Another worker of a multi-worker job: it trains into a `WorkerFolder`
        # and logs nothing; the chief's MLflow run holds the job (the workers'
        # synchronised epochs log the same metrics).
        return _train(dataset, synthetic, cfg, out, verbose, callbacks)
    if mlflow_uri is None:
        out.mkdir(parents=True, exist_ok=True)
        return _train(dataset, synthetic, cfg, out, verbose, callbacks)
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
    if (out / COMPLETE).exists():  # overwriting a finished run: a new MLflow run, too
        (out / TRACKING_FILE).unlink(missing_ok=True)
    with tracker:
        callbacks = (*callbacks, tracker.keras_callback(per_training=bool(cfg.folds)))
        run = _train(dataset, synthetic, cfg, out, verbose, callbacks)
        tracker.log_run_folder(out)
    return run


COLUMN_OPTIONS = ("text", "label", "sep")


def _record_source(cfg, dataset, names=None):
    """Records in `cfg` how the training rows were read: their columns, detected ones too.

    So that `evaluate --data`, `ensemble` and `train --config` read files as
    training did (auto-detection could pick other columns in another file)
    rather than what `config.json` left unset. For a `TextDataset` read from
    a file, the file is recorded too, when the dataset is all of it (not a
    split of it). `names`: only these options (default: all that were read).
    """
    options = dict(dataset.read_options or {})
    whole_file = options.pop("rows", None) == len(dataset)  # not a subset of the file
    if dataset.path is not None and cfg.data is None and whole_file:
        cfg.data = str(dataset.path)
    for name, value in options.items():
        if (names is None or name in names) and getattr(cfg, name) in (None, "auto"):
            setattr(cfg, name, value)


def read_validation_rows(cfg, train_set):
    """Reads `cfg.val_data`, refusing rows of a class that `train_set` lacks.

    The file is read with the training rows' columns (given or detected:
    `train` records them in `cfg`), and its own format, detected.

    Such a class cannot be learnt: its rows are refused naming file, line and
    field (or, with `cfg.skip_bad_rows`, dropped and counted), as `evaluate`
    does with a class the model never saw.
    """
    return drop_unknown_labels(
        read_dataset(cfg, cfg.val_data),
        train_set.vocabulary(),
        skip_bad_rows=bool(cfg.skip_bad_rows),
        field=cfg.label or "label",
    )


def training_rows(dataset, synthetic, cfg):
    """`(train_set, val_set)` for one run of `cfg` (`val_set` None: fit on every row)."""
    if cfg.val_data:
        train_set, val_set = dataset, read_validation_rows(cfg, dataset)
    elif _refits(cfg):  # fit on every row; report out-of-fold scores
        train_set, val_set = dataset, None
    else:
        train_set, val_set = train_val_split(dataset, cfg.val_split, seed=cfg.seed)
    if synthetic is not None:
        train_set = train_set.concat(synthetic)
    return train_set, val_set


def _train(dataset, synthetic, cfg, out, verbose, callbacks):
    if cfg.folds:
        from genreclf.training.cross_validation import cross_validate

        return cross_validate(dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks)
    if joins_finetuned_member(cfg):
        return train_with_finetuned_member(
            dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks
        )
    train_set, val_set = training_rows(dataset, synthetic, cfg)
    return train_on_rows(train_set, val_set, cfg, out, verbose=verbose, callbacks=callbacks)


def train_on_rows(train_set, val_set, cfg, out, verbose=1, callbacks=()):
    """Fits `cfg` on `training_rows`' split and writes the run folder `out` (and its report).

    Returns the `Run`, or None on a multi-worker job's other workers (`train`).
    """
    from genreclf.explaining.report_examples import add_to_run_report

    vocabulary = (train_set if val_set is None else train_set.concat(val_set)).vocabulary()
    fit_run(train_set, val_set, vocabulary, cfg, out, verbose=verbose, callbacks=callbacks)
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


def _refits(cfg):
    """Whether the run trains on every row (families that fit themselves, by default)."""
    if cfg.refit == AUTO:
        return fits_itself(cfg)
    if cfg.refit and not fits_itself(cfg):
        raise ConfigError(
            f"--refit trains on every row and needs a family that fits itself (ngram with "
            f"solver='lbfgs', stack). Received: model={cfg.model!r} with "
            f"model_config={cfg.model_config}. Drop --refit, or use --val-data for a fixed split."
        )
    return bool(cfg.refit)
