"""Raw records: what every file reader yields before rows become examples.

A reader turns a file into `Record`s (a line number and a dict of raw field
values) and, for rows it cannot parse, into `DataError`s carrying a `reason`
(yielded, not raised, so the caller decides whether to stop or to skip and
count the row). `load_dataset` and `iter_examples` turn records into examples.
"""

import dataclasses
import re

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.data.utf8 import not_utf8_message
from genreclf.data.utf8 import resave_fix
from genreclf.errors import DataError

# Reasons a row can be rejected; `TextDataset.skipped` counts rows by reason.
REASONS = (
    "empty_text",
    "missing_value",
    "empty_label",
    "too_many_labels",
    "invalid_utf8",
    "invalid_json",
    "malformed_line",
    "bad_feature",
    "bad_file_name",
    "unreadable_file",
    "unknown_label",
)


@dataclasses.dataclass
class Record:
    """One raw row of a file.

    Attributes:
        line: the 1-based physical line the row starts on (text formats), or
            the 1-based row number (Parquet, aclImdb).
        fields: raw values by column name (strings for text formats).
        path: the file to name in errors about this row (defaults to the
            dataset file; an aclImdb review names its own file).
        bad_bytes: `(line, byte, offset)` of the first byte that is not valid
            UTF-8 in this row, or `None`. Fields were decoded with
            `surrogateescape`, so a field holding such a byte can be found.
        bad_cells: `{field: (byte, offset)}` for cells that are not UTF-8
            (Parquet, where such a cell cannot be decoded at all), or `None`.
        lines: how many physical lines the row covers (more than 1 for a CSV
            row with a quoted cell that spans lines).
        row_like: for such a row, the lines inside its multi-line cells that
            read as rows of their own (see `genreclf.data.quotes`), or `None`.
        duplicates: `{field: [values]}` for a field a JSON object names more
            than once with different values (JSON keeps the last one only),
            or `None`; a row that reads such a field is refused.

    Example:

    >>> Record(2, {"text": "A heist.", "label": "crime"}).line
    2
    """

    line: int
    fields: dict
    path: str = None
    bad_bytes: tuple = None
    bad_cells: dict = None
    lines: int = 1
    row_like: list = None
    duplicates: dict = None


def skip_advice():
    """How to skip such rows, naming the option: the end of a skippable row's error."""
    return f"pass {argument('skip_bad_rows')}=True (`{flag('skip_bad_rows')}`) to skip such rows"


def row_error(reason, message, *, path, line=None, field=None, fix=None, skippable=True, lines=1):
    """A `DataError` about one row, tagged with the `reason` it is skipped under.

    Args:
        reason: one of `REASONS`.
        message: what is wrong with the row.
        path, line, field: where.
        fix: how to repair such a row, if anything can ("fill it in"). The
            error then ends with that fix or `skip_advice()`; a row that is
            skipped is logged as `error.skipped_message`, without either.
        skippable: whether the reader can skip such rows; if not, the error
            ends with the fix alone.
        lines: how many physical lines skipping the row loses (`error.lines`).

    Example:

    >>> error = row_error("empty_text", "empty text.", path="m.csv", line=3, field="plot",
    ...                   fix="fill it in")
    >>> str(error)
    "m.csv:3: field 'plot': empty text. Fill it in, or pass skip_bad_rows=True (`--skip-bad-rows`) to skip such rows."
    >>> error.skipped_message, error.reason, is_row_error(error)
    ("m.csv:3: field 'plot': empty text.", 'empty_text', True)
    """
    advice = f"{fix}, or {skip_advice()}" if fix and skippable else fix
    full = message if advice is None else f"{message} {advice[0].upper()}{advice[1:]}."
    error = DataError(full, path=path, line=line, field=field)
    error.reason = reason
    error.lines = lines
    error.skipped_message = str(DataError(message, path=path, line=line, field=field))
    error.problem, error.fix, error.skippable = message, fix, skippable
    return error


