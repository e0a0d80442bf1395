"""Explanations on the genre datasets: exactness, completeness, time, and whether the words matter.

Protocol (bench/calibration.py's): tmdb_genres trains on `train.csv` and is
scored on `val.csv`; imdb_genre27 and movielens_plots are split once
(stratified, seed 0) into 85% to train on and 15% held out. `ngram` and
`stack` (the default recipe) are trained once each by `genreclf.train` with
their defaults. On the first held-out texts (`--texts`), each text's top
label is explained (`genreclf.explain`) and:

- completeness: `|value - baseline - (sum of attributions + unplaced)|`
  (ngram: logit units, exact; stack: score units, IG's quadrature error), max
  and mean over texts, per IG step count for stack;
- seconds per text (top-3 labels explained);
- deletion test (ERASER's comprehensiveness): the top label's score drop when
  the 3 words with the largest positive attribution are deleted from the
  text, against deleting 3 random words (mean over texts, same seed). Words
  that matter drop the score more than random ones.

`--rules midpoint,gauss` measures integrated gradients with each quadrature
rule (`genreclf.explaining.integrated_gradients.quadrature`) on the same
texts; by default each explainer keeps its own. `--epochs` caps the training
of the from-scratch families.

Usage: nice python bench/explain.py [--datasets movielens_plots,tmdb_genres,imdb_genre27]
       [--models ngram,stack] [--texts 100] [--steps 8,16,32] [--rules midpoint,gauss]
       [--epochs N]
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from calibration import load  # noqa: E402  (the same splits)


def delete_words(text, words, indices):
    """`text` with the words at `indices` (and their trailing spaces) cut out."""
    keep, last = [], 0
    for i in sorted(indices):
        keep.append(text[last : words[i].start])
        last = words[i].end
    keep.append(text[last:])
    return " ".join("".join(keep).split())


def deletion_drops(run, explanations, rng, k=3):
    """Mean drop of the top label's score: top-k positive words deleted vs k random words."""
    top_texts, random_texts, labels, before = [], [], [], []
    for e in explanations:
        entry = e.labels[0]
        order = [i for i in np.argsort(-entry.attributions) if entry.attributions[i] > 0][:k]
        if len(e.words) <= k or not order:
            continue
        top_texts.append(delete_words(e.text, e.words, order))
        random_texts.append(delete_words(e.text, e.words, rng.choice(len(e.words), k, False)))
        labels.append(run.labels.index(entry.label))
        before.append(entry.score)
    rows = np.arange(len(labels))
    top = run.scores(top_texts)[rows, labels]
    rand = run.scores(random_texts)[rows, labels]
    before = np.asarray(before)
    return float(np.mean(before - top)), float(np.mean(before - rand)), len(labels)


def measure(name, family, train, test, folder, n_texts, steps_list, rules=(None,), epochs=None):
    import genreclf
    from genreclf.explaining.explain_run import explainer_for

    out = folder / f"{name}-{family}"
    capped = {} if epochs is None else {"epochs": epochs}
    run = genreclf.train(train, model=family, out=out, verbose=0, **capped)
    texts = list(test.texts[:n_texts])
    results = []
    for steps, rule in _settings(family, steps_list, rules):
        explainer = explainer_for(run, steps=steps)
        if rule is not None and explainer.kind != "linear":
            explainer.ig.rule = rule
        explainer.explain(texts[:1])  # the first call builds the graph
        start = time.perf_counter()
        explanations = explainer.explain(texts, top_k=3)
        seconds = (time.perf_counter() - start) / len(texts)
        gaps = np.array([abs(e.labels[0].completeness_gap()) for e in explanations])
        change = np.array([abs(e.labels[0].value - e.labels[0].baseline) for e in explanations])
        top, rand, n = deletion_drops(run, explanations, np.random.default_rng(0))
        results.append(
            {
                "dataset": name,
                "family": family,
                "units": explanations[0].units,
                "steps": "exact" if explainer.kind == "linear" else _steps(explainer, steps),
                "gap_max": float(gaps.max()),
                "gap_mean": float(gaps.mean()),
                "change_mean": float(change.mean()),
                "s_per_text": seconds,
                "drop_top": top,
                "drop_random": rand,
                "n": n,
            }
        )
        print(row(results[-1]), flush=True)
    return results


def _settings(family, steps_list, rules):
    """`(steps, rule)` pairs to measure; an exact (`ngram`) explainer once."""
    if family == "ngram":
        return [(steps_list[0], None)]
    return [(steps, rule) for steps in steps_list for rule in rules]


def _steps(explainer, steps):
    ig = getattr(explainer, "ig", None)
    return f"{steps} ({ig.rule})" if ig is not None else steps


HEADER = (
    "| dataset | family | units | IG steps | completeness gap max / mean | mean value - baseline "
    "| s/text (top 3) | score drop, top-3 words deleted | … 3 random words | texts |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def row(r):
    return (
        f"| {r['dataset']} | {r['family']} | {r['units']} | {r['steps']} "
        f"| {r['gap_max']:.1e} / {r['gap_mean']:.1e} | {r['change_mean']:.3f} "
        f"| {r['s_per_text']:.3f} | {r['drop_top']:.3f} | {r['drop_random']:.3f} | {r['n']} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="movielens_plots,tmdb_genres,imdb_genre27")
    parser.add_argument("--models", default="ngram,stack")
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--steps", default="8,16,32")
    parser.add_argument("--rules", default=None, help="e.g. midpoint,gauss")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    rules = args.rules.split(",") if args.rules else [None]
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            train, test = load(name)
            for family in args.models.split(","):
                measure(
                    name,
                    family,
                    train,
                    test,
                    pathlib.Path(tmp),
                    args.texts,
                    steps,
                    rules,
                    args.epochs,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
