"""`genreclf predict`: the genres of synopses, from the command line.

Bad input ends in one error line, as in training: a text that is not valid
UTF-8 (an argument or a line of stdin), an empty text, a text holding a NUL
byte, or a run whose `model.keras` cannot be read. Text that is not UTF-8 is
worded as the data readers word it (`genreclf.data.utf8`): the byte, its
offset and where it is, `<stdin>:LINE` for standard input.

A hybrid run also reads feature columns: `--feature NAME=VALUE` gives each
text the same value (a number for a numeric feature), and a missing one is
named with the flag that passes it.

Every text is read and checked before any is scored (a bad line prints no
prediction); they are then scored and printed `CHUNK` at a time, so the
results of many texts are never all held at once, and a reader that stops
early (`| head`) ends the command quietly, with the texts after it unscored.
"""

import argparse
import json
import os
import sys

from genreclf.data.inputs import has_words
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.setting import at_least_one

CHUNK = 16384  # texts scored and printed at a time


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf predict",
        description="Predict labels for synopses given as arguments, or one per line "
        "on standard input ('-').",
    )
    p.add_argument("run", help="the run folder")
    p.add_argument("texts", nargs="+", help="synopses, or '-' to read one per line from stdin")
    p.add_argument(
        "--top-k",
        type=at_least_one,
        default=3,
        help="how many top labels to show, 1 or more (default 3)",
    )
    p.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    add_feature_argument(p)
    return p


def add_feature_argument(parser):
    """`--feature NAME=VALUE` (repeatable): a hybrid run's feature, the same for every text."""
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="hybrid runs: a feature's value for every text, e.g. --feature year=1994 "
        "(repeat for each feature)",
    )


ROWS_OWN_VALUES = (
    "score rows with their own values from Python: run.predict(texts, features={name: values})"
)


def feature_values(run, given, count, own_values=ROWS_OWN_VALUES):
    """`{name: [value] * count}` for a hybrid run's features, from `--feature NAME=VALUE`.

    `own_values` ends the message of a missing feature: how the command
    takes rows that each have their own values.

    Raises:
        ConfigError: a malformed or unknown `--feature`, a missing one, or a
            numeric feature's value that is not a finite number.
    """
    import math

    import numpy as np

    inputs = {t.name: t for t in run.model.inputs if t.name != "text"}
    values = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(
                f"--feature takes NAME=VALUE. Received: --feature {item!r}. Pass e.g. "
                "--feature year=1994."
            )
        if name not in inputs:
            expected = sorted(inputs) or "none: it reads the text alone"
            raise ConfigError(
                f"{run.path} has no feature {name!r}. Expected one of its features: "
                f"{expected}. Received: --feature {item!r}."
            )
        if str(inputs[name].dtype).startswith(("float", "int", "uint")):
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ConfigError(
                    f"The feature {name!r} is numeric. Received: --feature {item!r}. Pass "
                    f"a finite number, e.g. --feature {name}=1994."
                )
            values[name] = np.full(count, number, dtype="float32")
        else:
            values[name] = [value] * count
    missing = [name for name in inputs if name not in values]
    if missing:
        flags = " ".join(f"--feature {name}=VALUE" for name in missing)
        raise ConfigError(
            f"{run.path} is a hybrid run: it reads the features {sorted(inputs)} beside "
            f"the text. Received: no value for {missing}. Pass {flags} (the same value "
            f"for every text), or {own_values}."
        )
    return values


def _check_text(text, where, line=None):
    """Raises a `DataError` located at `where` (and `line`) for an empty text or a NUL byte."""
    if not has_words(text):
        shown = (
            "''"
            if not text
            else f"{text[:20]!r}{'...' if len(text) > 20 else ''} (only spaces or invisible marks)"
        )
        raise DataError(
            f"empty text. Expected a synopsis with some words. Received: {shown}. Remove the "
            f"{'line' if line is not None else 'argument'} or fill it in.",
            path=where,
            line=line,
        )
    if "\0" in text:
        raise DataError(
            f"the text holds a NUL byte (\\x00) at character {text.index(chr(0)) + 1}. "
            "Remove it (e.g. tr -d '\\000') and predict again.",
            path=where,
            line=line,
        )


def _undecodable(text):
    """`(byte, offset)`: the first byte Python could not decode as UTF-8 in an argument
    and its 0-based byte offset there, or None.

    Arguments that are not valid UTF-8 reach Python with each bad byte as a
    lone surrogate (`surrogateescape`).

    Example:

    >>> _undecodable("caf\\udce9"), _undecodable("café")
    ((233, 3), None)
    """
    for position, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            offset = len(text[:position].encode("utf-8", "surrogateescape"))
            return ord(char) - 0xDC00, offset
    return None


