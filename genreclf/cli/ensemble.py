"""`genreclf ensemble`: join trained runs into one run (weights chosen on held-out rows)."""

import argparse

from genreclf.cli.reading import READING_OPTIONS
from genreclf.cli.reading import add_reading_options
from genreclf.cli.train import add_mlflow_arguments
from genreclf.errors import ConfigError


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
    add_reading_options(
        p.add_argument_group("reading --data"),
        default="as the first member was trained",
        skip_help="skip (count and log) malformed rows and rows of labels the members never saw",
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
    from genreclf.ensemble_members import check_out_apart
    from genreclf.run import Run

    check_out_apart(args.runs, args.out)  # before any work: --overwrite would destroy a member
    reading = _reading_options(args)
    members = [Run(path) for path in args.runs]  # a wrong folder fails before TensorFlow loads
    from genreclf.ensembling import ensemble
    from genreclf.metrics import format_summary

    run = ensemble(
        members,
        args.out,
        data=_held_out_rows(args, members, reading),
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


def _reading_options(args):
    """`{option: value}` of the reading options given; an error when there is no --data."""
    given = {name: getattr(args, name) for name in READING_OPTIONS if getattr(args, name)}
    if given and args.data is None:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in given)
        raise ConfigError(
            f"{flags} {'applies' if len(given) == 1 else 'apply'} to reading --data, and no "
            f"--data was given. Received: {', '.join(f'{k}={v!r}' for k, v in given.items())} "
            "without data. Pass --data FILE (labelled rows the members did not train on), or "
            "drop those options."
        )
    return given


def _held_out_rows(args, members, reading):
    """`--data` (a path, or None), or its rows read with the `reading` options given."""
    if not reading:
        return args.data
    from genreclf.evaluation import read_as_trained

    return read_as_trained(members[0], args.data, **reading)
