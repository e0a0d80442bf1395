"""Reading the text files a user hands to `augment`: UTF-8, or one clear error.

A binary file (or one in another encoding) given where a JSONL, CSV, JSON or
template file is expected would otherwise stop with a `UnicodeDecodeError`
traceback. These readers decode in binary and raise a `DataError` naming the
file, line and byte instead.
"""

from genreclf.errors import DataError


def not_utf8_error(path, data, error, expected, first_line=1):
    """The `DataError` for `data` (bytes of `path`) that `error` failed to decode.

    Args:
        path: the file.
        data: the bytes (all of the file, or the line that failed).
        error: the `UnicodeDecodeError`.
        expected: what the file should be ("the JSONL `genreclf augment run` writes").
        first_line: the line of the file `data` starts on.

    Example:

    >>> data = b'{"text": "a"}\\n\\x89PNG'
    >>> try:
    ...     data.decode("utf-8")
    ... except UnicodeDecodeError as e:
    ...     print(not_utf8_error("rows.jsonl", data, e, "a JSONL file"))
    rows.jsonl:2: not UTF-8 text. Expected a JSONL file, as UTF-8 text. Received: byte 0x89 ...
    """
    line = first_line + data.count(b"\n", 0, error.start)
    offset = error.start - (data.rfind(b"\n", 0, error.start) + 1)
    return DataError(
        f"not UTF-8 text. Expected {expected}, as UTF-8 text. Received: byte "
        f"0x{data[error.start]:02x} at byte offset {offset} of line {line} (a binary "
        "file, or one in another encoding). Check the path, or re-save the file as UTF-8.",
        path=path,
        line=line,
    )


def read_text(path, expected):
    """The text of the UTF-8 file `path`, or a `DataError` naming the first bad byte.

    Args:
        path: the file.
        expected: what the file should be, for the error.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = path.write_bytes(b"ok\\n")
    >>> read_text(path, "a template")
    'ok\\n'
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise not_utf8_error(path, data, e, expected) from None


def utf8_lines(path, expected):
    """`(number, text)` for each line of the UTF-8 file `path`, read as it goes.

    A line that is not UTF-8 raises a `DataError` naming the file and line.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = path.write_bytes(b'{"a": 1}\\r\\n{"a": 2}\\n')
    >>> list(utf8_lines(path, "a JSONL file"))
    [(1, '{"a": 1}\\r\\n'), (2, '{"a": 2}\\n')]
    """
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise not_utf8_error(path, raw, e, expected, first_line=number) from None
