"""`train`: from a file (or a `TextDataset`) to a finished run folder."""

import logging
import math
import pathlib
import shutil

import numpy as np

from genreclf.data import TextDataset
from genreclf.data import class_weights
from genreclf.data import load_dataset
from genreclf.data import make_tf_dataset
from genreclf.data import oversample
from genreclf.data import sample_weights
from genreclf.data import train_val_split
from genreclf.errors import ConfigError
from genreclf.run import CONFIG
from genreclf.run import FINGERPRINT
from genreclf.run import LABELS
from genreclf.run import MODEL
from genreclf.run import THRESHOLDS
from genreclf.run import Run
from genreclf.run import write_json
from genreclf.training import distribute
from genreclf.training.config import TrainConfig

logger = logging.getLogger("genreclf.training")


def make_config(data=None, config=None, **overrides):
    """Merges a config (object, dict or JSON path), `data` and keyword overrides."""
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
    if data is not None and not isinstance(data, TextDataset):
        values["data"] = str(data)
    return TrainConfig.from_dict(values)


def read_dataset(cfg, path=None):
    """Loads `path` (default: `cfg.data`) with the reading options of `cfg`."""
    return load_dataset(
        path or cfg.data,
        text=cfg.text,
        label=cfg.label,
        format=cfg.format,
        multi_label=cfg.multi_label,
        sep=cfg.sep,
        features=tuple(cfg.features),
        categorical=tuple(cfg.categorical),
        skip_bad_rows=cfg.skip_bad_rows,
    )


def read_augment_rows(path, multi_label):
    """Reads `augment`'s JSONL output; every row is marked `synthetic`."""
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
    return rows


def train(data=None, *, out=None, config=None, verbose=1, callbacks=(), **kwargs):
    """Trains a classifier and writes a run folder.

    Args:
        data: a file path (CSV/TSV/JSONL/Parquet, Kaggle `:::` lines, aclImdb
            folder or `.tar.gz`) or a `TextDataset`.
        out: the run folder (default `runs/<model>`). Rerunning the same call
            after a crash resumes from the last finished epoch.
        config: a `TrainConfig`, a dict, or the path of a `config.json`.
        verbose: Keras verbosity (1: progress bar, 0: silent).
        callbacks: extra Keras callbacks.
        **kwargs: any `TrainConfig` field, e.g. `model="bilstm"`, `epochs=10`,
            `text="overview"`, `label="genres"`, `multi_label=True`, `sep="|"`,
            `folds=5`, `augment="aug.jsonl"`, `model_config={"lstm_units": 32}`.

    Returns:
        The finished `Run`.

    Example:

    >>> import genreclf
    >>> run = genreclf.train(genreclf.sample_path(), label="genre", model="ngram",
    ...                      epochs=2, out="runs/doc")  # doctest: +SKIP
    >>> run.metrics["macro_f1"]  # doctest: +SKIP
    """
    cfg = make_config(data, config, **kwargs)
    distribute.make_strategy(cfg.strategy)  # before any TensorFlow op (multi-worker needs it)
    dataset = data if isinstance(data, TextDataset) else None
    if dataset is None:
        if cfg.data is None:
            raise ConfigError(
                "No training data. Pass a file path or a TextDataset as `data` "
                "(or `--data`/a positional path on the command line)."
            )
        dataset = read_dataset(cfg)
    else:
        cfg.multi_label = dataset.multi_label
    if cfg.multi_label is None:
        cfg.multi_label = dataset.multi_label
    synthetic = read_augment_rows(cfg.augment, dataset.multi_label) if cfg.augment else None
    out = pathlib.Path(out or f"runs/{cfg.model}")
    out.mkdir(parents=True, exist_ok=True)
    if cfg.folds:
        from genreclf.training.cross_validation import cross_validate

        return cross_validate(dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks)
    if cfg.val_data:
        train_set, val_set = dataset, read_dataset(cfg, cfg.val_data)
    else:
        train_set, val_set = train_val_split(dataset, cfg.val_split, seed=cfg.seed)
    if synthetic is not None:
        train_set = train_set.concat(synthetic)
    vocabulary = train_set.concat(val_set).vocabulary()
    fit_run(train_set, val_set, vocabulary, cfg, out, verbose=verbose, callbacks=callbacks)
    return Run(out)


def _model_config(cfg):
    from genreclf.models import resolve_config
    from genreclf.models.registry import family_parameters

    model_config = dict(cfg.model_config or {})
    if cfg.max_length and "max_length" in family_parameters(cfg.model):
        model_config.setdefault("max_length", cfg.max_length)
    return resolve_config(cfg.model, model_config)


def _sample_weights(train_set, targets, cfg):
    if not cfg.class_weight:
        return None, None
    weights = class_weights(targets, multi_label=train_set.multi_label)
    if train_set.multi_label:
        return None, weights  # goes into the loss as per-class positive weights
    return sample_weights(targets, weights), None


def _inputs(dataset):
    import tensorflow as tf

    inputs = {"text": tf.constant(dataset.texts, dtype=tf.string)}
    for name, values in (dataset.features or {}).items():
        inputs[name] = values
    return inputs


def fit_run(train_set, val_set, vocabulary, cfg, out, *, verbose=1, callbacks=()):
    """Fits one model on `train_set`, validates on `val_set`, writes run folder `out`.

    With `cfg.strategy` it all runs in the strategy's scope, and only the
    chief writes `out` (see `genreclf.training.distribute`).

    Returns the validation report (the run's `metrics.json`).
    """
    strategy = distribute.make_strategy(cfg.strategy)
    with distribute.WorkerFolder(out, strategy) as folder, distribute.scope(strategy):
        return _fit_run(train_set, val_set, vocabulary, cfg, folder, strategy,
                        verbose=verbose, callbacks=callbacks)


