"""What a file given as text is when it is not: compressed, Parquet, a ZIP, UTF-16, empty.

Without this, a gzip file named `movies.csv` stopped on "byte 0x8b ... is not
valid UTF-8" with advice to re-save it from Latin-1, the same file named
`.jsonl` on "No JSON object found", and a UTF-16 file without a byte order
mark on a missing column whose name was `'t\\x00e\\x00x\\x00t\\x00'`. The
first bytes of the file tell what it is; the error says so, and how to read it.
"""

import os
import shlex

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.errors import DataError

# The formats read as text: a file of one of these is checked here first.
TEXT_FORMATS = ("csv", "tsv", "tsv-unquoted", "jsonl", "kaggle-genre")

_EXPECTED = {
    None: "a data file",
    "csv": "a CSV file",
    "tsv": "a TSV file",
    "tsv-unquoted": "a TSV file",
    "jsonl": "a JSONL file (one JSON object per line)",
    "kaggle-genre": "a Kaggle genre .txt (`ID ::: TITLE ::: GENRE ::: DESCRIPTION`)",
}

# (first bytes, what the file is, the command that makes text of it: {name} -> {out})
_COMPRESSED = (
    (b"\x1f\x8b", "a gzip-compressed file", "gzip -dc {name} > {out}", ".gz"),
    (b"BZh", "a bzip2-compressed file", "bzip2 -dc {name} > {out}", ".bz2"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "xz -dc {name} > {out}", ".xz"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "zstd -dc {name} > {out}", ".zst"),
)


def _decompressed_name(name, suffix):
    if name.lower().endswith(suffix) and len(name) > len(suffix):
        return name[: -len(suffix)]
    return "unpacked-" + name


def _what_it_is(head, name):
    """`(what the file is, how to fix it)` from its first bytes, or None for text."""
    quoted = shlex.quote(name)
    for magic, what, command, suffix in _COMPRESSED:
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit()):
            out = shlex.quote(_decompressed_name(name, suffix))
            what = f"{what} (it starts with bytes {head[: len(magic)].hex(' ')})"
            return (
                what,
                f"decompress it first (`{command.format(name=quoted, out=out)}`) and pass {out}",
            )
    if head.startswith(b"PAR1"):
        return "a Parquet file (it starts with PAR1)", (
            f"pass {argument('format')}='parquet' (`{flag('format')} parquet`), or name it .parquet"
        )
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive, such as an Excel .xlsx workbook (it starts with PK)", (
            "unzip it, or save the sheet as CSV UTF-8, and pass that file"
        )
    out = shlex.quote("utf8-" + name)
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if head.startswith(bom):
            return f"{encoding.upper()} text (it starts with the byte order mark {bom.hex(' ')})", (
                f"convert it to UTF-8 (`iconv -f {encoding} -t utf-8 {quoted} > {out}`) and pass {out}"
            )
    zeros = head.count(0)
    if len(head) >= 4 and zeros * 4 >= len(head):
        # UTF-16 without a byte order mark: the zero byte of each ASCII character.
        encoding = "utf-16le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16be"
        return (
            f"UTF-16 text without a byte order mark, or binary data ({zeros} of its first "
            f"{len(head)} bytes are 0)"
        ), f"if it is text, convert it to UTF-8 (`iconv -f {encoding} -t utf-8 {quoted} > {out}`)"
    return None


def check_text_file(path, format=None):
    """Raises a `DataError` if the file `path`, to be read as text, is something else.

    A compressed file, a Parquet file, a ZIP archive (an `.xlsx`) or UTF-16
    text is named as such, with how to read it; with `format=None` (its
    format could not be told from its name), an empty file or one of blank
    lines says so. Anything else is left to the reader of `format`.

    Args:
        path: the file.
        format: one of `TEXT_FORMATS`, or None.

    Example:

    >>> import gzip, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "movies.csv"
    >>> _ = path.write_bytes(gzip.compress(b"text,label\\n"))
    >>> check_text_file(path, "csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: ...movies.csv:1: Expected a CSV file, as UTF-8 text. Received: a gzip-compressed file ...
    """
    path = str(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    found = _what_it_is(head, os.path.basename(path) or "FILE")
    if found is not None:
        what, fix = found
        raise DataError(
            f"Expected {_EXPECTED.get(format, 'a data file')}, as UTF-8 text. Received: "
            f"{what}. {fix[0].upper()}{fix[1:]}.",
            path=path,
            line=1,
        )
    if format is None and not head.strip():
        with open(path, "rb") as f:
            blank = not any(line.strip() for line in f)
        if blank:
            raise DataError(
                "The file is empty"
                + (" (blank lines only)" if head else "")
                + ": expected a data file (CSV, TSV, JSONL, Parquet, or a .txt in the Kaggle "
                "`ID ::: TITLE ::: GENRE ::: DESCRIPTION` format) holding rows. Check the path, "
                "or write the rows into it.",
                path=path,
            )
