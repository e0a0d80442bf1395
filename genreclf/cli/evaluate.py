"""`genreclf evaluate`: score a run on labelled data, or compare two runs."""

import argparse

from genreclf.cli.reading import add_reading_options


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf evaluate",
        description="Evaluate a run folder on labelled data: writes report.md, "
        "metrics.json and confusion.png (single-label) into --out.",
    )
    p.add_argument("run", help="the run folder to evaluate")
    p.add_argument("--data", help="labelled file (default: report the run's validation metrics)")
    p.add_argument(
        "--compare",
        help="another run folder: per-class F1 side by side, rare classes first, with paired "
        "intervals; without --data, on the rows both runs held out (a shared validation split, "
        "or one's split and the other's out-of-fold scores)",
    )
    p.add_argument("--out", help="report folder (default <run>/evaluation)")
    add_reading_options(
        p, default="as in training", skip_help="skip (count and log) malformed rows"
    )
    return p


def main(argv):
    args = build_parser().parse_args(argv)
    if args.data == "-":
        from genreclf.errors import ConfigError

        raise ConfigError(
            "--data takes a labelled file; standard input is not read as one. Received: "
            "--data '-'. Save the rows to a file first and pass it, e.g. --data test.csv."
        )
    from genreclf.evaluation import evaluate
    from genreclf.metrics import format_summary

    report = evaluate(
        args.run,
        args.data,
        out=args.out,
        compare=args.compare,
        text=args.text,
        label=args.label,
        format=args.format,
        sep=args.sep,
        skip_bad_rows=args.skip_bad_rows,
    )
    if "comparison" in report:
        print(report["comparison"])
    else:
        print(format_summary(report))
    if args.data or args.out:
        import pathlib

        out = pathlib.Path(args.out) if args.out else pathlib.Path(args.run) / "evaluation"
        print(f"\nreport: {out / 'report.md'}")
    return 0