def unskippable(error):
    """A row error worded for a reader that cannot skip rows: its fix alone.

    A reader without `skip_bad_rows` (such as `genreclf label`'s) raises the
    row errors of `genreclf.data`'s record readers through this, so they do
    not suggest a flag it does not take. Other errors are returned as they are.

    Example:

    >>> error = row_error("empty_text", "empty text.", path="m.csv", line=3, fix="fill it in")
    >>> str(unskippable(error))
    'm.csv:3: empty text. Fill it in.'
    """
    if not is_row_error(error) or not error.skippable:
        return error
    return row_error(
        error.reason,
        error.problem,
        path=error.path,
        line=error.line,
        field=error.field,
        fix=error.fix,
        skippable=False,
        lines=error.lines,
    )


def is_row_error(error):
    """Whether `error` concerns one row (skippable) rather than the whole file."""
    return isinstance(error, DataError) and getattr(error, "reason", None) in REASONS


def has_undecodable(value):
    """Whether a string decoded with `surrogateescape` held non-UTF-8 bytes.

    Example:

    >>> has_undecodable(b"caf\\xe9".decode("utf-8", "surrogateescape"))
    True
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class LineDecoder:
    """Iterates a binary file as text lines, noting lines that are not UTF-8.

    Lines keep their line endings (what `csv.reader` needs). A line that is
    not valid UTF-8 is decoded with `surrogateescape` and its line number,
    offending byte and byte offset are kept in `bad` until the caller pops
    them, so the error can name the exact line, field and byte.

    A file whose first line ends in a lone carriage return (old Mac OS line
    endings, `\\r`) is read with `\\r` as the line end, as Python's universal
    newlines would (`newline` says which); otherwise lines end at `\\n`.

    Args:
        file: a file object opened in binary mode.
        keep: keep the lines read in `kept` (the caller clears it), so an
            error about a row can look at the lines it covered.

    Example:

    >>> import io
    >>> lines = LineDecoder(io.BytesIO(b"ok\\ncaf\\xe9\\n"))
    >>> list(lines) == ["ok\\n", "caf\\udce9\\n"], lines.pop_bad(1, 2)
    (True, (2, 233, 3))
    >>> list(LineDecoder(io.BytesIO(b"a,b\\rc,d\\r")))
    ['a,b\\r', 'c,d\\r']
    """

    def __init__(self, file, keep=False):
        self._file = file
        self.line = 0
        self.bad = {}
        self.kept = [] if keep else None
        self.newline = "\r" if _ends_lines_with_cr(file) else "\n"
        self._readline = _cr_lines(file).__next__ if self.newline == "\r" else file.readline

    def __iter__(self):
        return self

    def __next__(self):
        raw = self._readline()
        if not raw:
            raise StopIteration
        self.line += 1
        if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.bad[self.line] = (self.line, raw[e.start], e.start)
            text = raw.decode("utf-8", "surrogateescape")
        if self.kept is not None:
            self.kept.append(text)
        return text

    def numbered(self):
        """The lines that are not blank, each as `(number, text, bad)`.

        `number` is the 1-based line number, `bad` the line's bad-byte note
        (`(line, byte, offset)`, see `pop_bad`) or None. A blank line (white
        space only) is skipped, its note forgotten.

        Example:

        >>> import io
        >>> list(LineDecoder(io.BytesIO(b"ok\\n\\n  \\ncaf\\xe9\\n")).numbered())
        [(1, 'ok\\n', None), (4, 'caf\\udce9\\n', (4, 233, 3))]
        """
        for text in self:
            number = self.line
            bad = self.pop_bad(number, number)
            if text.strip():
                yield number, text, bad

    def pop_bad(self, first, last):
        """The first bad-byte note for lines `first..last`, forgetting them."""
        found = None
        for line in sorted(self.bad):
            if line > last:
                break
            note = self.bad.pop(line)
            if line >= first and found is None:
                found = note
        return found


_HEAD_BYTES = 1 << 16


def _ends_lines_with_cr(file):
    """Whether a seekable binary `file` ends its lines in a lone `\\r` (old Mac OS).

    Only a head with `\\r` and no `\\n` at all is: `\\r\\r\\n` (Python's
    `csv.writer` on Windows without `newline=""`) and `\\r\\n` are `\\n` lines.
    """
    try:
        position = file.tell()
        head = file.read(_HEAD_BYTES)
        file.seek(position)
    except OSError:  # not seekable: read it as `\\n` lines
        return False
    return b"\r" in head and b"\n" not in head


def _cr_lines(file, size=_HEAD_BYTES):
    """The lines of a binary file whose lines end in `\\r`, each with its `\\r`."""
    pending = []
    while True:
        chunk = file.read(size)
        if not chunk:
            if pending:
                yield b"".join(pending)
            break
        *lines, rest = chunk.split(b"\r")
        if lines:
            lines[0] = b"".join([*pending, lines[0]])
            pending = []
            for line in lines:
                yield line + b"\r"
        if rest:
            pending.append(rest)
    while True:  # `__next__` after the end keeps answering "no more lines"
        yield b""


def utf8_error(record, field, path, skippable=True):
    """The `DataError` for a field of `record` that holds non-UTF-8 bytes.

    Worded as `genreclf.data.utf8` words every such error: file, line, byte
    and its offset, and how to re-save the file.

    Example:

    >>> error = utf8_error(Record(4, {}, bad_bytes=(4, 0xE9, 3)), "text", "m.csv")
    >>> print(error)
    m.csv:4: field 'text': text is not valid UTF-8. Expected UTF-8 text. Received: byte 0xe9
    at byte offset 3 of line 4. Re-save the file as UTF-8 (...), or pass skip_bad_rows=True ...
    """
    line, byte, offset = record.bad_bytes
    path = record.path or path
    return row_error(
        "invalid_utf8",
        not_utf8_message(byte, offset, f"line {line}"),
        fix=resave_fix(path),
        path=path,
        line=line,
        field=field,
        skippable=skippable,
    )


# Characters `surrogateescape` makes of bytes that are not UTF-8.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


SURROGATE_FIX = "fix the escape (write the whole pair, or the character itself)"


def lone_surrogate_at(text):
    """The first lone surrogate in `text` (a `re.Match`), or None: text no tensor can hold.

    Example:

    >>> lone_surrogate_at("Heat \\ud800").start(), lone_surrogate_at("Heat")
    (5, None)
    """
    return _SURROGATE.search(text)


def lone_surrogate_message(text):
    """What is wrong with a `text` that holds a lone surrogate, and what was expected.

    Example:

    >>> lone_surrogate_message("a \\ud800").split(" (")[0]
    "text is not valid Unicode: a lone surrogate '\\\\ud800' at character 2"
    """
    found = _SURROGATE.search(text)
    return (
        f"text is not valid Unicode: a lone surrogate {found.group()!r} at character "
        f"{found.start()} (half of a UTF-16 pair, such as a JSON escape \\ud83c without "
        "the \\udfac that completes it), which UTF-8 cannot hold. Expected whole characters."
    )


def undecodable_error(record, field, value, path, skippable=True):
    """The `invalid_utf8` row error for a field whose value is not valid Unicode.

    Three causes: bytes that are not UTF-8 in a text file (`record.bad_bytes`),
    in a Parquet cell (`record.bad_cells`), or a lone surrogate, which valid
    JSON can hold as an escape (`"\\ud800"`) and which no UTF-8 text (nor a
    tensor) can. `skippable=False` for a reader that cannot skip rows.

    Example:

    >>> error = undecodable_error(Record(4, {}), "text", "Heat \\ud800", "m.jsonl")
    >>> str(error).split(" (")[0]
    "m.jsonl:4: field 'text': text is not valid Unicode: a lone surrogate '\\\\ud800' at character 5"
    >>> error.reason
    'invalid_utf8'
    """
    if record.bad_cells and field in record.bad_cells:
        byte, offset = record.bad_cells[field]
        return row_error(
            "invalid_utf8",
            not_utf8_message(
                byte, offset, "the cell", "UTF-8 strings (what a Parquet string column holds)"
            ),
            fix="write the column again from text decoded with its real encoding",
            path=record.path or path,
            line=record.line,
            field=field,
            skippable=skippable,
        )
    if record.bad_bytes and _ESCAPED_BYTE.search(value or ""):
        return utf8_error(record, field, path, skippable)
    return row_error(
        "invalid_utf8",
        lone_surrogate_message(value),
        fix=SURROGATE_FIX,
        path=record.path or path,
        line=record.line,
        field=field,
        skippable=skippable,
    )
