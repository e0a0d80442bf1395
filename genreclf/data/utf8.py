"""One wording for text that is not UTF-8, whichever reader meets it.

A binary file (or one in another encoding) given where text is expected
would otherwise stop with a `UnicodeDecodeError` traceback. The data readers
(`genreclf.data`) and `genreclf augment`'s readers name the file, line and
byte instead, say what was expected and how to fix it, in the same words.
Text piped in on standard input is named `<stdin>` (`STDIN`), and its fix
is to convert it on its way in rather than to re-save a file.
"""

import os
import shlex

from genreclf.errors import DataError

# The name of standard input, for `path`: `<stdin>:3: text is not valid UTF-8. ...`
STDIN = "<stdin>"


def bad_byte(data, error, first_line=1):
    """`(line, byte, offset)` of the byte where decoding `data` failed with `error`.

    Args:
        data: the bytes that were decoded (a whole file, or some of its lines).
        error: the `UnicodeDecodeError`.
        first_line: the line of the file `data` starts on.

    Returns:
        The 1-based line of the file, the byte's value, and its 0-based
        offset within that line.

    Example:

    >>> data = b"ok\\ncaf\\xe9\\n"
    >>> try:
    ...     data.decode("utf-8")
    ... except UnicodeDecodeError as e:
    ...     print(bad_byte(data, e))
    (2, 233, 3)
    """
    line = first_line + data.count(b"\n", 0, error.start)
    offset = error.start - (data.rfind(b"\n", 0, error.start) + 1)
    return line, data[error.start], offset


def not_utf8_message(byte, offset, place, expected="UTF-8 text"):
    """What is wrong: the bad byte, where it is, and what was expected.

    Args:
        byte: the value of the first byte that is not UTF-8.
        offset: its 0-based byte offset within `place`.
        place: where it is, e.g. `"line 4"` or `"the cell"`.
        expected: what the text should be.

    Example:

    >>> not_utf8_message(0xE9, 3, "line 4")
    'text is not valid UTF-8. Expected UTF-8 text. Received: byte 0xe9 at byte offset 3 of line 4.'
    """
    return (
        f"text is not valid UTF-8. Expected {expected}. Received: byte 0x{byte:02x} at "
        f"byte offset {offset} of {place}."
    )


def resave_fix(path):
    """How to repair a text file that is not UTF-8: re-save it as UTF-8.

    Example:

    >>> resave_fix("data/movies.csv")
    're-save the file as UTF-8 (for a Latin-1 file, `iconv -f latin1 -t utf-8 movies.csv > ...`)'
    >>> resave_fix(STDIN)
    'convert it to UTF-8 on its way in (for Latin-1 text, `iconv -f latin1 -t utf-8 FILE | ...`)'
    """
    if str(path) == STDIN:
        return (
            "convert it to UTF-8 on its way in (for Latin-1 text, `iconv -f latin1 -t utf-8 "
            "FILE | ...`)"
        )
    name = os.path.basename(str(path)) or "FILE"
    return (
        "re-save the file as UTF-8 (for a Latin-1 file, `iconv -f latin1 -t utf-8 "
        f"{shlex.quote(name)} > {shlex.quote('utf8-' + name)}`)"
    )


def not_utf8_file_error(path, where, expected="UTF-8 text", field=None):
    """The `DataError` for a file that cannot be read on: a byte at `where` is not UTF-8.

    Args:
        path: the file, or `STDIN` for text piped in.
        where: `(line, byte, offset)`, as `bad_byte` gives it.
        expected: what the file should be ("a JSONL file"); "as UTF-8 text"
            is added.
        field: the field, if the byte is in one.

    Example:

    >>> print(not_utf8_file_error("rows.jsonl", (2, 0x89, 0), "a JSONL file"))
    rows.jsonl:2: text is not valid UTF-8. Expected a JSONL file, as UTF-8 text. Received: byte
    0x89 at byte offset 0 of line 2. A binary file, or text in another encoding: check the path,
    or re-save the file as UTF-8 (...).
    >>> print(not_utf8_file_error(STDIN, (3, 0xE9, 4), "one synopsis per line"))
    <stdin>:3: text is not valid UTF-8. Expected one synopsis per line, as UTF-8 text. Received:
    byte 0xe9 at byte offset 4 of line 3. Binary data, or text in another encoding: check what
    is piped in, or convert it to UTF-8 on its way in (...).
    """
    line, byte, offset = where
    if expected != "UTF-8 text":
        expected = f"{expected}, as UTF-8 text"
    source = (
        "Binary data, or text in another encoding: check what is piped in"
        if str(path) == STDIN
        else "A binary file, or text in another encoding: check the path"
    )
    return DataError(
        f"{not_utf8_message(byte, offset, f'line {line}', expected)} {source}, or "
        f"{resave_fix(path)}.",
        path=path,
        line=line,
        field=field,
    )


def not_utf8_error(path, data, error, expected="UTF-8 text", first_line=1):
    """The `DataError` for bytes `data` of the file `path` that `error` failed to decode.

    Args:
        path: the file, or `STDIN` for text piped in.
        data: the bytes (all of the file, or the lines that failed).
        error: the `UnicodeDecodeError`.
        expected: what the file should be ("the JSONL `genreclf augment run`
            writes"); "as UTF-8 text" is added.
        first_line: the line of the file `data` starts on.

    Example:

    >>> data = b'{"text": "a"}\\n\\x89PNG'
    >>> try:
    ...     data.decode("utf-8")
    ... except UnicodeDecodeError as e:
    ...     print(not_utf8_error("rows.jsonl", data, e, "a JSONL file"))
    rows.jsonl:2: text is not valid UTF-8. Expected a JSONL file, as UTF-8 text. Received: byte
    0x89 at byte offset 0 of line 2. ...
    """
    return not_utf8_file_error(path, bad_byte(data, error, first_line), expected)
