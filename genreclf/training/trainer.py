"""`train`: from a file (or a `TextDataset`) to a finished run folder."""

import logging
import pathlib
import shutil

import numpy as np

from genreclf.data import TextDataset
from genreclf.data import load_dataset
from genreclf.data import oversample
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
from genreclf.training.config import AUTO
from genreclf.training.config import TrainConfig

logger = logging.getLogger("genreclf.training")

# Folds of the out-of-fold scores that families fitting themselves report and
# choose thresholds on.
OUT_OF_FOLD_FOLDS = 5


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
    synthetic = None
    if cfg.augment:
        synthetic = read_augment_rows(cfg.augment, dataset.multi_label, dataset.label_counts())
    if cfg.model == AUTO:
        choose_auto_model(cfg, dataset, verbose=verbose)
    out = pathlib.Path(out or f"runs/{cfg.model}")
    out.mkdir(parents=True, exist_ok=True)
    if cfg.folds:
        from genreclf.training.cross_validation import cross_validate

        return cross_validate(dataset, synthetic, cfg, out, verbose=verbose, callbacks=callbacks)
    if cfg.val_data:
        train_set, val_set = dataset, read_dataset(cfg, cfg.val_data)
    elif _refits(cfg):  # fit on every row; report out-of-fold scores
        train_set, val_set = dataset, None
    else:
        train_set, val_set = train_val_split(dataset, cfg.val_split, seed=cfg.seed)
    if synthetic is not None:
        train_set = train_set.concat(synthetic)
    vocabulary = (train_set if val_set is None else train_set.concat(val_set)).vocabulary()
    fit_run(train_set, val_set, vocabulary, cfg, out, verbose=verbose, callbacks=callbacks)
    return Run(out)


def choose_auto_model(cfg, dataset, verbose=1):
    """Resolves `model="auto"` in `cfg` for `dataset`, prints and records why."""
    from genreclf.models.auto import choose_model

    choice = choose_model(len(dataset), multi_label=dataset.multi_label)
    cfg.model = choice.family
    cfg.model_config = {**choice.config, **(cfg.model_config or {})}
    cfg.model_choice = {"requested": AUTO, "chosen": choice.family, "reason": choice.reason}
    if verbose:
        print(f"model: auto → {choice.family} ({len(dataset):,} rows, {choice.hardware}): "
              f"{choice.reason}", flush=True)
    return choice


def _fits_itself(cfg):
    from genreclf.models import get_family

    return get_family(cfg.model).fits_itself(_model_config(cfg))


def _refits(cfg):
    """Whether the run trains on every row (families that fit themselves, by default)."""
    if cfg.refit == AUTO:
        return _fits_itself(cfg)
    if cfg.refit and not _fits_itself(cfg):
        raise ConfigError(
            f"--refit trains on every row and needs a family that fits itself (ngram with "
            f"solver='lbfgs', stack). Received: model={cfg.model!r} with "
            f"model_config={cfg.model_config}. Drop --refit, or use --val-data for a fixed split."
        )
    return bool(cfg.refit)


