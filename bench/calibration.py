"""Calibration on the genre datasets: ECE and NLL before/after, and the decisions kept.

Protocol (the same as bench/quality.py): tmdb_genres trains on `train.csv` and
is scored on `val.csv`; imdb_genre27 and movielens_plots are split once
(stratified, seed 0) into 85% to train on and 15% held out. Each family is
trained once by `genreclf.train` with its defaults (calibration on:
temperature scaling for single-label, per-class Platt scaling for
multi-label, fitted on the 5-fold out-of-fold training scores for `ngram` and
`stack`). On the held-out rows the run's model gives both its raw scores
(before the calibration layer) and its calibrated ones, in one pass.

Printed per dataset and family:
- ECE before/after (15 equal-width bins; single-label: the top label;
  multi-label: every (example, class) pair; genreclf.metrics.calibration_error);
- NLL before/after (single-label: the true class's log-loss; multi-label: the
  mean binary log-loss over every (example, class) pair);
- macro-F1 before (raw scores; multi-label at the thresholds tuned on raw
  out-of-fold scores, `calibration.json`'s `raw_thresholds`) and after
  (calibrated scores at the re-expressed thresholds of `thresholds.json`);
  they must be equal: the calibration is a monotone map per class;
- the held-out rows whose decided labels differ between the two (must be 0);
- the calibration parameters and the fit time.

Usage: nice python bench/calibration.py [--datasets tmdb_genres,imdb_genre27,movielens_plots]
       [--models ngram,stack]
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from quality_data import DATA  # noqa: E402  (bench/quality_data.py: the shared protocol and splits)
from quality_data import load as load_split  # noqa: E402


def load(name):
    """`(train, test)` of dataset `name` by bench/quality.py's protocol."""
    return load_split(name, aclimdb_rows=8000)


def nll(targets, scores, multi_label):
    """Single-label: mean -log p(true class); multi-label: mean binary log-loss per pair."""
    p = np.clip(np.asarray(scores, dtype="float64"), 1e-12, 1 - 1e-12)
    if multi_label:
        return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))
    return float(-np.mean(np.log(p[np.arange(len(p)), targets.argmax(1)])))


def parameters(info):
    if info["method"] == "temperature":
        return f"T={info['temperature']:.2f}"
    if info["method"] == "platt":
        slopes = np.asarray(info["slopes"])
        return f"slopes {slopes.min():.2f}–{slopes.max():.2f} (median {np.median(slopes):.2f})"
    return info["method"]


def measure(name, family, train, test, folder):
    import genreclf
    from genreclf.evaluation import raw_and_calibrated_scores
    from genreclf.metrics import classification_report
    from genreclf.metrics.calibration_error import expected_calibration_error

    start = time.perf_counter()
    run = genreclf.train(train, model=family, out=folder / f"{name}-{family}", verbose=0)
    fit_s = time.perf_counter() - start
    info = json.loads((run.path / "calibration.json").read_text())
    raw, calibrated, _ = raw_and_calibrated_scores(run, test)
    targets = test.targets(run.vocabulary)
    multi = run.multi_label
    before = classification_report(
        targets,
        raw,
        run.vocabulary,
        thresholds=np.asarray(info["raw_thresholds"]) if multi else None,
    )
    after = classification_report(
        targets, calibrated, run.vocabulary, thresholds=run.thresholds if multi else None
    )
    if multi:
        changed = np.any(
            (raw >= np.asarray(info["raw_thresholds"])) != (calibrated >= run.thresholds), axis=1
        )
    else:
        changed = raw.argmax(axis=1) != calibrated.argmax(axis=1)
    return {
        "dataset": name,
        "family": family,
        "rows": f"{len(train):,}/{len(test):,}",
        "method": parameters(info),
        "ece_before": expected_calibration_error(targets, raw, multi),
        "ece_after": expected_calibration_error(targets, calibrated, multi),
        "nll_before": nll(targets, raw, multi),
        "nll_after": nll(targets, calibrated, multi),
        "f1_before": before["macro_f1"],
        "f1_after": after["macro_f1"],
        "changed": int(changed.sum()),
        "fit_s": fit_s,
    }


HEADER = (
    "| dataset | family | train/test rows | calibration | ECE before | ECE after "
    "| NLL before | NLL after | macro-F1 before | macro-F1 after | rows decided differently "
    "| fit s |"
)


def row(r):
    return (
        f"| {r['dataset']} | {r['family']} | {r['rows']} | {r['method']} "
        f"| {r['ece_before']:.4f} | {r['ece_after']:.4f} | {r['nll_before']:.4f} "
        f"| {r['nll_after']:.4f} | {r['f1_before']:.4f} | {r['f1_after']:.4f} | {r['changed']} "
        f"| {r['fit_s']:.0f} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="tmdb_genres,imdb_genre27,movielens_plots")
    parser.add_argument("--models", default="ngram,stack")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"needs the shared datasets at {DATA}", file=sys.stderr)
        return 1
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            train, test = load(name)
            for family in args.models.split(","):
                results.append(measure(name, family, train, test, pathlib.Path(tmp)))
                print(row(results[-1]), flush=True)
    print()
    print(HEADER)
    print("|" + "---|" * 4 + "---:|" * 8)
    for r in results:
        print(row(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
