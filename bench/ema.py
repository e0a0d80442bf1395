"""The weights' moving average (`--ema`) on the from-scratch families, beside (a).

Same protocol as `bench/quality.py` (`quality_data.load`: split 0, or `--split`; the
same held-out rows and report code). For each dataset and family, trains
seeds 0..N-1 at each momentum of `--ema` (0: no average; `auto`: the
family's default, for `transformer` a horizon of about 333 steps, at most 3
epochs) and prints each seed's held-out macro-F1, their mean and spread, the epochs
trained and seconds, beside (a) TF-IDF + LR (fitted in the same run, with
its out-of-fold thresholds for multi-label sets) and 0.9 × (a), issue 10's
bar for `bilstm` and `transformer`.

A momentum m averages over about 1 / (1 − m) optimizer steps: 0.99 about
100, 0.997 about 333, which is 3.4 epochs of imdb_genre27 (97 steps per
epoch at batch 32) and 8 of movielens_plots (41 steps).

Usage: python bench/ema.py [--datasets imdb_genre27,movielens_plots]
       [--models transformer,bilstm] [--seeds 3] [--ema 0,0.99,0.997,auto] [--split 0]
"""

import argparse
import csv
import os
import pathlib
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from baselines import baseline_scores  # noqa: E402  (bench/, the script's folder)
from baselines import tfidf_features  # noqa: E402
from baselines import thresholds_for  # noqa: E402
from quality_data import DATA  # noqa: E402
from quality_data import load  # noqa: E402


def seed_row(dataset, model, ema, seeds, baseline):
    """One table line: a family at one momentum, its seeds beside (a) and 0.9 × (a).

    Example:

    >>> seed_row("imdb_genre27", "transformer", 0.99, [0.25, 0.23], 0.26)
    '| imdb_genre27 | transformer | 0.99 | 0.2500 / 0.2300 | 0.2400 | 0.020 | 0.92 | 1 of 2 |'
    """
    mean = statistics.fmean(seeds)
    under = sum(score < 0.9 * baseline for score in seeds)
    return (
        f"| {dataset} | {model} | {_momentum(ema)} | {' / '.join(f'{s:.4f}' for s in seeds)} | "
        f"{mean:.4f} | {max(seeds) - min(seeds):.3f} | {mean / baseline:.2f} | "
        f"{under} of {len(seeds)} |"
    )


def _momentum(ema):
    return ema if isinstance(ema, str) else f"{ema:g}"


HEADER = (
    "| dataset | family | ema | macro-F1, seeds 0.. | mean | max − min | mean / (a) "
    "| seeds under 0.9 × (a) |\n|---|---|---:|---|---:|---:|---:|---|"
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="imdb_genre27,movielens_plots")
    parser.add_argument("--models", default="transformer,bilstm")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--ema", default="0,0.99,0.997", help="momenta, 0 for none, auto for the family's"
    )
    parser.add_argument("--split", type=int, default=0)
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"bench/ema.py needs the shared datasets at {DATA}; not found.")
        return 0

    import genreclf
    from genreclf.evaluation import score_with_predictions
    from genreclf.metrics import classification_report

    lines = []
    for name in args.datasets.split(","):
        train, test = load(name, 8000, args.split)
        vocabulary = train.vocabulary()
        a_test, a_oof = baseline_scores(tfidf_features(train, test), train, test, vocabulary, 4.0)
        baseline = classification_report(
            test.targets(vocabulary),
            a_test,
            vocabulary,
            thresholds=thresholds_for(a_oof, train, vocabulary),
        )["macro_f1"]
        print(f"{name} split {args.split}: (a) {baseline:.4f}, 0.9 × (a) {0.9 * baseline:.4f}")
        for model in args.models.split(","):
            for ema in (m if m == "auto" else float(m) for m in args.ema.split(",")):
                scores = []
                for seed in range(args.seeds):
                    start = time.perf_counter()
                    with tempfile.TemporaryDirectory() as tmp:
                        out = pathlib.Path(tmp) / "run"
                        run = genreclf.train(
                            train, out=out, model=model, seed=seed, ema=ema, verbose=0
                        )
                        report, _, _ = score_with_predictions(run, test, classification_report)
                        with open(out / "history.csv") as f:
                            epochs = len(list(csv.DictReader(f)))
                    scores.append(report["macro_f1"])
                    print(
                        f"  {model} ema {_momentum(ema)} seed {seed}: {scores[-1]:.4f} "
                        f"({epochs} epochs, {time.perf_counter() - start:.0f} s)",
                        flush=True,
                    )
                lines.append(seed_row(name, model, ema, scores, baseline))
                print(lines[-1], flush=True)
    print("\n" + HEADER + "\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
