"""`genreclf train`: train a classifier and write a run folder."""

import argparse
import sys

from genreclf.cli.settings import parse_settings
from genreclf.setting import argument_type

SCHEDULE_CHOICES = ("auto", "constant", "step", "cosine", "plateau")


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf train",
        description="Train a text classifier and write a run folder (config.json, "
        "model.keras, metrics.json, report.md, ...). Rerunning the same command "
        "after a crash resumes from the last finished epoch; a finished run folder is "
        "replaced only with --overwrite.",
    )
    p.add_argument(
        "data",
        nargs="?",
        help="training file: CSV/TSV/JSONL/Parquet, Kaggle "
        "':::' lines, or an aclImdb folder/.tar.gz (optional with --config)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--text", help="text column (default: first of text/overview/plot/description/synopsis)"
    )
    data.add_argument(
        "--label", help="label column (default: first of label/labels/genre/genres/tag)"
    )
    data.add_argument(
        "--format",
        help="csv, tsv, tsv-unquoted (TSV without quoting), jsonl, parquet, kaggle-genre, "
        "aclimdb (default: from the file)",
    )
    data.add_argument(
        "--multi-label", action="store_const", const=True, help="rows may carry several labels"
    )
    data.add_argument(
        "--sep", help="separator between labels in one cell, e.g. '|' (implies multi-label)"
    )
    data.add_argument(
        "--features", type=_names, help="numeric feature columns, comma-separated (hybrid models)"
    )
    data.add_argument(
        "--categorical", type=_names, help="categorical feature columns, comma-separated"
    )
    data.add_argument(
        "--skip-bad-rows",
        action="store_const",
        const=True,
        help="skip (count and log) malformed rows instead of stopping at the first",
    )
    data.add_argument(
        "--augment",
        help="JSONL of synthetic rows from `genreclf augment run`; "
        "they join the training split only",
    )
    data.add_argument(
        "--min-confidence",
        type=float,
        help="for `genreclf label` output: train on the rows labelled with at least this "
        "confidence (default 0: every labelled row)",
    )
    data.add_argument("--val-data", help="a separate validation file (instead of --val-split)")
    data.add_argument(
        "--val-split",
        type=_val_split,
        help="validation fraction carved from the data, in (0, 1) (default 0.1)",
    )
    data.add_argument(
        "--folds", type=int, help="k-fold cross-validation: report mean ± std over K folds"
    )
    model = p.add_argument_group("model")
    model.add_argument(
        "--model",
        help="auto (default: the strongest recipe for the data and "
        "hardware, printed with the reason), stack, ngram, bilstm, transformer, "
        "pretrained, hybrid, or a family you registered",
    )
    model.add_argument("--max-length", type=int, help="tokens kept per text (sequence models)")
    model.add_argument(
        "--preset", help="pretrained: preset name (minilm) or a local preset directory"
    )
    model.add_argument("--mode", help="pretrained: finetune, lora, frozen or frozen-bilstm")
    model.add_argument("--encoder", help="hybrid: the text encoder family (e.g. bilstm)")
    model.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any model setting, e.g. --set lstm_units=32 (JSON values); repeatable",
    )
    fit = p.add_argument_group("training")
    fit.add_argument(
        "--epochs",
        type=int,
        help="maximum epochs (default: the family's; 30 for bilstm and transformer, else 20; early stopping "
        "on val macro-F1)",
    )
    fit.add_argument("--batch-size", type=int, help="batch size (default 32)")
    fit.add_argument(
        "--seed", type=int, help="seed for splits, shuffling and initialisation (default 0)"
    )
    fit.add_argument("--lr", type=float, help="peak learning rate (default: per model family)")
    fit.add_argument(
        "--weight-decay", type=float, help="AdamW weight decay (not on biases, norms, embeddings)"
    )
    fit.add_argument(
        "--schedule",
        choices=SCHEDULE_CHOICES,
        help="learning-rate schedule: step (constant 5 epochs then ×0.5/epoch), "
        "cosine (with warmup), plateau, constant (default: per family)",
    )
    fit.add_argument(
        "--warmup-epochs", type=int, help="warmup epochs for the cosine schedule (default 1)"
    )
    fit.add_argument(
        "--patience",
        type=int,
        help="early-stopping patience in epochs (default: the family's; 6 for bilstm and transformer, else 3)",
    )
    fit.add_argument(
        "--monitor",
        help="the validation metric early stopping and the best checkpoint keep epochs by, "
        "e.g. val_loss (default: val_macro_f1; val_tuned_macro_f1 for multi-label data; a "
        "best.json of a search by another objective sets its own)",
    )
    fit.add_argument(
        "--ema",
        type=float,
        help="validate and keep the moving average of the weights, with this momentum "
        "(e.g. 0.99: about the last 100 steps; 0: none; default: the family's: for "
        "transformer about the last 333 steps, at most 3 epochs; for others none)",
    )
    add_switch(
        fit,
        "class_weight",
        "weight rare classes more in the loss (default on)",
        "plain, unweighted loss",
    )
    fit.add_argument(
        "--oversample",
        action="store_const",
        const=True,
        help="randomly duplicate rows of rare classes in the training split",
    )
    fit.add_argument(
        "--abstain",
        action="store_const",
        const=True,
        help="single-label only: one sigmoid score per class, decided by a cascade "
        "(classes by validation precision, the first above its threshold wins) that answers "
        "'unknown' when no class clears its threshold",
    )
    add_switch(
        fit,
        "refit",
        "train on every row and report 5-fold out-of-fold scores (default for "
        "families fitted by a convex solver: ngram, stack)",
        "hold out --val-split rows and report on them instead",
    )
    add_switch(
        fit,
        "finetune",
        "stack only: also fine-tune its encoder (a `pretrained --mode finetune` run in "
        "OUT/members/) and ensemble the two (default: on a GPU when no --model is given; "
        "slow on a CPU)",
        "the stack alone, even on a GPU",
    )
    fit.add_argument(
        "--calibration",
        choices=("auto", "none"),
        help="calibrate the scores on held-out scores, inside the model: auto (default: "
        "temperature scaling for single-label, per-class Platt scaling for multi-label; "
        "multi-label thresholds are re-expressed on the calibrated scores) or none",
    )
    fit.add_argument(
        "--strategy",
        choices=("mirrored", "multi-worker"),
        help="tf.distribute strategy: several GPUs, or several workers via TF_CONFIG",
    )
    p.add_argument(
        "--config",
        help="a config.json (e.g. from a run folder or `genreclf tune`); "
        "flags given here override it",
    )
    p.add_argument("--out", help="run folder (default runs/<model>)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="train over a finished run in --out (refused otherwise; an unfinished "
        "folder is resumed either way)",
    )
    add_mlflow_arguments(p)
    p.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but warnings and errors: no progress bar, no summary lines "
        "(config.json and metrics.json still record the model chosen and its scores)",
    )
    return p


