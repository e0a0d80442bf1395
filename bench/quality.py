"""genreclf's recipes beside the strong baselines, fitted in the same run.

Protocol (bench/quality_data.py), the same for every row: tmdb_genres trains on `train.csv` and is
scored on `val.csv`; the other sets are split once (stratified, seed 0) into
85% to train on and 15% held out; aclImdb ratings (8 classes) use a
stratified sample of `--aclimdb-rows` reviews (default 8,000), split the same
way. Every row is scored on the same held-out rows with the same report code.

Baselines (a) `tfidf+lr`, (b) `minilm+lr` and (c) `avg(a,b)`: see bench/baselines.py.

genreclf rows: `auto` (the default recipe `genreclf.train` picks with no
model given) and any families named in `--models` (e.g. `ngram`, `bilstm`,
`transformer`), or `auto+finetune`: the default with `finetune=True`, the
`stack` joined by a fine-tuned copy of its encoder (what `auto` trains on a
GPU; hours on a CPU beyond a few thousand rows), or `stack-no-prompts`: the
`stack` without its label-name head (`--set prompts=none`). `fit s` includes every encoder pass (the embedding cache is
emptied first unless `--keep-cache`). Also prints the default recipe's
in-process latency for one synopsis (p50 over 200 calls).

`bilstm` and `transformer` train by stochastic gradient descent on a 90%
split, and on a few thousand rows one seed's macro-F1 can sit 0.06 from the
next. `--seeds N` trains them N times (seeds 0..N-1; the row named after the
family is seed 0, as with one seed) and the target check prints the mean,
lowest and highest ratio to (a) beside the seed-0 one.

One held-out split of a few hundred rows moves macro-F1 by about 0.004 per
row (movielens_plots: 257 rows), so a margin of 0.01 is two or three rows.
`--splits N` repeats the whole comparison on N stratified splits of the
single-file sets (split seeds 0..N-1; split 0 is the protocol above, the
others print as `NAME/s1`, ...), every model refitted on each, and prints each
target's mean, lowest and highest gap over the splits. `--first-split K` starts
at split seed K, to add splits to an earlier run's. tmdb_genres keeps its
train/val files (one split, skipped when K > 0).

`--folds K` scores the single-file sets by stratified k-fold cross-validation
instead (folds `NAME/f0`, ...; every model refitted on each), then once more
on the folds' held-out rows taken together (`NAME/pooled`): every row of the
file is held out exactly once, so a class with ten rows in the file is scored
on ten rather than on the one or two a 15% split holds. That is the measure
for rare classes (imdb_genre27's smallest genres have 10 rows); a table of
each rare class's rows, and each model's hits and F1 on it, follows.

Beside the default's macro-F1 gap to the best baseline, and its rare-class
F1 gap to (c), the check prints a 95% paired bootstrap interval over the
held-out rows (`genreclf.metrics.paired_bootstrap`), and beside each mean
over splits the interval of the mean: an interval that holds 0 says the rows
cannot tell the default from that baseline.

`--save-scores DIR` also writes every row's held-out scores (and thresholds)
of each part to `DIR/PART.npz` (`bench/saved_scores.py`), so that a question
the tables do not answer needs no refit.

Usage: python bench/quality.py [--datasets tmdb_genres,imdb_genre27,movielens_plots,aclimdb]
       [--models ngram] [--aclimdb-rows 8000] [--keep-cache] [--seeds 1] [--splits 1]
       [--first-split 0] [--folds 0] [--save-scores DIR] [--keep-runs DIR]
"""

import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from baselines import baseline_scores  # noqa: E402  (bench/, the script's folder)
from baselines import minilm_features  # noqa: E402
from baselines import tfidf_features  # noqa: E402
from baselines import thresholds_for  # noqa: E402
from quality_data import DATA  # noqa: E402
from quality_data import DATASETS  # noqa: E402
from quality_data import held_out_parts  # noqa: E402
from quality_targets import SEEDED_FAMILIES  # noqa: E402
from quality_targets import pooled_rows  # noqa: E402
from quality_targets import rare_class_table  # noqa: E402
from quality_targets import row  # noqa: E402
from quality_targets import splits_summary  # noqa: E402
from quality_targets import targets_check  # noqa: E402
from saved_scores import write_scores  # noqa: E402