def _model_config(cfg):
    from genreclf.models import resolve_config
    from genreclf.models.registry import family_parameters

    model_config = dict(cfg.model_config or {})
    if cfg.max_length and "max_length" in family_parameters(cfg.model):
        model_config.setdefault("max_length", cfg.max_length)
    return resolve_config(cfg.model, model_config)


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

    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds
    from genreclf.metrics import write_report
    from genreclf.models import build_model
    from genreclf.models import get_family
    from genreclf.training.callbacks import BACKUP_DIR
    from genreclf.training.callbacks import BEST_WEIGHTS

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if len(train_set) == 0 or (val_set is not None and len(val_set) == 0):
        raise ConfigError(
            f"Training needs rows in both splits. Received: {len(train_set)} training "
            f"and {0 if val_set is None else len(val_set)} validation rows. Provide more "
            "data or a --val-data file."
        )
    resuming = (out / BACKUP_DIR).exists()
    if not resuming:
        for stale in ("history.csv", BEST_WEIGHTS):
            (out / stale).unlink(missing_ok=True)
    cfg.to_json(out / CONFIG)
    vocabulary.save(out / LABELS)
    keras.utils.set_random_seed(cfg.seed)

    num_classes, multi_label = vocabulary.num_classes, vocabulary.multi_label
    model_config = _model_config(cfg)
    family = get_family(cfg.model)
    if cfg.oversample and family.fits_itself(model_config):
        raise ConfigError(
            f"--oversample duplicates rows, and a duplicate on both sides of an out-of-fold "
            f"split overstates the scores that {cfg.model!r} chooses its thresholds on. "
            "Received: oversample=True. Drop --oversample: the convex fit already weights "
            "classes (balanced; --no-class-weight turns that off)."
        )
    if cfg.oversample:
        train_set = oversample(train_set, vocabulary, seed=cfg.seed)
    model = build_model(
        cfg.model,
        num_classes,
        multi_label=multi_label,
        train_texts=train_set.texts,
        train_features=train_set.features,
        **model_config,
    )
    if family.fits_itself(model_config):
        fitted = family.fit(model, train_set, vocabulary, model_config, folds=OUT_OF_FOLD_FOLDS,
                            seed=cfg.seed, class_weight=cfg.class_weight, verbose=verbose)
    else:
        if val_set is None:
            raise ConfigError(
                f"The {cfg.model!r} family trains with a validation split. Received: "
                "no validation rows. Drop --refit, or pass --val-data."
            )
        _keras_fit(model, train_set, val_set, vocabulary, cfg, out, strategy,
                   verbose=verbose, callbacks=callbacks)
        fitted = {}
    model.save(out / MODEL)

    thresholds = fitted.get("thresholds")
    if val_set is None:  # trained on every row: report its out-of-fold scores
        mask = fitted["oof_mask"]
        report_set = train_set.subset(np.flatnonzero(mask))
        scores = fitted["oof_scores"][mask]
        evaluated_on = f"{OUT_OF_FOLD_FOLDS}-fold out-of-fold scores of the training rows"
    else:
        report_set = val_set
        scores = np.asarray(model.predict(_inputs(val_set), batch_size=256, verbose=0))
        evaluated_on = "the validation split" if not cfg.val_data else cfg.val_data
        if multi_label and thresholds is None:
            thresholds = tune_thresholds(val_set.targets(vocabulary), scores)
    if not multi_label:
        thresholds = None
    report = classification_report(report_set.targets(vocabulary), scores, vocabulary, thresholds=thresholds)
    report["num_train"] = len(train_set)
    report["num_synthetic"] = int(train_set.is_synthetic().sum())
    report["evaluated_on"] = evaluated_on
    write_report(report, out, title=f"{cfg.model} on {cfg.data or 'a TextDataset'}")
    write_json(
        out / THRESHOLDS,
        {"thresholds": [float(t) for t in (thresholds if thresholds is not None else np.full(num_classes, 0.5))]},
    )
    write_json(out / FINGERPRINT, _fingerprint(cfg, train_set, val_set))
    shutil.rmtree(out / BACKUP_DIR, ignore_errors=True)
    return report


def _keras_fit(model, train_set, val_set, vocabulary, cfg, out, strategy, *, verbose=1, callbacks=()):
    """genreclf's Keras recipe (`training.recipe`): compile, fit, restore the best weights."""
    from genreclf.training.callbacks import BEST_WEIGHTS
    from genreclf.training.recipe import Recipe

    recipe = Recipe(cfg, train_set, vocabulary)
    recipe.compile(model)
    recipe.fit(model, val_set, out=out, strategy=strategy, callbacks=callbacks, verbose=verbose)
    if (out / BEST_WEIGHTS).exists():
        model.load_weights(out / BEST_WEIGHTS)


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
        "val_sha256": None if val_set is None else val_set.fingerprint(),
        "split_seed": cfg.seed,
        "val_split": cfg.val_split,
        "num_train": len(train_set),
        "num_val": 0 if val_set is None else len(val_set),
        "num_synthetic": int(train_set.is_synthetic().sum()),
    }