def add_switch(parser, dest, on_help, off_help):
    """`--NAME` / `--no-NAME`, exclusive, setting `dest` to True / False (None when neither)."""
    flag = dest.replace("_", "-")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(f"--{flag}", dest=dest, action="store_const", const=True, help=on_help)
    group.add_argument(f"--no-{flag}", dest=dest, action="store_const", const=False, help=off_help)


def add_mlflow_arguments(parser, what="the run"):
    """`--mlflow URI` and `--mlflow-experiment NAME` (train, tune and ensemble share them)."""
    group = parser.add_argument_group("tracking")
    group.add_argument(
        "--mlflow",
        metavar="URI",
        help=f"log {what} to MLflow: file:./mlruns, sqlite:///mlflow.db or a server URL "
        "(parameters, metrics per epoch, report, plots, model; pip install 'genreclf[mlflow]')",
    )
    group.add_argument(
        "--mlflow-experiment",
        metavar="NAME",
        help="the MLflow experiment (default genreclf)",
    )


def _names(value):
    return [v.strip() for v in value.split(",") if v.strip()]


def _val_split(text):
    """argparse `type` of `--val-split`: the check `train_val_split` makes of its fraction.

    Example:

    >>> _val_split("0.2")
    0.2
    >>> _val_split("1.5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number above 0 and below 1. Received: '1.5'. Pass e.g. 0.1.
    """
    # `genreclf.data` loads NumPy: imported when the flag is given, not for `train --help`.
    from genreclf.data.splits import VAL_FRACTION

    return argument_type(VAL_FRACTION, example=0.1)(text)


def overrides_from_args(args):
    """The `TrainConfig` fields the user set on the command line."""
    names = (
        "text",
        "label",
        "format",
        "multi_label",
        "sep",
        "features",
        "categorical",
        "skip_bad_rows",
        "min_confidence",
        "augment",
        "val_data",
        "val_split",
        "folds",
        "model",
        "max_length",
        "epochs",
        "batch_size",
        "seed",
        "lr",
        "weight_decay",
        "schedule",
        "warmup_epochs",
        "patience",
        "monitor",
        "ema",
        "class_weight",
        "oversample",
        "abstain",
        "strategy",
        "refit",
        "finetune",
        "calibration",
    )
    overrides = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.sep is not None and args.multi_label is None:
        overrides["multi_label"] = True
    model_config = parse_settings(args.set)
    for name in ("preset", "mode", "encoder"):
        if getattr(args, name) is not None:
            model_config[name] = getattr(args, name)
    return overrides, model_config


def progress_verbosity(stream):
    """Keras' `verbose` for `stream`: 1 (progress bars) on a terminal, else 2 (a line an epoch).

    Piped into a log file or CI, the progress bars' carriage returns and
    colour codes make one unreadable line per epoch of every batch's update.

    Example:

    >>> import io
    >>> progress_verbosity(io.StringIO())
    2
    """
    return 1 if getattr(stream, "isatty", lambda: False)() else 2


def main(argv):
    args = build_parser().parse_args(argv)
    from genreclf.metrics import format_summary
    from genreclf.training import make_config
    from genreclf.training import train

    overrides, model_config = overrides_from_args(args)
    cfg = make_config(args.data, args.config, **overrides)
    if model_config:
        cfg.model_config = {**(cfg.model_config or {}), **model_config}
    run = train(
        config=cfg,
        out=args.out,
        overwrite=args.overwrite,
        verbose=0 if args.quiet else progress_verbosity(sys.stdout),
        mlflow_uri=args.mlflow,
        mlflow_experiment=args.mlflow_experiment,
    )
    if run is None:  # another worker of a multi-worker job
        print("This worker's part of the job is done; the chief writes the run folder.")
        return 0
    print(format_summary(run.metrics))
    cv = run.metrics.get("cross_validation")
    if cv:
        print(f"\n{cv['k']}-fold cross-validation (mean ± std):")
        for name, stats in cv["summary"].items():
            print(f"  {name:<16} {stats['mean']:.4f} ± {stats['std']:.4f}")
    print(f"\nrun folder: {run.path}")
    return 0
