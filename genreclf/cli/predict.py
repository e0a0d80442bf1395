"""`genreclf predict`: the genres of synopses, from the command line.

Bad input ends in one error line, as in training: a text that is not valid
UTF-8 (an argument or a line of stdin), an empty text, a text holding a NUL
byte, or a run whose `model.keras` cannot be read.
"""

import argparse
import json
import sys
import zipfile

from genreclf.errors import DataError
from genreclf.errors import RunFolderError
from genreclf.setting import at_least_one


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
    return p


def _check_text(text, where):
    """Raises a `DataError` located at `where` for an empty text or a NUL byte."""
    if not text.strip():
        raise DataError(
            "empty text. Every synopsis needs some text; remove the empty one.", path=where
        )
    if "\0" in text:
        raise DataError(
            f"the text holds a NUL byte (\\x00) at character {text.index(chr(0)) + 1}. "
            "Remove it (e.g. tr -d '\\000') and predict again.",
            path=where,
        )


def _undecodable(text):
    """The first byte Python could not decode as UTF-8 in an argument, or None.

    Arguments that are not valid UTF-8 reach Python with each bad byte as a
    lone surrogate (`surrogateescape`).
    """
    for position, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return position, ord(char) - 0xDC00
    return None


def argument_texts(texts):
    """The texts given as arguments, checked (UTF-8, not empty, no NUL)."""
    for index, text in enumerate(texts, start=1):
        bad = _undecodable(text)
        if bad is not None:
            position, byte = bad
            raise DataError(
                f"not valid UTF-8: byte 0x{byte:02x} at character {position + 1}. Pass "
                "UTF-8 text (convert with `iconv -t UTF-8`).",
                path=f"text {index}",
            )
        _check_text(text, f"text {index}")
    return list(texts)


def stdin_texts(stream):
    """One text per line of a binary stream, checked; lines are numbered from 1."""
    texts = []
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DataError(
                f"not valid UTF-8: byte 0x{raw[err.start]:02x} at byte {err.start + 1}. "
                "Send UTF-8 text (convert with `iconv -t UTF-8`).",
                path="stdin",
                line=number,
            ) from None
        text = line.rstrip("\r\n")
        _check_text(text, f"stdin:{number}")
        texts.append(text)
    return texts


def _load_model(run):
    """Loads the run's model, turning a damaged `model.keras` into a `RunFolderError`."""
    try:
        return run.model
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as err:
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise RunFolderError(
            f"{run.path / 'model.keras'} could not be read: the file is damaged or truncated "
            f"({type(err).__name__}: {reason}). Retrain the run, or restore the file from a "
            "copy."
        ) from None


def main(argv):
    # Options may come before, between or after the texts: `RUN --json TEXT ...`.
    args = build_parser().parse_intermixed_args(argv)
    from genreclf.run import load_run

    if args.texts == ["-"]:
        texts = stdin_texts(sys.stdin.buffer)
    else:
        texts = argument_texts(args.texts)
    run = load_run(args.run)
    _load_model(run)
    for text, result in zip(texts, run.predict(texts, top_k=args.top_k)):
        if args.json:
            print(json.dumps({"text": text, **result}, ensure_ascii=False))
            continue
        preview = text if len(text) <= 70 else text[:67] + "..."
        print(preview)
        print(f"  labels: {', '.join(result['labels']) or '(none above threshold)'}")
        for label, score in zip(result["top_labels"], result["top_scores"]):
            print(f"  {score:6.3f}  {'#' * int(round(score * 30)):<30} {label}")
    return 0
