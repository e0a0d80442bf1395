"""`cross_validate`: k-fold training with mean ± std of every metric."""

import functools
import pathlib
import shutil

import numpy as np

from genreclf.data import kfold_indices
from genreclf.json_files import write_json
from genreclf.output_lock import output_lock
from genreclf.run import Run
from genreclf.run_files import COMPLETE
from genreclf.training.finished_runs import finished_run
from genreclf.training.finished_runs import unmark_finished
from genreclf.training.worker_agreement import chief_decides

SCALARS = (
    "accuracy",
    "macro_f1",
    "micro_f1",
    "weighted_f1",
    "macro_precision",
    "macro_recall",
    "rare_macro_f1",
)
_BEST_FILES = (
    "model.keras",
    "training_rows.npz",
    "labels.json",
    "calibration.json",
    "confusion.png",
)


def summarize_folds(reports):
    """Mean and standard deviation of each scalar metric over fold reports.

    Example:

    >>> summarize_folds([{"macro_f1": 0.5}, {"macro_f1": 0.7}])["macro_f1"]
    {'mean': 0.6, 'std': 0.1}
    """
    summary = {}
    for name in SCALARS:
        values = [r[name] for r in reports if r.get(name) is not None]
        if values:
            summary[name] = {
                "mean": round(float(np.mean(values)), 6),
                "std": round(float(np.std(values)), 6),
            }
    return summary


def cross_validate(dataset, synthetic, cfg, out, *, verbose=1, callbacks=()):
    """Trains `cfg.folds` models on stratified folds of `dataset`.

    Synthetic rows join every training part and never a held-out part. Each
    fold is a run folder under `out/folds/fold_<i>`; `out` itself receives the
    model of the fold with the best validation macro-F1, and `metrics.json`
    gains `"cross_validation"`: per-fold metrics and their mean ± std.

    Returns:
        The `Run` at `out`; None on a multi-worker job's other workers, which
        train every fold beside the chief and leave `out` to it.
    """
    from genreclf.training import distribute

    out = pathlib.Path(out)
    strategy = distribute.make_strategy(cfg.strategy)
    folds = kfold_indices(dataset, k=cfg.folds, seed=cfg.seed)
    train_folds = functools.partial(
        _fold_reports, dataset, synthetic, cfg, out, folds, strategy, verbose, callbacks
    )
    if not distribute.is_chief(strategy):
        train_folds()  # every fold, beside the chief, into folders of its own
        return None
    # The chief holds `out` while it keeps or trains each fold (`train` holds it
    # already: the lock is re-entrant).
    with output_lock(out, "cross-validation"):
        unmark_finished(out)  # until the best fold's files are all in
        return _write_best_fold(out, cfg, len(folds), train_folds())


def _fold_reports(dataset, synthetic, cfg, out, folds, strategy, verbose, callbacks):
    """Each fold's report: kept if it finished with these settings and rows, else trained."""
    from genreclf.training.finished_runs import RETRAIN
    from genreclf.training.fitting import fit_run

    vocabulary = (
        dataset.vocabulary() if synthetic is None else dataset.concat(synthetic).vocabulary()
    )
    reports = []
    for i, (train_idx, val_idx) in enumerate(folds):
        train_set = dataset.subset(train_idx)
        if synthetic is not None:
            train_set = train_set.concat(synthetic)
        fold_dir = out / "folds" / f"fold_{i}"
        val_set = dataset.subset(val_idx)
        kept = finished_run(fold_dir, cfg, train_set, val_set)
        # Named as its folder is, with its 1-based place after it: `fold_0 (1 of 5)`.
        name = f"{fold_dir.name} ({i + 1} of {len(folds)})"
        # The chief decides for every worker: another worker's disk may not hold its folds.
        if chief_decides(strategy, kept is not None):
            if kept is not None:  # None on the other workers, whose reports are not used
                reports.append(kept.metrics)
            if verbose:  # a worker whose disk lacks the fold says whose it is
                why = "finished before; kept" if kept is not None else "kept by the chief"
                print(f"{name}: {why}")
            continue
        if verbose:
            print(f"{name}: {len(train_idx)} train, {len(val_idx)} validation")
        reports.append(
            fit_run(  # a fold left unfinished by other settings is retrained, as a finished one
                train_set,
                val_set,
                vocabulary,
                cfg,
                fold_dir,
                verbose=verbose,
                callbacks=callbacks,
                unfinished=RETRAIN,
            )
        )
    return reports


def _write_best_fold(out, cfg, k, reports):
    """Copies the best fold's model into `out`, writes the summary, marks `out` finished."""
    from genreclf.metrics import write_report

    best = int(np.argmax([r["macro_f1"] for r in reports]))
    best_dir = out / "folds" / f"fold_{best}"
    for name in _BEST_FILES:
        if (best_dir / name).exists():
            shutil.copy2(best_dir / name, out / name)
    cfg.to_json(out / "config.json")
    shutil.copy2(best_dir / "fingerprint.json", out / "fingerprint.json")
    report = dict(reports[best])
    report["cross_validation"] = {
        "k": k,
        "best_fold": best,
        "summary": summarize_folds(reports),
        "folds": [{name: r.get(name) for name in SCALARS} for r in reports],
    }
    write_report(report, out, title=f"{cfg.model}, {k}-fold cross-validation")
    write_json(out / "metrics.json", report)
    shutil.copy2(best_dir / COMPLETE, out / COMPLETE)  # last: the run is complete
    return Run(out)
