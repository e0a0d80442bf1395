"""Per-class Platt scaling fitted on few held-out rows: the slope's prior against scikit-learn's C=1.

genreclf's multi-label calibration (`genreclf.training.calibration.fit_platt`)
fits each class's slope with a Gaussian prior centred on 1 (the identity,
precision `PLATT_SLOPE_PRECISION`) and its intercept unpenalised. The fit it
replaced, scikit-learn's `LogisticRegression(C=1)` on the score's logit,
pulls the slope towards 0 (a constant map), which a rare class with a few
positives among the rows can reach. This compares the two where they
differ: calibrated on a few rows.

Protocol: tmdb_genres (multi-label), baseline (a)'s scores (`bench/baselines.py`:
TF-IDF + LR(C=4) one-vs-rest, `--weights balanced` as the baseline, or
`unweighted`) fitted on `train.csv`; its raw `val.csv` scores are split at
random into `--rows` rows to calibrate on and the rest to measure on, `--draws`
times per size. Printed per size and fit, averaged over the draws: the
per-class mean Brier score, ECE (15 equal-width bins per class) and binary
log-loss over all classes and over the five rarest in `train.csv`, and how
many of those rare classes' fitted slopes fell under 0.3 (nearly constant).

Usage: nice python bench/platt_few_rows.py [--rows 70,300,700] [--draws 40]
       [--weights balanced|unweighted]
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from quality_data import load  # noqa: E402

EPSILON = 1e-7
RARE = 5


def logit(scores):
    p = np.clip(np.asarray(scores, dtype="float64"), EPSILON, 1 - EPSILON)
    return np.log(p) - np.log1p(-p)


def sklearn_platt(scores, targets):
    """The old fit: per class, LogisticRegression(C=1) on the logit; the identity without both outcomes."""
    from sklearn.linear_model import LogisticRegression

    z = logit(scores)
    slopes, intercepts = np.ones(z.shape[1]), np.zeros(z.shape[1])
    for k in range(z.shape[1]):
        y = targets[:, k] >= 0.5
        if y.any() and not y.all():
            lr = LogisticRegression(C=1.0).fit(z[:, k : k + 1], y)
            if lr.coef_[0, 0] > 0:
                slopes[k], intercepts[k] = lr.coef_[0, 0], lr.intercept_[0]
    return slopes, intercepts


def genreclf_platt(scores, targets):
    from genreclf.training.calibration import fit_platt

    slopes, intercepts = fit_platt(scores, targets)
    return np.asarray(slopes), np.asarray(intercepts)


def apply(scores, slopes, intercepts):
    return 1.0 / (1.0 + np.exp(-(slopes * logit(scores) + intercepts)))


def per_class(probabilities, targets, bins=15):
    """Each class's Brier score, ECE over `bins` equal-width bins and binary log-loss: `[3, K]`."""
    p = np.clip(probabilities, EPSILON, 1 - EPSILON)
    y = targets.astype("float64")
    brier = np.mean((p - y) ** 2, axis=0)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=0)
    which = np.minimum((p * bins).astype(int), bins - 1)
    ece = np.zeros(p.shape[1])
    for b in range(bins):
        inside = which == b
        count = inside.sum(axis=0)
        gap = np.abs(np.where(inside, p - y, 0.0).sum(axis=0))
        ece += np.where(count > 0, gap, 0.0) / len(p)
    return np.stack([brier, ece, loss])


def baseline_a(train, test, vocabulary, balanced):
    from baselines import tfidf_features
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    x_train, x_test = tfidf_features(train, test)
    y = train.targets(vocabulary)
    weight = "balanced" if balanced else None
    model = OneVsRestClassifier(LogisticRegression(C=4.0, class_weight=weight, max_iter=2000))
    return model.fit(x_train, y).predict_proba(x_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="70,300,700")
    parser.add_argument("--draws", type=int, default=40)
    parser.add_argument("--weights", choices=("balanced", "unweighted"), default="balanced")
    args = parser.parse_args()

    train, test = load("tmdb_genres", aclimdb_rows=8000)
    vocabulary = train.vocabulary()
    started = time.perf_counter()
    scores = baseline_a(train, test, vocabulary, args.weights == "balanced")
    targets = test.targets(vocabulary)
    rare = np.argsort(train.targets(vocabulary).sum(axis=0))[:RARE]
    names = ", ".join(vocabulary.labels[k] for k in rare)
    print(
        f"tmdb_genres: (a) {args.weights} fitted on {len(train)} rows in "
        f"{time.perf_counter() - started:.0f} s; {len(test)} val.csv rows; rare {RARE}: {names}"
    )
    print(
        "| calibrated on | fit | Brier all | ECE all | log-loss all | Brier rare | ECE rare | "
        "log-loss rare | rare slopes < 0.3 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    raw = per_class(scores, targets)
    row("—", "none (raw)", raw.mean(axis=1), raw[:, rare].mean(axis=1), "—")
    rng = np.random.default_rng(0)
    for size in (int(n) for n in args.rows.split(",")):
        draws = [rng.permutation(len(test)) for _ in range(args.draws)]
        for fit_name, fit in (("old (C=1)", sklearn_platt), ("new (prior)", genreclf_platt)):
            everything, rare_only, flat, fitted = [], [], 0, 0
            for order in draws:
                fit_rows, measure_rows = order[:size], order[size:]
                slopes, intercepts = fit(scores[fit_rows], targets[fit_rows])
                measured = per_class(
                    apply(scores[measure_rows], slopes, intercepts), targets[measure_rows]
                )
                everything.append(measured.mean(axis=1))
                rare_only.append(measured[:, rare].mean(axis=1))
                both = [k for k in rare if 0 < targets[fit_rows, k].sum() < size]
                fitted += len(both)
                flat += sum(slopes[k] < 0.3 for k in both)
            row(
                f"{size} rows × {args.draws} draws",
                fit_name,
                np.mean(everything, axis=0),
                np.mean(rare_only, axis=0),
                f"{flat}/{fitted}",
            )


def row(rows, fit, everything, rare, flat):
    cells = [f"{v:.5f}" if i != 1 else f"{v:.4f}" for i, v in enumerate(everything)]
    cells += [f"{v:.5f}" if i != 1 else f"{v:.4f}" for i, v in enumerate(rare)]
    print(f"| {rows} | {fit} | " + " | ".join(cells) + f" | {flat} |")


if __name__ == "__main__":
    main()
