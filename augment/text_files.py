"""Reading the text files a user hands to `augment`: UTF-8, or one clear error.

A binary file (or one in another encoding) given where a JSONL, CSV, JSON or
template file is expected would otherwise stop with a `UnicodeDecodeError`
traceback. These readers decode in binary and raise a `DataError` naming the
file, line and byte instead, worded as `genreclf.data`'s readers word it
(`genreclf.data.utf8.not_utf8_error`).
"""

from genreclf.data.utf8 import not_utf8_error


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
