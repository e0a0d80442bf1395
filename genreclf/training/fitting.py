"""`fit_run`: one model fitted on a training split, validated, written as a run folder.

`genreclf.training.trainer.train` (one run) and
`genreclf.training.cross_validation.cross_validate` (one run per fold) both
call it: a family that fits itself (`Family.fit`) is fitted by its solver,
any other by the Keras recipe (`genreclf.training.recipe`).
"""

import logging
import pathlib
import shutil

import numpy as np

from genreclf.data import oversample
from genreclf.errors import ConfigError
from genreclf.errors import GenreclfError
from genreclf.errors import RunFolderError
from genreclf.json_files import write_json
from genreclf.run_files import CONFIG
from genreclf.run_files import FINGERPRINT
from genreclf.run_files import LABELS
from genreclf.run_files import MODEL
from genreclf.run_files import OUT_OF_FOLD
from genreclf.run_files import THRESHOLDS
from genreclf.run_files import row_keys
from genreclf.run_files import write_out_of_fold
from genreclf.run_files import write_thresholds
from genreclf.run_files import write_training_rows
from genreclf.training import distribute
from genreclf.training.family_options import check_family_options
from genreclf.training.finished_runs import RESUME
from genreclf.training.finished_runs import recipe_version
from genreclf.training.finished_runs import resumes
from genreclf.training.worker_agreement import all_agree

# Folds of the out-of-fold scores that families fitting themselves report and
# choose thresholds on.
OUT_OF_FOLD_FOLDS = 5
# The trained weights, kept from the end of the fit until the run folder is
# written, so that a kill in between resumes at the writing.
FITTED_WEIGHTS = "fitted.weights.h5"

logger = logging.getLogger("genreclf.training")


def fits_itself(cfg):
    """Whether `cfg`'s family fits itself (`Family.fit`) rather than by the Keras recipe."""
    from genreclf.models import get_family

    return get_family(cfg.model).fits_itself(model_config(cfg))


def model_config(cfg):
    """`cfg`'s model configuration over the family defaults (with `max_length`)."""
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


def fit_run(
    train_set, val_set, vocabulary, cfg, out, *, verbose=1, callbacks=(), unfinished=RESUME
):
    """Fits one model on `train_set`, validates on `val_set`, writes run folder `out`.

    With `cfg.strategy` it all runs in the strategy's scope, and only the
    chief writes `out` (see `genreclf.training.distribute`). A second run on
    the same folder is refused while this one holds it (`output_lock`).

    An unfinished run in `out` resumes with the same settings and rows, and is
    refused with others; `unfinished` says otherwise (`finished_runs.resumes`).

    Returns the validation report (the run's `metrics.json`).
    """
    from genreclf.output_lock import output_lock

    strategy = distribute.make_strategy(cfg.strategy)
    with (
        distribute.WorkerFolder(out, strategy) as folder,
        output_lock(folder, "genreclf train"),
        distribute.scope(strategy),
    ):
        return _fit_run(
            train_set,
            val_set,
            vocabulary,
            cfg,
            folder,
            strategy,
            verbose=verbose,
            callbacks=callbacks,
            unfinished=unfinished,
        )


