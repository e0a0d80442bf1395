"""`genreclf export`: publish a run folder to a TF Serving base path, or verify one.

genreclf export RUN --name genre --base models/ [--version N] [--no-verify] [--top-k 3]
genreclf export verify models/genre/1 [--run RUN] [--serving-tf-text 2.12.1]
"""

import argparse
import os
import sys

from genreclf.errors import GenreclfError
from genreclf.export.errors import ExportError
from genreclf.setting import argument_type
from genreclf.setting import whole


def _export_parser():
    parser = argparse.ArgumentParser(
        prog="genreclf export",
        description="Export a run folder as a versioned SavedModel for TF Serving "
        "(written to a temporary folder, verified in a clean process, then renamed "
        "to <base>/<name>/<version>). `genreclf export verify DIR` checks an "
        "exported version.",
    )
    parser.add_argument("run", help="the run folder written by `genreclf train`")
    parser.add_argument("--name", required=True, help="the served model name")
    parser.add_argument("--base", default="models", help="TF Serving base path (default: models)")
    parser.add_argument(
        "--version",
        type=int,
        default=None,
        help="version number (default: the next free one, even if another export "
        "publishes first; never overwrites)",
    )
    parser.add_argument(
        "--top-k",
        type=argument_type(whole(1), example=3),
        default=3,
        help="width of top_labels, 1 or more (default: 3)",
    )
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="skip the clean-process verification (not recommended)",
    )
    parser.add_argument(
        "--serving-tf-text",
        default=None,
        metavar="VERSION",
        help="also check ops against this TF Text version (e.g. 2.12.1 for TF Serving 2.12-2.19)",
    )
    return parser


def _verify_parser():
    parser = argparse.ArgumentParser(
        prog="genreclf export verify",
        description="Verify an exported version in a fresh process that imports only "
        "TensorFlow and TF Text's ops: op registration, loading, both signatures, "
        "warmup requests, and (with --run) score parity with the Keras model.",
    )
    parser.add_argument("version_dir", help="e.g. models/genre/1")
    parser.add_argument(
        "--run",
        default=None,
        help="the run it was exported from: the model card must name it (same labels "
        "and label mode), the scores must match its model's and the labels its "
        "thresholds' (or its cascade's)",
    )
    parser.add_argument(
        "--atol", type=float, default=1e-5, help="max abs score difference (default: 1e-5)"
    )
    parser.add_argument(
        "--serving-tf-text",
        default=None,
        metavar="VERSION",
        help="check ops against this TF Text version (e.g. 2.12.1) or a file of op names",
    )
    parser.add_argument(
        "--text",
        action="append",
        default=None,
        help="a sample text (repeatable; default: built-in samples)",
    )
    return parser


def _verify(argv):
    args = _verify_parser().parse_args(argv)
    from genreclf.export.verify_arguments import not_a_version_folder

    problem = not_a_version_folder(args.version_dir)  # a run or model folder, named as such
    if problem:
        raise ExportError(problem)
    if not os.path.isfile(os.path.join(args.version_dir, "saved_model.pb")):
        raise ExportError(
            f"No SavedModel at {args.version_dir} (expected saved_model.pb). Received: "
            f"version_dir={args.version_dir!r}. Pass a version folder such as models/genre/1."
        )
    from genreclf.export.verify import verify_export

    run = None
    if args.run:
        from genreclf.run import load_run

        run = load_run(args.run)  # its model loads only if the card's labels are its own
    report = verify_export(
        args.version_dir,
        reference_run=run,
        sample_texts=args.text,
        atol=args.atol,
        serving_tf_text=args.serving_tf_text,
    )
    print(report.summary())
    return 0 if report.ok else 1


def _export(argv):
    args = _export_parser().parse_args(argv)
    from genreclf.export.errors import VerificationError
    from genreclf.export.exporter import export_run

    try:
        path, report = export_run(
            args.run,
            args.base,
            args.name,
            version=args.version,
            verify=not args.no_verify,
            top_k=args.top_k,
            serving_tf_text=args.serving_tf_text,
            return_report=True,
        )
    except VerificationError as e:
        if e.report is None:
            raise
        print(e.report.summary())
        raise ExportError(
            "The exported SavedModel failed verification, so nothing was published. "
            "Received: the checks marked [FAIL] above. Fix what they name, then export again."
        ) from None
    if report is not None:
        print(report.summary())
    print(f"exported {path}")
    return 0


def main(argv=None):
    """Runs `genreclf export` with `argv`; returns the exit code.

    Errors are one line on stderr, `genreclf export: error: ...` (or `genreclf
    export verify: error: ...`), with exit code 1, as the other commands
    print theirs; argparse's usage errors keep exit code 2.

    Example:

    >>> main(["verify", "no/such/version"])  # doctest: +SKIP
    1
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    verify = bool(argv) and argv[0] == "verify"
    command = "genreclf export verify" if verify else "genreclf export"
    try:
        return _verify(argv[1:]) if verify else _export(argv)
    except GenreclfError as e:
        print(f"{command}: error: {e}", file=sys.stderr)
    except OSError as e:  # a path the user gave that cannot be read or written
        from genreclf.cli import describe_os_error

        print(f"{command}: error: {describe_os_error(e)}", file=sys.stderr)
    return 1