def argument_texts(texts):
    """The texts given as arguments, checked (UTF-8, not empty, no NUL).

    Example:

    >>> argument_texts(["A heist.", "A caf\\udce9 ghost."])
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: text 2: text is not valid UTF-8. Expected UTF-8 text. Received:
    byte 0xe9 at byte offset 5 of text 2. ...
    """
    for index, text in enumerate(texts, start=1):
        bad = _undecodable(text)
        if bad is not None:
            from genreclf.data.utf8 import not_utf8_message  # `genreclf.data` loads NumPy

            byte, offset = bad
            raise DataError(
                f"{not_utf8_message(byte, offset, f'text {index}')} Pass the synopses as "
                "UTF-8: convert them first, e.g. `iconv -f latin1 -t utf-8`.",
                path=f"text {index}",
            )
        _check_text(text, f"text {index}")
        _warn_if_a_file_name(text, index)
    return list(texts)


def _warn_if_a_file_name(text, index):
    """Warns when a text argument names a file here: it was likely meant as data."""
    import os

    if len(text.split()) == 1 and len(text) < 4096 and os.path.isfile(text):
        import logging

        logging.getLogger("genreclf").warning(
            "text %d (%r) is the name of a file here; it is scored as a synopsis. To score "
            "the rows of a data file (CSV, JSONL, Parquet, ...), pass it with --data FILE to "
            "`genreclf explain` or `genreclf evaluate`; a plain-text file of one synopsis per "
            "line goes on stdin: `genreclf predict RUN - < FILE`.",
            index,
            text,
        )


def stdin_texts(stream):
    """One text per line of a binary stream, checked; errors name `<stdin>` and the line.

    A stream without any line (`< /dev/null`, an empty file) is an error too:
    there is nothing to predict or explain, and printing nothing would look
    like success.

    Example:

    >>> import io
    >>> stdin_texts(io.BytesIO(b"A heist.\\r\\nA ghost.\\n"))
    ['A heist.', 'A ghost.']
    >>> stdin_texts(io.BytesIO(b"A heist.\\nA caf\\xe9 ghost.\\n"))
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: <stdin>:2: text is not valid UTF-8. Expected one synopsis per
    line, as UTF-8 text. Received: byte 0xe9 at byte offset 5 of line 2. ...
    >>> stdin_texts(io.BytesIO(b""))
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: <stdin>: no texts: standard input was empty. Expected one synopsis per line. ...
    """
    from genreclf.data.utf8 import STDIN  # here: `genreclf.data` loads NumPy
    from genreclf.data.utf8 import not_utf8_error

    texts = []
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise not_utf8_error(
                STDIN, raw, err, "one synopsis per line", first_line=number
            ) from None
        text = line.rstrip("\r\n")
        _check_text(text, STDIN, number)
        texts.append(text)
    if not texts:
        raise DataError(
            "no texts: standard input was empty. Expected one synopsis per line. Received: "
            "0 lines. Pipe a file of synopses into the command (`- < synopses.txt`), or pass "
            "the synopses as arguments.",
            path=STDIN,
        )
    return texts


def main(argv):
    # Options may come before, between or after the texts: `RUN --json TEXT ...`.
    args = build_parser().parse_intermixed_args(argv)
    from genreclf.run import load_run

    if args.texts == ["-"]:
        texts = stdin_texts(sys.stdin.buffer)
    else:
        texts = argument_texts(args.texts)
    run = load_run(args.run)
    _ = run.model  # a damaged model.keras is refused before any text is read
    features = feature_values(run, args.feature, len(texts)) or None
    try:
        for chunk, given in in_chunks(texts, features, CHUNK):
            for text, result in zip(
                chunk, run.predict_names(chunk, top_k=args.top_k, features=given)
            ):
                _print_result(text, result, args.json)
            sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped (`| head`): nothing is wrong
        quiet_stdout()
    return 0


def in_chunks(texts, features, size):
    """`(texts, features)` of `size` texts at a time; `features` (columns, or None) sliced alike.

    Example:

    >>> list(in_chunks(["a", "b", "c"], {"year": [1, 2, 3]}, 2))
    [(['a', 'b'], {'year': [1, 2]}), (['c'], {'year': [3]})]
    """
    for start in range(0, len(texts), size):
        given = None
        if features is not None:
            given = {name: values[start : start + size] for name, values in features.items()}
        yield texts[start : start + size], given


def _print_result(text, result, as_json):
    if as_json:
        print(json.dumps({"text": text, **result}, ensure_ascii=False))
        return
    preview = text if len(text) <= 70 else text[:67] + "..."
    print(preview)
    print(f"  labels: {', '.join(result['labels']) or '(none above threshold)'}")
    for label, score in zip(result["top_labels"], result["top_scores"]):
        print(f"  {score:6.3f}  {'#' * int(round(score * 30)):<30} {label}")


def quiet_stdout():
    """Points standard output at the null device once its reader has gone (`| head`), so
    that flushing it at exit raises no second `BrokenPipeError`."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (AttributeError, OSError, ValueError):  # no file descriptor (a captured stream)
        pass