def _fit_run(
    train_set,
    val_set,
    vocabulary,
    cfg,
    out,
    strategy,
    *,
    verbose=1,
    callbacks=(),
    unfinished=RESUME,
):
    import keras

    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds
    from genreclf.metrics import write_report
    from genreclf.metrics.calibration_report import layer_calibration_section
    from genreclf.models import build_model
    from genreclf.models import get_family
    from genreclf.training.abstention import add_cascade
    from genreclf.training.abstention import one_vs_all_vocabulary
    from genreclf.training.backup_folder import save_weights_whole
    from genreclf.training.calibration import check_choice
    from genreclf.training.callbacks import BACKUP_DIR
    from genreclf.training.callbacks import BEST_WEIGHTS
    from genreclf.training.optimizers import check_ema

    check_choice(cfg.calibration)  # before the fit, not after it
    check_ema(cfg.resolved("ema"))
    check_family_options(cfg)  # before the run folder gets a file
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if len(train_set) == 0 or (val_set is not None and len(val_set) == 0):
        raise ConfigError(
            f"Training needs rows in both splits. Received: {len(train_set)} training "
            f"and {0 if val_set is None else len(val_set)} validation rows. Provide more "
            "data or a --val-data file."
        )
    # Resuming: a backup (killed while training) or the fitted weights (killed
    # while writing the run folder: the training is not paid twice), kept only
    # for the settings and rows they were trained with.
    started = (BACKUP_DIR, FITTED_WEIGHTS)
    try:
        resuming = resumes(
            out, cfg, train_set, val_set, unfinished, started=started, labels=vocabulary.labels
        )
    except GenreclfError:
        all_agree(strategy, False)  # the other workers stop too, not wait in a collective
        raise
    if not all_agree(strategy, True):
        raise RunFolderError(
            f"Another worker of this multi-worker job was refused its unfinished run (its "
            f"log says which settings changed), so this one stops too ({out}). Rerun every "
            "worker with the settings the run started with, or with --overwrite."
        )
    if not resuming:
        for stale in ("history.csv", BEST_WEIGHTS, OUT_OF_FOLD, THRESHOLDS):
            (out / stale).unlink(missing_ok=True)
    # First: what a rerun checks, and the mark that the folder holds a run (`foreign_files`).
    write_json(out / FINGERPRINT, _fingerprint(cfg, train_set, val_set))
    cfg.to_json(out / CONFIG)
    vocabulary.save(out / LABELS)
    keras.utils.set_random_seed(cfg.seed)

    run_vocabulary = vocabulary  # labels.json's; with --abstain, trained one-vs-all:
    vocabulary = one_vs_all_vocabulary(cfg, vocabulary)
    num_classes, multi_label = vocabulary.num_classes, vocabulary.multi_label
    config = model_config(cfg)
    family = get_family(cfg.model)
    if cfg.oversample:
        train_set = oversample(train_set, vocabulary, seed=cfg.seed)
    model = build_model(
        cfg.model,
        num_classes,
        multi_label=multi_label,
        train_texts=train_set.texts,
        train_features=train_set.features,
        **config,
    )
    if family.fits_itself(config):
        fitted = family.fit(
            model,
            train_set,
            vocabulary,
            config,
            folds=OUT_OF_FOLD_FOLDS,
            seed=cfg.seed,
            class_weight=cfg.class_weight,
            verbose=verbose,
        )
    else:
        if val_set is None:
            raise ConfigError(
                f"The {cfg.model!r} family trains with a validation split. Received: "
                "no validation rows. Drop --refit, or pass --val-data."
            )
        if (out / FITTED_WEIGHTS).exists():
            model.load_weights(out / FITTED_WEIGHTS)
            if verbose:
                print(f"training had finished in {out}: writing the run folder", flush=True)
        else:
            _keras_fit(
                model,
                train_set,
                val_set,
                vocabulary,
                cfg,
                out,
                strategy,
                verbose=verbose,
                callbacks=callbacks,
            )
            save_weights_whole(model, out / FITTED_WEIGHTS)  # each worker in its own folder
        fitted = {}

    thresholds = fitted.get("thresholds")
    out_of_fold = f"{OUT_OF_FOLD_FOLDS}-fold out-of-fold scores of the training rows"
    if val_set is None:  # trained on every row: report its out-of-fold scores
        mask = fitted["oof_mask"]
        report_set = train_set.subset(np.flatnonzero(mask))
        scores = fitted["oof_scores"][mask]
        evaluated_on = out_of_fold
    else:
        report_set = val_set
        scores = np.asarray(model.predict(_inputs(val_set), batch_size=256, verbose=0))
        evaluated_on = "the validation split" if not cfg.val_data else cfg.val_data
        if multi_label and thresholds is None:
            thresholds = tune_thresholds(val_set.targets(vocabulary), scores)
    if not multi_label:
        thresholds = None
    targets = report_set.targets(vocabulary)
    model, calibration = calibrate(
        model, cfg, fitted, train_set, vocabulary, scores, targets, evaluated_on, out, thresholds
    )
    model.save(out / MODEL)
    report_scores = scores
    if calibration is not None:
        report_scores = calibration.apply(scores)
        if thresholds is not None:
            thresholds = calibration.map_thresholds(thresholds)
    report = classification_report(targets, report_scores, vocabulary, thresholds=thresholds)
    report["calibration"] = layer_calibration_section(
        targets,
        scores,
        report_scores,
        calibration,
        multi_label=multi_label,
        fitted_on=None if calibration is None else _fitted_on(fitted, evaluated_on),
    )
    if vocabulary is not run_vocabulary:  # --abstain: the cascade ends the graph
        model, abstention = add_cascade(model, run_vocabulary, targets, report_scores, thresholds)
        model.save(out / MODEL)  # again, with the cascade (the saved one had none)
        report.update(classification_report(targets, report_scores, run_vocabulary))
        report["abstention"] = abstention
    elif val_set is None:  # what `genreclf ensemble` weighs this run on
        write_out_of_fold(out, report_scores, targets, report_set.row_digests())
    if fitted.get("choices"):
        report["fitted"] = fitted["choices"]  # what a self-fitting family chose out of fold
    report["num_train"] = len(train_set)
    report["num_synthetic"] = int(train_set.is_synthetic().sum())
    report["evaluated_on"] = evaluated_on
    write_report(report, out, title=f"{cfg.model} on {cfg.data or 'a TextDataset'}")
    write_training_rows(out, row_keys(train_set.texts))  # what evaluate warns about
    write_thresholds(out, thresholds, num_classes)  # last: the run is complete
    shutil.rmtree(out / BACKUP_DIR, ignore_errors=True)
    (out / FITTED_WEIGHTS).unlink(missing_ok=True)
    return report