RECIPES = {  # --models names beside families
    "auto": {},
    "auto+finetune": {"finetune": True},
    "stack-no-prompts": {"model": "stack", "model_config": {"prompts": "none"}},  # 3 heads
}


def run_dataset(name, train, test, models, workdir, seeds=1, scores_dir=None):
    """Every row of one held-out part: the baselines, then genreclf's (`name`: its column).

    With `scores_dir`, every row's held-out scores (and thresholds) are written
    to `scores_dir/NAME.npz` (`bench/saved_scores.py`).
    """
    import genreclf
    from genreclf.evaluation import report_and_predictions
    from genreclf.metrics import classification_report
    from genreclf.metrics.scores import binarize

    vocabulary = train.vocabulary()
    ml = vocabulary.multi_label
    y_test = test.targets(vocabulary)
    print(
        f"\n{name}: {len(train):,} training rows, {len(test):,} held out, "
        f"{vocabulary.num_classes} classes, {'multi' if ml else 'single'}-label",
        flush=True,
    )
    rows, saved = [], {}

    def report(model, scores, thresholds, seconds):
        saved[model] = (scores, thresholds)
        scored = classification_report(y_test, scores, vocabulary, thresholds=thresholds)
        predicted = binarize(scores, ml, 0.5 if thresholds is None else thresholds)
        rows.append(row(name, model, scored, seconds, ml, y_test, predicted))
        print(_format([rows[-1]], header=False), flush=True)

    start = time.perf_counter()
    a_test, a_oof = baseline_scores(tfidf_features(train, test), train, test, vocabulary, c=4.0)
    a_seconds = time.perf_counter() - start
    report("(a) tfidf+lr", a_test, thresholds_for(a_oof, train, vocabulary), a_seconds)
    start = time.perf_counter()
    b_test, b_oof = baseline_scores(minilm_features(train, test), train, test, vocabulary, c=1.0)
    b_seconds = time.perf_counter() - start
    report("(b) minilm+lr", b_test, thresholds_for(b_oof, train, vocabulary), b_seconds)
    c_oof = (a_oof + b_oof) / 2
    report(
        "(c) avg(a,b)",
        (a_test + b_test) / 2,
        thresholds_for(c_oof, train, vocabulary),
        a_seconds + b_seconds,
    )

    latency = None
    runs = [(model, 0) for model in ["auto", *models]]
    runs += [
        (model, seed) for model in models if model in SEEDED_FAMILIES for seed in range(1, seeds)
    ]
    for model, seed in runs:
        kwargs = RECIPES.get(model, {"model": model})
        start = time.perf_counter()
        out = workdir / f"{name.replace('/', '-')}-{model}-{seed}"
        run = genreclf.train(train, out=out, verbose=0, seed=seed, overwrite=True, **kwargs)
        seconds = time.perf_counter() - start
        if list(run.labels) != list(vocabulary.labels):
            raise RuntimeError(
                f"{name}: expected the run's labels in the baselines' order (the paired "
                f"intervals compare columns). Received: run.labels={list(run.labels)}, "
                f"baselines' labels={list(vocabulary.labels)}."
            )
        held_out = run.scores(test.texts, features=test.features)  # one pass: report and file
        scores, predicted = report_and_predictions(run, y_test, held_out, classification_report)
        label = f"genreclf {model}"
        if model in RECIPES:
            label += f" ({run.config.get('model')})"
        elif seed:
            label += f" seed {seed}"
        rows.append(row(name, label, scores, seconds, ml, y_test, predicted))
        print(_format([rows[-1]], header=False), flush=True)
        saved[label] = (held_out, run.thresholds if ml else None)
        if model == "auto":
            latency = one_synopsis_latency(run, test.texts[0])
            print(
                f"{name}: default recipe, one synopsis in-process: p50 {latency:.1f} ms", flush=True
            )
    if scores_dir:
        path = pathlib.Path(scores_dir) / f"{name.replace('/', '-')}.npz"
        write_scores(path, vocabulary.labels, y_test, saved)
        print(f"{name}: held-out scores of every row written to {path}", flush=True)
    return rows, latency