def _fit_run(train_set, val_set, vocabulary, cfg, out, strategy, *, verbose=1, callbacks=()):
    import keras

    from genreclf.metrics import MacroF1
    from genreclf.metrics import MacroPrecision
    from genreclf.metrics import MacroRecall
    from genreclf.metrics import MicroF1
    from genreclf.metrics import WeightedF1
    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds
    from genreclf.metrics import write_report
    from genreclf.models import build_model
    from genreclf.training.callbacks import BACKUP_DIR
    from genreclf.training.callbacks import BEST_WEIGHTS
    from genreclf.training.callbacks import make_callbacks
    from genreclf.training.losses import make_loss
    from genreclf.training.optimizers import make_optimizer
    from genreclf.training.schedules import make_schedule
    from genreclf.training.tuned_f1 import TunedThresholdF1

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if len(train_set) == 0 or len(val_set) == 0:
        raise ConfigError(
            f"Training needs rows in both splits. Received: {len(train_set)} training "
            f"and {len(val_set)} validation rows. Provide more data or a --val-data file."
        )
    resuming = (out / BACKUP_DIR).exists()
    if not resuming:
        for stale in ("history.csv", BEST_WEIGHTS):
            (out / stale).unlink(missing_ok=True)
    cfg.to_json(out / CONFIG)
    vocabulary.save(out / LABELS)
    keras.utils.set_random_seed(cfg.seed)

    if cfg.oversample:
        train_set = oversample(train_set, vocabulary, seed=cfg.seed)
    train_targets = train_set.targets(vocabulary)
    val_targets = val_set.targets(vocabulary)
    sample_weights, pos_weight = _sample_weights(train_set, train_targets, cfg)
    num_classes, multi_label = vocabulary.num_classes, vocabulary.multi_label

    model = build_model(
        cfg.model,
        num_classes,
        multi_label=multi_label,
        train_texts=train_set.texts,
        train_features=train_set.features,
        **_model_config(cfg),
    )
    steps = max(1, math.ceil(len(train_set) / cfg.batch_size))
    monitor = TunedThresholdF1.monitor if multi_label else "val_macro_f1"
    learning_rate, schedule_callbacks = make_schedule(
        cfg.resolved("schedule"),
        cfg.resolved("lr"),
        steps_per_epoch=steps,
        epochs=cfg.epochs,
        warmup_epochs=cfg.warmup_epochs,
        monitor=monitor,
    )
    metric_args = {"num_classes": num_classes, "multi_label": multi_label}
    model.compile(
        optimizer=make_optimizer(learning_rate, cfg.resolved("weight_decay")),
        loss=make_loss(multi_label, pos_weight, cfg.label_smoothing),
        metrics=[
            MacroF1(**metric_args),
            MicroF1(**metric_args),
            WeightedF1(**metric_args),
            MacroPrecision(**metric_args),
            MacroRecall(**metric_args),
        ],
    )
    distribute.prepare_model(model, strategy)
    train_data = make_tf_dataset(
        train_set,
        vocabulary,
        batch_size=cfg.batch_size,
        shuffle=True,
        seed=cfg.seed,
        sample_weights=sample_weights,
    )
    val_data = make_tf_dataset(val_set, vocabulary, batch_size=cfg.batch_size)
    train_data = distribute.shard(train_data, strategy)  # each worker its share of batches
    val_data = distribute.shard(val_data, strategy, "OFF")  # each worker validates on all rows
    model.fit(
        train_data,
        validation_data=val_data,
        epochs=cfg.epochs,
        callbacks=make_callbacks(
            out,
            monitor=monitor,
            patience=cfg.patience,
            start_from_epoch=cfg.warmup_epochs + 1,
            first=[TunedThresholdF1(_inputs(val_set), val_targets)] if multi_label else [],
            extra=[*schedule_callbacks, *callbacks],
        ),
        shuffle=False,  # the tf.data pipeline shuffles every epoch
        verbose=verbose,
    )
    if (out / BEST_WEIGHTS).exists():
        model.load_weights(out / BEST_WEIGHTS)
    model.save(out / MODEL)

    scores = np.asarray(model.predict(_inputs(val_set), batch_size=256, verbose=0))
    thresholds = tune_thresholds(val_targets, scores) if multi_label else None
    report = classification_report(val_targets, scores, vocabulary, thresholds=thresholds)
    report["num_train"] = len(train_set)
    report["num_synthetic"] = int(train_set.is_synthetic().sum())
    write_report(report, out, title=f"{cfg.model} on {cfg.data or 'a TextDataset'}")
    write_json(
        out / THRESHOLDS,
        {"thresholds": [float(t) for t in (thresholds if thresholds is not None else np.full(num_classes, 0.5))]},
    )
    write_json(out / FINGERPRINT, _fingerprint(cfg, train_set, val_set))
    shutil.rmtree(out / BACKUP_DIR, ignore_errors=True)
    return report


def _fingerprint(cfg, train_set, val_set):
    import hashlib

    file_hash = None
    if cfg.data and pathlib.Path(cfg.data).is_file():
        digest = hashlib.sha256()
        with open(cfg.data, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        file_hash = digest.hexdigest()
    return {
        "data": cfg.data,
        "data_sha256": file_hash,
        "train_sha256": train_set.fingerprint(),
        "val_sha256": val_set.fingerprint(),
        "split_seed": cfg.seed,
        "val_split": cfg.val_split,
        "num_train": len(train_set),
        "num_val": len(val_set),
        "num_synthetic": int(train_set.is_synthetic().sum()),
    }
