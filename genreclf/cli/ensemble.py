"""`genreclf ensemble`: join trained runs into one run (weights chosen on held-out rows)."""

import argparse

from genreclf.cli.train import add_mlflow_arguments


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf ensemble",
        description="Join trained runs (any families, same labels) into one run whose model "
        "averages their scores, with weights and thresholds chosen on held-out rows. The "
        "result is a run folder like any other: evaluate, predict, export and verify it.",
    )
    p.add_argument("runs", nargs="+", help="two or more run folders")
    p.add_argument("--out", required=True, help="the new run folder")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished run in --out (refused otherwise)",
    )
    p.add_argument(
        "--data",
        help="labelled held-out rows the members did not train on (default: the members' "
        "shared validation split, else the out-of-fold scores that runs trained on every row "
        "saved, on the same file)",
    )
    p.add_argument(
        "--calibration",
        choices=("auto", "none"),
        default="auto",
        help="calibrate the blended scores on the held-out rows, inside the model: auto "
        "(default: temperature scaling for single-label, per-class Platt for multi-label) or none",
    )
    add_mlflow_arguments(p, what="the ensemble")
    p.add_argument("--quiet", action="store_true", help="print only the run folder")
    return p


def main(argv):
    args = build_parser().parse_args(argv)
    from genreclf.run import Run

    members = [Run(path) for path in args.runs]  # a wrong folder fails before TensorFlow loads
    from genreclf.ensembling import ensemble
    from genreclf.metrics import format_summary

    run = ensemble(
        members,
        args.out,
        data=args.data,
        verbose=0 if args.quiet else 1,
        calibration=args.calibration,
        mlflow_uri=args.mlflow,
        mlflow_experiment=args.mlflow_experiment,
        overwrite=args.overwrite,
    )
    if not args.quiet:
        print(format_summary(run.metrics))
    print(f"\nrun folder: {run.path}")
    return 0
