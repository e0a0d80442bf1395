"""How precise can a labeller be at 60% coverage? The strong scorers' most confident rows.

    python bench/labelling_ceiling.py [--datasets movielens_plots,imdb_genre27] [--coverage 0.6]

Issue 12 asks the cascade for precision ≥ 0.85 at 60% coverage on
movielens_plots and imdb_genre27's top-8 genres. This script measures what
the strong scorers reach there when they answer only their most confident
rows: (a) TF-IDF + LR, (b) MiniLM + LR, their average (c), and (c) averaged
with the 25 nearest training texts' vote (d) — each trained on
bench/quality.py's 85% split (more labelled rows than bench/labelling.py's
50%) and scored on its 15% held out, arg-max over the top-8 classes for
imdb_genre27. Prints precision at full coverage and at `--coverage`.
"""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from baselines import baseline_scores  # noqa: E402
from baselines import minilm_features  # noqa: E402
from baselines import tfidf_features  # noqa: E402
from quality_data import DATA  # noqa: E402
from quality_data import load  # noqa: E402

TOP = {"movielens_plots": None, "imdb_genre27": 8}


def precision_at(scores, truth, coverage):
    """Accuracy of the arg-max over the `coverage` share of rows with the highest top score.

    Example:

    >>> precision_at(np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([0, 1]), 0.5)
    1.0
    """
    order = np.argsort(-scores.max(axis=1), kind="stable")
    keep = order[: max(1, int(round(coverage * len(order))))]
    return float(np.mean(scores[keep].argmax(axis=1) == truth[keep]))


def run_dataset(name, coverage):
    from genreclf.models.neighbours import neighbour_scores

    train, test = load(name, aclimdb_rows=0)
    vocabulary = train.vocabulary()
    a, _ = baseline_scores(tfidf_features(train, test), train, test, vocabulary, c=4.0)
    vectors = minilm_features(train, test)
    b, _ = baseline_scores(vectors, train, test, vocabulary, c=1.0)
    targets = train.targets(vocabulary).astype("float32")
    knn = neighbour_scores(vectors[0], targets, vectors[1], k=25)
    scorers = {
        "(a)": a,
        "(b)": b,
        "(c) avg(a,b)": (a + b) / 2,
        "(d) avg(a,b,knn)": (a + b + knn) / 3,
    }
    truth = test.targets(vocabulary).argmax(axis=1)
    keep = np.ones(len(truth), dtype=bool)
    classes = np.arange(vocabulary.num_classes)
    if TOP[name]:
        counts = train.targets(vocabulary).sum(axis=0)
        classes = np.sort(np.argsort(-counts, kind="stable")[: TOP[name]])
        keep = np.isin(truth, classes)
    truth = np.searchsorted(classes, truth[keep])
    for label, scores in scorers.items():
        scores = scores[keep][:, classes]
        print(
            f"| {name} | {label} | {int(keep.sum())} | {precision_at(scores, truth, 1.0):.3f} "
            f"| {precision_at(scores, truth, coverage):.3f} |",
            flush=True,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="movielens_plots,imdb_genre27")
    parser.add_argument("--coverage", type=float, default=0.6)
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"bench/labelling_ceiling.py needs the shared datasets at {DATA}; not found.")
        return 0
    print(f"| dataset | scorer | held-out rows | precision, all rows | at {args.coverage:.0%} |")
    print("|---|---|---:|---:|---:|")
    for name in args.datasets.split(","):
        run_dataset(name, args.coverage)
    return 0


if __name__ == "__main__":
    sys.exit(main())
