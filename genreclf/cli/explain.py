"""`genreclf explain`: the words that pushed each top genre, in colour or as an HTML page.

    genreclf explain runs/x "A detective hunts a killer through a rainy city."
    genreclf explain runs/x --data test.csv --text overview --html explain.html

Texts come as arguments, one per line on stdin (`-`), or from the text
column of a file (`--data`, labelled or not; `--limit` rows). Without
`--html` the explanations are printed (coloured on a terminal unless
`NO_COLOR` is set; `--json` for JSON lines).
"""

import argparse
import json
import sys

from genreclf.errors import ConfigError
from genreclf.errors import DataError

DEFAULT_LIMIT = 50


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf explain",
        description="Show which words pushed each top label of a run's predictions.",
    )
    p.add_argument("run", help="the run folder")
    p.add_argument("texts", nargs="*", help="synopses, or '-' to read one per line from stdin")
    p.add_argument("--data", help="a file of texts to explain (CSV, JSONL, Parquet, ...)")
    p.add_argument("--text", help="the text column of --data (default: the run's)")
    p.add_argument(
        "--format", help="the format of --data: csv, tsv, jsonl, parquet, ... (default: its name)"
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_const",
        const=True,
        help="skip (count and log) malformed rows of --data instead of stopping at the first",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"explain at most this many rows of --data (default {DEFAULT_LIMIT})",
    )
    p.add_argument("--html", help="write an HTML page with every text highlighted here")
    p.add_argument("--top-k", type=int, default=3, help="labels explained per text (default 3)")
    p.add_argument("--words", type=int, default=5, help="words listed per label (default 5)")
    p.add_argument(
        "--steps",
        type=int,
        default=16,
        help="integrated-gradients steps for neural models (default 16; more: closer to "
        "complete, slower)",
    )
    p.add_argument("--json", action="store_true", help="print JSON lines")
    return p


def _file_texts(run, path, column, limit, format=None, skip_bad_rows=None):
    """Texts (and hybrid features) of the first `limit` rows of `path`.

    Labels are not needed: a file whose labels cannot be read as the run's
    (none, another column, several a row for a single-label run) is read for
    its texts alone.
    """
    from genreclf.evaluation import _read

    try:
        dataset = _read(
            run,
            path,
            drop_unknown_labels=False,  # a label the run never saw: its text is still explained
            text=column,
            format=format,
            skip_bad_rows=skip_bad_rows,
        )
    except DataError as err:
        if not _about_labels(run, err):
            raise
        column = column or run.config.get("text") or "text"
        return _unlabelled_texts(path, column, limit, format), None
    texts = list(dataset.texts)[:limit]
    features = None
    if dataset.features:
        features = {name: values[:limit] for name, values in dataset.features.items()}
    return texts, features


def _about_labels(run, error):
    """Whether a `DataError` reading a file is about its labels (none, or not the run's)."""
    from genreclf.data.examples import LABEL_COLUMNS

    label_columns = {run.config.get("label"), *LABEL_COLUMNS} - {None}
    return "No label column" in str(error) or error.field in label_columns


def _unlabelled_texts(path, column, limit, format=None):
    """The `column` of a CSV / JSONL / Parquet file without labels (read by pyarrow)."""
    import pyarrow.csv
    import pyarrow.json
    import pyarrow.parquet

    suffix = format or str(path).lower().rsplit(".", 1)[-1]
    readers = {
        "csv": pyarrow.csv.read_csv,
        "tsv": lambda p: pyarrow.csv.read_csv(
            p, parse_options=pyarrow.csv.ParseOptions(delimiter="\t")
        ),
        "jsonl": pyarrow.json.read_json,
        "json": pyarrow.json.read_json,
        "parquet": pyarrow.parquet.read_table,
    }
    if suffix not in readers:
        raise DataError(
            f"cannot read texts from a {suffix!r} file without labels. Expected CSV, TSV, "
            "JSONL or Parquet (--format csv, tsv, jsonl or parquet), or a labelled file in "
            "any format genreclf trains on.",
            path=path,
        )
    table = readers[suffix](str(path))
    if column not in table.column_names:
        raise DataError(
            f"no text column {column!r}. Columns present: {table.column_names}. Pass "
            "--text COLUMN.",
            path=path,
        )
    texts = [t for t in table.column(column).to_pylist()[:limit]]
    for row, text in enumerate(texts, start=2):
        if not isinstance(text, str) or not text.strip():
            raise DataError("empty text. Remove the row or fill it in.", path=path, line=row)
    return texts


def main(argv):
    # Options may come before, between or after the texts, as in `genreclf predict`.
    args = build_parser().parse_intermixed_args(argv)
    from genreclf.run import load_run

    run = load_run(args.run)  # a wrong folder fails before TensorFlow loads
    from genreclf.cli.predict import _load_model
    from genreclf.cli.predict import argument_texts
    from genreclf.cli.predict import stdin_texts
    from genreclf.explaining import explain
    from genreclf.explaining import render
    from genreclf.explaining import write_html
    from genreclf.explaining.terminal import use_color

    if bool(args.texts) == bool(args.data):
        raise ConfigError(
            "Give the texts to explain either as arguments (or '-' for stdin) or with --data "
            f"FILE. Received: {len(args.texts)} text arguments and data={args.data!r}."
        )
    for name in ("top_k", "steps", "limit", "words"):
        if getattr(args, name) < 1:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be at least 1. Received: {getattr(args, name)}."
            )
    _load_model(run)
    features = None
    if args.data:
        texts, features = _file_texts(
            run, args.data, args.text, args.limit, args.format, args.skip_bad_rows
        )
    elif args.texts == ["-"]:
        texts = stdin_texts(sys.stdin.buffer)
    else:
        texts = argument_texts(args.texts)
    if run.feature_names() and features is None:
        raise ConfigError(
            f"This run also reads the features {run.feature_names()}: explain rows of a file "
            "that has them with --data FILE."
        )
    explanations = explain(run, texts, top_k=args.top_k, steps=args.steps, features=features)
    if args.html:
        write_html(explanations, args.html, title=f"{run.path.name}: explanations")
        print(f"wrote {args.html} ({len(explanations)} texts, {explanations[0].method})")
        return 0
    color = use_color(sys.stdout) and not args.json
    for explanation in explanations:
        if args.json:
            print(json.dumps(explanation.to_dict(), ensure_ascii=False))
        else:
            print(render(explanation, color=color, top_words=args.words))
    if not args.json:
        first = explanations[0]
        print(f"({first.method}; in {first.units} units)")
    return 0
