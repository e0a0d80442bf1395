"""`genreclf labels check`: likely mislabelled rows of a data file, ranked (cleanlab).

    genreclf labels check movies.csv --text overview --label genres --sep "|" --out suspects.csv

writes `suspects.csv` (rank, line, id, text, given, suggested, score,
flagged) and `suspects.md` (the report section) beside it.
"""

import argparse
import sys

from genreclf.cli.settings import parse_settings
from genreclf.errors import ConfigError
from genreclf.path_arguments import check_out_file
from genreclf.setting import argument_type
from genreclf.setting import whole

USAGE = "genreclf labels check DATA [--text COL] [--label COL] [--sep S] --out suspects.csv"


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf labels check",
        description="Find rows whose labels look wrong: out-of-fold predicted probabilities "
        "(k-fold; TF-IDF + logistic regression by default, or any model family) fed to "
        "cleanlab's confident learning. Writes a ranked CSV and a markdown report beside it.",
    )
    p.add_argument("data", help="labelled file (any format `genreclf train` reads)")
    p.add_argument("--text", help="text column")
    p.add_argument("--label", help="label column")
    p.add_argument("--format", default="auto", help="csv, tsv, jsonl, parquet, kaggle-genre, ...")
    p.add_argument(
        "--multi-label", action="store_const", const=True, help="rows may carry several labels"
    )
    p.add_argument("--sep", help="separator between labels in one cell (implies --multi-label)")
    p.add_argument("--id", dest="id_column", help="a column of row ids to copy into the CSV")
    p.add_argument(
        "--skip-bad-rows", action="store_true", help="skip (count and log) malformed rows"
    )
    p.add_argument(
        "--model",
        default="tfidf",
        help="what scores the rows out of fold: tfidf (default: TF-IDF + logistic "
        "regression, seconds) or a model family trained per fold (ngram, stack, bilstm, ...)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of --model's family (JSON values); repeatable",
    )
    p.add_argument("--epochs", type=int, help="maximum epochs of --model's family per fold")
    p.add_argument(
        "--folds",
        type=argument_type(whole(2), example="--folds 5"),
        default=5,
        help="k of the k-fold, at least 2 (default 5)",
    )
    p.add_argument("--seed", type=int, default=0, help="fold seed (default 0)")
    p.add_argument(
        "--filter-by",
        default="prune_by_noise_rate",
        choices=(
            "prune_by_noise_rate",
            "prune_by_class",
            "both",
            "confident_learning",
            "predicted_neq_given",
        ),
        help="cleanlab's rule for flagging rows (default prune_by_noise_rate)",
    )
    p.add_argument(
        "--top",
        type=int,
        help="write the N lowest-scoring rows instead of cleanlab's flagged rows",
    )
    p.add_argument(
        "--work-dir",
        help="where --model's fold runs go (a rerun reuses the folds that finished with the "
        "same settings on the same rows and retrains the others; default: <out>.folds/ "
        "beside the CSV); not a run folder of `genreclf train` or `ensemble`",
    )
    p.add_argument("--out", required=True, help="the CSV to write (the report goes beside it)")
    p.add_argument("--quiet", action="store_true", help="print only the output paths")
    return p


def _default_work_dir(out):
    """`suspects.folds` beside `--out suspects.csv`."""
    import pathlib

    out = pathlib.Path(out)
    return out.with_name(out.stem + ".folds")


def _check_arguments(args):
    """Refuses a `--top` under 1, an unknown `--model`, an unwritable `--out` or a `--work-dir`
    that is a run's folder before any data is read (`--folds` under 2: argparse)."""
    check_out_file(
        args.out,
        "--out",
        what="the CSV file to write (the report goes beside it)",
        example="suspects.csv",
    )
    if args.top is not None and args.top < 1:
        raise ConfigError(
            f"--top is how many of the lowest-scoring rows to write, at least 1. "
            f"Received: --top {args.top}. Omit it to write cleanlab's flagged rows."
        )
    if args.model != "tfidf":  # genreclf.models loads Keras: not for the default
        from genreclf.models import check_family_name

        check_family_name(args.model, other=("tfidf", "'tfidf' (the default)"))
    if args.model != "tfidf" and args.work_dir is not None:
        from genreclf.label_issues.out_of_fold import check_work_dir

        check_work_dir(args.work_dir, "--work-dir", example=str(_default_work_dir(args.out)))


def main(argv):
    argv = list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: {USAGE}\n\nRun `genreclf labels check --help` for the options.")
        return 0
    if argv[0] != "check":
        raise ConfigError(
            f"Unknown `genreclf labels` action. Expected: check. Received: {argv[0]!r}. "
            f"Usage: {USAGE}"
        )
    args = build_parser().parse_args(argv[1:])
    import pathlib

    _check_arguments(args)
    from genreclf.label_issues import find_label_issues

    out = pathlib.Path(args.out)
    work_dir = args.work_dir
    if work_dir is None and args.model != "tfidf":
        work_dir = _default_work_dir(out)
    issues = find_label_issues(
        args.data,
        text=args.text,
        label=args.label,
        format=args.format,
        multi_label=args.multi_label,
        sep=args.sep,
        id_column=args.id_column,
        skip_bad_rows=args.skip_bad_rows,
        model=args.model,
        folds=args.folds,
        seed=args.seed,
        model_config=parse_settings(args.set, example="max_tokens=2000"),
        epochs=args.epochs,
        work_dir=work_dir,
        filter_by=args.filter_by,
        verbose=0 if args.quiet else 1,
    )
    csv_path, md_path = issues.write(out, top=args.top, title=f"Label issues in {args.data}")
    if not args.quiet:
        n = len(issues.dataset)
        print(
            f"{issues.num_flagged:,} of {n:,} rows flagged as likely mislabelled "
            f"({issues.num_flagged / max(n, 1):.1%}); top suspects:"
        )
        for row in issues.rows(top=5, flagged_only=True):
            print(
                f"  line {row['line']}: given {row['given']!r}, suggested "
                f"{row['suggested']!r} (score {row['score']:.3f}): {row['text'][:70]}"
            )
    caution = issues.caution()
    if caution:
        print(f"genreclf labels check: warning: {caution}", file=sys.stderr)
    print(f"suspects: {csv_path}\nreport:   {md_path}")
    return 0