def _fitted_on(fitted, evaluated_on):
    if fitted.get("oof_scores") is not None:
        return f"the {OUT_OF_FOLD_FOLDS}-fold out-of-fold scores of the training rows"
    return evaluated_on


def calibrate(
    model, cfg, fitted, train_set, vocabulary, val_scores, val_targets, val_name, out, thresholds
):
    """Fits `cfg.calibration` on held-out scores; returns `(model, layer or None)`.

    Families that fit themselves calibrate on their out-of-fold scores, the
    others on the validation split's. The returned model ends in the
    calibration layer; the run folder gets `calibration.json` (with the
    multi-label thresholds on raw scores, `thresholds.json` holding them on
    calibrated ones).
    """
    from genreclf.models.calibrated_scores import with_calibration
    from genreclf.training.calibration import CALIBRATION_FILE
    from genreclf.training.calibration import describe
    from genreclf.training.calibration import fit_calibration

    if fitted.get("oof_scores") is not None:
        mask = fitted["oof_mask"]
        held_out = fitted["oof_scores"][mask]
        targets = train_set.targets(vocabulary)[mask]
    else:
        held_out, targets = val_scores, val_targets
    layer = fit_calibration(held_out, targets, vocabulary.multi_label, cfg.calibration)
    info = describe(layer, _fitted_on(fitted, val_name))
    if layer is not None and thresholds is not None:
        info["raw_thresholds"] = [float(t) for t in thresholds]
    write_json(out / CALIBRATION_FILE, info)
    if layer is None:
        return model, None
    return with_calibration(model, layer), layer


def _keras_fit(
    model, train_set, val_set, vocabulary, cfg, out, strategy, *, verbose=1, callbacks=()
):
    """genreclf's Keras recipe (`training.recipe`): compile, fit, restore the best weights."""
    from genreclf.training.callbacks import BEST_WEIGHTS
    from genreclf.training.recipe import Recipe

    recipe = Recipe(cfg, train_set, vocabulary, monitor=cfg.monitor)  # a search's objective
    recipe.compile(model)
    recipe.fit(model, val_set, out=out, strategy=strategy, callbacks=callbacks, verbose=verbose)
    if (out / BEST_WEIGHTS).exists():
        model.load_weights(out / BEST_WEIGHTS)


def _fingerprint(cfg, train_set, val_set):
    import hashlib

    from genreclf.path_arguments import expand_home

    file_hash = None
    data = expand_home(cfg.data) if isinstance(cfg.data, str) else cfg.data
    if data and pathlib.Path(data).is_file():
        with open(data, "rb") as f:
            file_hash = hashlib.file_digest(f, "sha256").hexdigest()
    return {
        "data": data,
        "data_sha256": file_hash,
        "train_sha256": train_set.fingerprint(),
        "val_sha256": None if val_set is None else val_set.fingerprint(),
        "split_seed": cfg.seed,
        "val_split": cfg.val_split,
        "num_train": len(train_set),
        "num_val": 0 if val_set is None else len(val_set),
        "num_synthetic": int(train_set.is_synthetic().sum()),
        "recipe_version": recipe_version(cfg.model, cfg.model_config),
    }