def one_synopsis_latency(run, text, calls=200):
    """p50 milliseconds of the run's model on one text, as a traced function."""
    import tensorflow as tf

    model = run.model
    serve = tf.function(
        lambda t: model({"text": t}), input_signature=[tf.TensorSpec([None], tf.string)]
    )
    batch = tf.constant([text])
    for _ in range(5):
        serve(batch)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        serve(batch).numpy()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def _format(rows, header=True):
    lines = []
    if header:
        lines.append(
            f"| {'dataset':<22} | {'model':<28} | macro-F1 | micro-F1/acc | rare-F1 | fit s |"
        )
        lines.append(f"|{'-' * 24}|{'-' * 30}|---------:|-------------:|--------:|------:|")
    for r in rows:
        lines.append(
            f"| {r['dataset']:<22} | {r['model']:<28} | {r['macro_f1']:8.4f} | {r['micro_or_acc']:12.4f} "
            f"| {r['rare_f1']:7.4f} | {r['fit_s']:5.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--models", default="ngram", help="comma-separated families beside auto ('' for none)"
    )
    parser.add_argument("--aclimdb-rows", type=int, default=8000)
    parser.add_argument(
        "--seeds", type=int, default=1, help="training seeds for bilstm and transformer rows"
    )
    parser.add_argument(
        "--splits", type=int, default=1, help="held-out splits of the single-file datasets"
    )
    parser.add_argument(
        "--first-split",
        type=int,
        default=0,
        help="seed of the first split (add splits to an earlier run's without repeating them)",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=0,
        help="k-fold cross-validation of the single-file datasets instead of held-out splits",
    )
    parser.add_argument(
        "--keep-cache", action="store_true", help="reuse cached embeddings (fit s then omit them)"
    )
    parser.add_argument(
        "--save-scores",
        metavar="DIR",
        help="write each part's held-out scores of every model to DIR/PART.npz",
    )
    parser.add_argument(
        "--keep-runs",
        metavar="DIR",
        help="write the run folders here and keep them (default: gone)",
    )
    args = parser.parse_args(argv)
    for flag in ("seeds", "splits"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag} must be at least 1. Received: --{flag} {getattr(args, flag)}.")
    if args.folds and (args.folds < 2 or args.splits > 1 or args.first_split):
        parser.error(
            "--folds takes at least 2 folds and replaces --splits and --first-split. "
            f"Received: --folds {args.folds} --splits {args.splits} "
            f"--first-split {args.first_split}."
        )
    if args.first_split < 0:
        parser.error(
            f"--first-split must be at least 0. Received: --first-split {args.first_split}."
        )
    if not DATA.is_dir():
        print(f"bench/quality.py needs the shared datasets at {DATA}; not found.")
        return 0
    models = [m for m in args.models.split(",") if m]
    rows, pooled, latencies = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.keep_cache:
            os.environ["GENRECLF_CACHE_DIR"] = str(pathlib.Path(tmp) / "cache")
        runs_dir = pathlib.Path(args.keep_runs or tmp)
        # Every dataset read and split first: a file that cannot be split fails before any fit.
        datasets = {name: held_out_parts(name, args) for name in args.datasets.split(",")}
        for parts in datasets.values():
            dataset_rows = []
            for column, train, test in parts:
                part_rows, latencies[column] = run_dataset(
                    column, train, test, models, runs_dir, args.seeds, args.save_scores
                )
                dataset_rows += part_rows
                if not args.keep_cache:  # every part pays for its own encoder passes
                    shutil.rmtree(pathlib.Path(tmp) / "cache", ignore_errors=True)
            rows += dataset_rows
            if args.folds and len(parts) > 1:
                pooled += pooled_rows(dataset_rows)
    print("\n" + _format(rows))
    print("\n" + targets_check(rows))
    if args.splits > 1 or args.folds:
        print("\n" + splits_summary(rows))
    if pooled:
        print("\nEvery row held out once (the folds' predictions taken together):")
        print("\n" + _format(pooled))
        print("\n" + targets_check(pooled))
        print("\n" + rare_class_table(pooled))
    for name, latency in latencies.items():
        print(f"{name}: default recipe p50 for one synopsis {latency:.1f} ms (target ≤ 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
