"""`genreclf explain`: the words that pushed each top genre, in colour or as an HTML page.

    genreclf explain runs/x "A detective hunts a killer through a rainy city."
    genreclf explain runs/x --data test.csv --text overview --html explain.html
    genreclf explain runs/hybrid "A heist in Lyon." --feature year=1994

Texts come as arguments, one per line on stdin (`-`), or from the text
column of a file (`--data`, labelled or not; `--limit` rows). A hybrid
run's features come with the texts as `genreclf predict` takes them
(`--feature NAME=VALUE`, the same for every text), or from the columns of
`--data`. Without
`--html` the explanations are printed (coloured on a terminal unless
`NO_COLOR` is set; `--json` for JSON lines), `CHUNK` texts at a time as they
are explained; a reader that stops early (`| head`) ends the command quietly.
"""

import argparse
import json
import sys

from genreclf.cli.predict import add_feature_argument
from genreclf.errors import ConfigError
from genreclf.path_arguments import check_out_file
from genreclf.setting import at_least_one

DEFAULT_LIMIT = 50
_PROG = "genreclf explain"
CHUNK = 64  # texts explained, then printed, at a time


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
        type=at_least_one,
        default=DEFAULT_LIMIT,
        help=f"explain at most this many rows of --data (default {DEFAULT_LIMIT})",
    )
    p.add_argument("--html", help="write an HTML page with every text highlighted here")
    p.add_argument(
        "--top-k", type=at_least_one, default=3, help="labels explained per text (default 3)"
    )
    p.add_argument(
        "--words", type=at_least_one, default=5, help="words listed per label (default 5)"
    )
    p.add_argument(
        "--steps",
        type=at_least_one,
        default=16,
        help="integrated-gradients steps for neural models (default 16; more: closer to "
        "complete, slower)",
    )
    p.add_argument("--json", action="store_true", help="print JSON lines")
    add_feature_argument(p)
    return p


def _file_texts(run, path, column, limit, format=None, skip_bad_rows=None):
    """Texts (and hybrid features) of the first `limit` usable rows of `path`.

    Labels are not read: a file without any, with another label column, or
    with labels the run never saw is explained all the same. The file is
    read by genreclf's record readers (`genreclf.data.unlabelled`), as the
    run's training file was (its format, text and feature columns): a bad
    row is an error naming file, line and field, or is skipped, counted and
    logged with `--skip-bad-rows`.
    """
    import numpy as np

    from genreclf.data.read_options import recorded_format
    from genreclf.data.unlabelled import read_unlabelled

    cfg = run.config
    names = tuple(cfg.get("features") or ())
    categorical = tuple(cfg.get("categorical") or ())
    examples = read_unlabelled(
        path,
        text=column,
        default_text=cfg.get("text"),
        format=format or recorded_format(cfg.get("format"), cfg.get("data"), path),
        skip_bad_rows=bool(skip_bad_rows),
        features=names,
        categorical=categorical,
        limit=limit,
    )
    features = {n: np.array([e.features[n] for e in examples], dtype="float32") for n in names}
    for name in categorical:
        features[name] = np.array([e.features[name] for e in examples], dtype=object)
    return [e.text for e in examples], features or None


def main(argv):
    # Options may come before, between or after the texts, as in `genreclf predict`.
    args = build_parser().parse_intermixed_args(argv)
    if args.data == "-":
        raise ConfigError(
            "--data takes a file of rows; standard input is not read as one. Received: "
            f"--data '-'. Pass texts on standard input, one per line, as `{_PROG} RUN -`, or "
            "save the rows to a file and pass it, e.g. --data test.csv."
        )
    from genreclf.run import load_run

    run = load_run(args.run)  # a wrong folder fails before TensorFlow loads
    from genreclf.cli.predict import argument_texts
    from genreclf.cli.predict import feature_values
    from genreclf.cli.predict import in_chunks
    from genreclf.cli.predict import quiet_stdout
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
    if args.html:  # written after every text is explained: refused before any is
        check_out_file(args.html, "--html", what="the HTML page to write", example="explain.html")
    if args.data and args.feature:
        raise ConfigError(
            "--feature gives texts from the command line a value; the rows of --data are "
            f"explained with their own feature columns. Received: --data {args.data!r} and "
            f"--feature {args.feature[0]!r}. Drop --feature, or pass the texts as arguments."
        )
    _ = run.model  # a damaged model.keras is refused before the texts are read
    if args.data:
        texts, features = _file_texts(
            run, args.data, args.text, args.limit, args.format, args.skip_bad_rows
        )
    else:
        texts = stdin_texts(sys.stdin.buffer) if args.texts == ["-"] else argument_texts(args.texts)
        rows = "explain rows of a file with their own values: --data FILE"
        features = feature_values(run, args.feature, len(texts), own_values=rows) or None
    if args.html:
        explanations = explain(run, texts, top_k=args.top_k, steps=args.steps, features=features)
        write_html(explanations, args.html, title=f"{run.path.name}: explanations")
        print(f"wrote {args.html} ({len(explanations)} texts, {explanations[0].method})")
        return 0
    color = use_color(sys.stdout) and not args.json
    try:
        for chunk, given in in_chunks(texts, features, CHUNK):
            explanations = explain(run, chunk, top_k=args.top_k, steps=args.steps, features=given)
            for explanation in explanations:
                if args.json:
                    print(json.dumps(explanation.to_dict(), ensure_ascii=False))
                else:
                    print(render(explanation, color=color, top_words=args.words))
            sys.stdout.flush()
        if not args.json:
            print(f"({explanations[0].method}; in {explanations[0].units} units)")
    except BrokenPipeError:  # the reader stopped (`| head`): nothing is wrong
        quiet_stdout()
    return 0
