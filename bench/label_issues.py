"""Label issues: are planted label errors found? (`genreclf labels check`, cleanlab)

Protocol: read movielens_plots (1,713 plots, 6 tags, single-label); for each
seed, flip 5% of the rows (chosen at random, seeded) to another tag chosen
uniformly among the other five; run `genreclf.find_label_issues` on the
flipped data (5-fold out-of-fold probabilities, then cleanlab); report the
precision and recall of the flipped rows

- among the top-k ranked suspects, k = the number of rows flipped, and
- among cleanlab's own flagged set (`find_label_issues`, prune_by_noise_rate),

beside the base rate (what a random ranking scores: 5% precision) and the
rows cleanlab flags in the unflipped data (the data's own noise, which counts
against precision here). Several seeds: the mean and the spread, not one
lucky split.

Usage: python bench/label_issues.py [--seeds 0,1,2] [--models tfidf]
       [--dataset movielens_plots] [--rate 0.05]
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))
DATASETS = {"movielens_plots": dict(path="movielens_plots/train.csv", text="plot", label="tag")}


def flip(dataset, rate, seed):
    """A copy of `dataset` with `rate` of its rows given another label; returns it and the rows."""
    from genreclf.data import TextDataset

    rng = np.random.default_rng(seed)
    labels = dataset.vocabulary().labels
    n = len(dataset)
    rows = np.sort(rng.choice(n, size=int(round(rate * n)), replace=False))
    new = [list(x) for x in dataset.labels]
    for i in rows:
        others = [name for name in labels if name != new[i][0]]
        new[i] = [others[rng.integers(len(others))]]
    flipped = TextDataset(
        dataset.texts, new, multi_label=False, ids=dataset.ids, lines=dataset.lines
    )
    return flipped, set(rows.tolist())


def precision_recall(found, planted):
    hits = len(set(found) & planted)
    return hits / max(len(found), 1), hits / max(len(planted), 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="movielens_plots", choices=sorted(DATASETS))
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--models", default="tfidf", help="tfidf and/or model families, comma-separated")
    p.add_argument("--rate", type=float, default=0.05)
    p.add_argument("--folds", type=int, default=5)
    args = p.parse_args()

    import genreclf

    spec = dict(DATASETS[args.dataset])
    data = genreclf.load_dataset(DATA / spec.pop("path"), **spec)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"{args.dataset}: {len(data):,} rows, {data.vocabulary().num_classes} classes; "
        f"{args.rate:.0%} flipped per seed, seeds {seeds}, {args.folds}-fold"
    )
    header = (
        f"{'model':<10} {'seed':>4} {'flipped':>7} {'P@k':>6} {'R@k':>6} "
        f"{'flagged':>7} {'P(flag)':>7} {'R(flag)':>7} {'clean flagged':>13} {'oof acc':>7} "
        f"{'s':>6}"
    )
    print(header)
    for model in args.models.split(","):
        clean = genreclf.find_label_issues(data, model=model, folds=args.folds, seed=0)
        summary = []
        for seed in seeds:
            noisy, planted = flip(data, args.rate, seed)
            start = time.perf_counter()
            issues = genreclf.find_label_issues(noisy, model=model, folds=args.folds, seed=seed)
            seconds = time.perf_counter() - start
            k = len(planted)
            p_k, r_k = precision_recall(issues.ranking[:k].tolist(), planted)
            flagged = np.flatnonzero(issues.flagged).tolist()
            p_f, r_f = precision_recall(flagged, planted)
            given = np.array([issues.vocabulary.labels.index(x[0]) for x in noisy.labels])
            accuracy = float((issues.probabilities.argmax(1) == given).mean())
            summary.append((p_k, r_k, p_f, r_f, len(flagged)))
            print(
                f"{model:<10} {seed:>4} {k:>7} {p_k:>6.3f} {r_k:>6.3f} {len(flagged):>7} "
                f"{p_f:>7.3f} {r_f:>7.3f} {clean.num_flagged:>13} {accuracy:>7.3f} "
                f"{seconds:>6.1f}"
            )
        mean, std = np.mean(summary, axis=0), np.std(summary, axis=0)
        print(
            f"{model:<10} mean        P@k {mean[0]:.3f}±{std[0]:.3f}  R@k {mean[1]:.3f}±{std[1]:.3f}"
            f"  P(flag) {mean[2]:.3f}±{std[2]:.3f}  R(flag) {mean[3]:.3f}±{std[3]:.3f}"
            f"  flagged {mean[4]:.0f}  (random ranking: P = R@k = {args.rate:.3f})"
        )


if __name__ == "__main__":
    main()
