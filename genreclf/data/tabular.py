"""Readers for column files: CSV, TSV, JSON Lines and Parquet.

TSV without any quoting (`tsv-unquoted`) has its own reader,
`genreclf.data.unquoted`.

Each reader exposes `columns` (known before any row is read, so a missing
column is reported at once) and iterates `Record`s or row `DataError`s. Text
files are read line by line in binary and decoded here, so every record knows
the exact physical line it starts on (the header and quoted multi-line cells
included) and which line holds a byte that is not UTF-8.
"""

import collections
import contextlib
import csv
import json
import os
import shlex

from genreclf.data.option_names import example_row
from genreclf.data.option_names import jsonl_rows
from genreclf.data.quotes import describe_csv_error
from genreclf.data.quotes import open_quote
from genreclf.data.quotes import quote_fix
from genreclf.data.quotes import row_like_lines
from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.data.skip_log import RepeatedHeaders
from genreclf.data.utf8 import not_utf8_file_error
from genreclf.errors import DataError

# Synopses can be long; the csv module's default cell limit is 128 KiB.
csv.field_size_limit(2**31 - 1)


def check_unique(columns, path):
    """Raises a `DataError` on line 1 of `path` if a column name repeats.

    Example:

    >>> check_unique(["text", "label", "text"], "m.csv")
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: m.csv:1: field 'text': Column names must be unique. ...
    """
    seen = set()
    for name in columns:
        if name in seen:
            raise DataError(
                f"Column names must be unique. Received: {columns}. Rename the "
                f"duplicate column {name!r} in the header.",
                path=path,
                line=1,
                field=name,
            )
        seen.add(name)


class CsvRecords:
    """Records of a delimited text file with a header line.

    Lines end in `\\n`, `\\r\\n`, or (old Mac OS files) `\\r`. A row whose
    quote is never closed is a `malformed_line` row error naming the line the
    quote opened on and the lines it swallowed (`genreclf.data.quotes`), even
    when a later quote closes it and rows merge without a csv error.

    Args:
        path: the file.
        delimiter: `","` for CSV, `"\\t"` for TSV.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = path.write_text('plot,tag\\n"two\\nlines",drama\\n')
    >>> records = CsvRecords(path)
    >>> records.columns, [(r.line, r.fields["tag"]) for r in records]
    (['plot', 'tag'], [(2, 'drama')])
    """

    def __init__(self, path, delimiter=","):
        self.path = str(path)
        self.delimiter = delimiter
        with open(self.path, "rb") as f:
            lines = LineDecoder(f, keep=True)
            reader = self._reader(lines)
            try:
                header = next(reader)
                while not header or (len(header) == 1 and not header[0].strip()):
                    lines.kept.clear()  # blank (or whitespace-only) lines before the header
                    header = next(reader)
            except StopIteration:
                raise DataError(
                    "The file is empty: expected a header line naming the "
                    "columns, then one row per example.",
                    path=self.path,
                ) from None
            except csv.Error as e:
                first = reader.line_num - len(lines.kept) + 1
                line, _, message, fix = describe_csv_error(e, lines.kept, first, delimiter, 0)
                raise DataError(
                    f"Cannot parse the header line: {message} {fix[0].upper()}{fix[1:]}.",
                    path=self.path,
                    line=line,
                ) from None
            self.header_lines = reader.line_num
            bad = lines.pop_bad(1, self.header_lines)
            if bad:
                raise not_utf8_file_error(self.path, bad, "a header line naming the columns")
        self.columns = [name.strip() for name in header]
        check_unique(self.columns, self.path)

    def _reader(self, lines):
        return csv.reader(lines, delimiter=self.delimiter, strict=True)

    def __iter__(self):
        width = len(self.columns)
        headers = RepeatedHeaders(self.path, self.columns)
        with open(self.path, "rb") as f:
            lines = LineDecoder(f, keep=True)  # the lines of the row read last
            reader = self._reader(lines)
            while reader.line_num < self.header_lines:
                next(reader)
            while True:
                start = reader.line_num + 1
                lines.kept.clear()
                try:
                    row = next(reader)
                except StopIteration:
                    headers.finish()
                    return
                except csv.Error as e:
                    yield self._csv_error(e, lines, start, reader.line_num)
                    continue
                end = reader.line_num
                bad = lines.pop_bad(start, end)
                if not row or (width > 1 and len(row) == 1 and not row[0].strip()):
                    continue  # a blank line is not a row
                if len(row) == width and headers.skips(row, start):
                    continue
                if len(row) != width:
                    yield self._count_error(row, start, end, lines.kept)
                    continue
                row_like = None
                if end > start:  # a quoted cell spans lines: did it swallow rows?
                    row_like = row_like_lines(row, start, width, self.delimiter, lines.newline)
                yield Record(
                    start,
                    dict(zip(self.columns, row)),
                    bad_bytes=bad,
                    lines=end - start + 1,
                    row_like=row_like or None,
                )

    def _csv_error(self, error, lines, start, end):
        lines.pop_bad(start, end)
        line, column, message, fix = describe_csv_error(
            error, lines.kept, start, self.delimiter, len(self.columns)
        )
        return row_error(
            "malformed_line",
            message,
            fix=fix,
            path=self.path,
            line=line,
            field=None if column is None or column >= len(self.columns) else self.columns[column],
            lines=end - start + 1,
        )

    def _count_error(self, row, start, end, kept):
        width = len(self.columns)
        if len(row) > width:
            fix = "quote the cell that holds the separator, or remove the extra fields"
        else:
            fix = "add the missing fields, or check the separator"
        if end > start:  # a quoted cell spans lines: maybe one that should have closed
            opened = open_quote(kept, start, self.delimiter)[0]
            fix = quote_fix(
                f"check that the quote on line {opened} closes where its cell ends, or {fix}",
                self.delimiter,
            )
        where = f" (lines {start}-{end})" if end > start else ""
        return row_error(
            "malformed_line",
            f"expected {width} fields ({', '.join(self.columns)}) separated by "
            f"{self.delimiter!r}, found {len(row)}{where}.",
            fix=fix,
            path=self.path,
            line=start,
            lines=end - start + 1,
        )


class JsonlRecords:
    """Records of a JSON Lines file: one JSON object per line.

    The columns are the keys of every object in the file, in the order they
    first appear: writers such as Spark leave a null field out of the line,
    so the first object need not name them all. A column is missing only when
    no object has it; a row without a field that is read is a row error
    (`missing_value`) naming its line, which `skip_bad_rows` skips. Finding
    the columns reads the file once, keeping the keys, not the rows.
    `partial_columns` are the keys some object lacks: when no column is named,
    a column every object has is read before one of these (a `genre` on every
    line over a `label` on a few).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('{"text": "A", "labels": ["x"]}\\nnot json\\n')
    >>> [type(r).__name__ for r in JsonlRecords(path)]
    ['Record', 'DataError']
    >>> _ = path.write_text('{"text": "A"}\\n{"text": "B", "label": "x"}\\n')
    >>> records = JsonlRecords(path)
    >>> records.columns, records.partial_columns
    (['text', 'label'], {'label'})
    """

    def __init__(self, path):
        self.path = str(path)
        columns = None  # the keys of every object, in the order they first appear
        counts = collections.Counter()  # how many objects have each key
        objects = 0
        with contextlib.closing(self._items(duplicates=False)) as items:
            for item in items:
                if isinstance(item, Record):
                    columns = {} if columns is None else columns
                    columns.update(dict.fromkeys(item.fields))
                    counts.update(item.fields.keys())
                    objects += 1
        self.columns = None if columns is None else list(columns)
        self.partial_columns = {key for key, count in counts.items() if count < objects}
        if self.columns is None:
            hint = _whole_json_hint(self.path)
            found = "No line is a JSON object" if hint else "No JSON object found"
            raise DataError(f"{found}. Expected {jsonl_rows()}.{hint}", path=self.path)

    def __iter__(self):
        return self._items()

    def _items(self, duplicates=True):
        """The file's records and row errors, in order.

        `duplicates`: note the keys a row's object names twice (see
        `_noting_repeats`); counting the columns needs not, so its pass
        parses without the hook.
        """
        repeated = []  # (object, pairs) for each object of this line that repeats a key
        hook = _noting_repeats(repeated) if duplicates else None
        decode = json.JSONDecoder(object_pairs_hook=hook).decode  # built once, not per line
        with open(self.path, "rb") as f:
            lines = LineDecoder(f)
            for text in lines:
                number = lines.line
                bad = lines.pop_bad(number, number)
                if not text.strip():
                    continue
                line = text.rstrip("\r\n")
                try:
                    # json.loads names a BOM ("Unexpected UTF-8 BOM"); a decoder alone would not
                    value = json.loads(line) if line.startswith("\ufeff") else decode(line)
                except json.JSONDecodeError as e:
                    repeated.clear()
                    yield row_error(
                        "invalid_json",
                        f"invalid JSON ({e.msg.removesuffix(' at')} at column {e.colno}). Expected "
                        "one JSON object per line.",
                        fix="fix the JSON on this line (an object may not span lines)",
                        path=self.path,
                        line=number,
                    )
                    continue
                found = None
                if repeated:  # an object of this line repeats a key: the row's own (the last)?
                    if repeated[-1][0] is value:
                        found = _repeated_keys(repeated[-1][1])
                    repeated.clear()
                if not isinstance(value, dict):
                    yield row_error(
                        "malformed_line",
                        "expected a JSON object with named fields. Received: a "
                        f"JSON {_JSON_TYPES.get(type(value), type(value).__name__)}.",
                        fix=f"write the row as an object, like {example_row()}",
                        path=self.path,
                        line=number,
                    )
                    continue
                yield Record(number, value, bad_bytes=bad, duplicates=found)


# A file given as JSON Lines with no line an object is parsed whole, to say it
# is one JSON array and how many objects it holds, only up to this size (this
# is the error path: a multi-GB file would be read twice for a hint); a bigger
# one is judged by its first `_WHOLE_JSON_HEAD` bytes, its objects not counted.
_WHOLE_JSON_BYTES = 50_000_000
_WHOLE_JSON_HEAD = 1 << 20


def _whole_json_hint(path):
    """What a `.json` file given as JSON Lines holds, with how to convert it, or "".

    A JSON array (on one line or pretty-printed over many) has no line that
    is an object; "No JSON object found" alone sent the user looking for a
    missing row. A file over `_WHOLE_JSON_BYTES` is not parsed whole: its
    head says whether it starts as an array of objects (see `_json_head`).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('[\\n  {"text": "A", "label": "b"}\\n]\\n')
    >>> _whole_json_hint(path)[:70]
    ' Received: one JSON array of 1 object(s) over 3 lines, a JSON file, no'
    """
    name = os.path.basename(str(path))
    try:
        if os.path.getsize(path) > _WHOLE_JSON_BYTES:
            found = _json_head(path, name)
        else:
            with open(path, "rb") as f:
                data = f.read()
            found = _whole_json(json.loads(data), data, name)  # bytes: a BOM is skipped
    except (ValueError, OSError, RecursionError):
        return ""
    if found is None:
        return ""
    what, command = found
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (
        f" Received: {what}, a JSON file, not JSON Lines. Write each object on its own line "
        f"(`{command} > {shlex.quote(f'{stem}-lines.jsonl')}`), and pass that file."
    )


def _whole_json(value, data, name):
    """`(what, command)` for a parsed whole file that is an array of objects or one object."""
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    over = f"over {lines} line{'s' if lines != 1 else ''}"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return (
            f"one JSON array of {len(value)} object(s) {over}",
            f"jq -c '.[]' {shlex.quote(name)}",
        )
    if isinstance(value, dict) and lines > 1:
        return f"one JSON object {over}", f"jq -c . {shlex.quote(name)}"
    return None


def _json_head(path, name):
    """`(what, command)` for a file too big to parse whole, from its head, or `None`.

    It starts as an array of objects when its first item, parsed from the
    head, is an object; as an object spread over lines when its first line
    is `{` alone (as `json.dump(..., indent=...)` and `jq` write it). The
    objects are not counted, and the command streams the array (`jq --stream`)
    rather than loading it whole.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('[{"text": "A", "label": "b"}, {"text": ')
    >>> print(_json_head(path, "m.jsonl")[0])
    a file over 50 MB that starts as a JSON array of objects (not read whole to count them)
    >>> _ = path.write_text('{"text": "A", "label": "b"} {"text": ')
    >>> _json_head(path, "m.jsonl") is None
    True
    """
    with open(path, "rb") as f:
        head = f.read(_WHOLE_JSON_HEAD).decode("utf-8", "replace").removeprefix("\ufeff")
    head = head.lstrip()
    limit = _WHOLE_JSON_BYTES
    size = f"{limit / 1e6:g} MB" if limit >= 1e6 else f"{limit:,} bytes"
    big = f"a file over {size} that starts as"
    if head.startswith("["):
        try:
            first, _ = json.JSONDecoder().raw_decode(head[1:].lstrip())
        except ValueError:  # not JSON, or a first item longer than the head
            return None
        if not isinstance(first, dict):
            return None
        return (
            f"{big} a JSON array of objects (not read whole to count them)",
            f"jq -cn --stream 'fromstream(1|truncate_stream(inputs))' {shlex.quote(name)}",
        )
    if head.split("\n", 1)[0].strip() == "{":
        return f"{big} a JSON object spread over lines", f"jq -c . {shlex.quote(name)}"
    return None


def _noting_repeats(repeated):
    """An `object_pairs_hook` that builds plain dicts, noting those that repeat a key.

    `json.loads` keeps the last value of a repeated key without a word:
    `{"labels": ["a"], "labels": ["b"]}` would train on `b` alone. The hook
    returns a plain `dict` for every object, nested ones included (a text
    given as an object is still named "a dict"), and appends `(dict, pairs)`
    to `repeated` for one with fewer keys than pairs: the one cheap check
    per object. The hook runs for nested objects first, so the line's own
    object, if it repeats a key, is the last one appended; the caller clears
    `repeated` after each line.

    Example:

    >>> repeated = []
    >>> decode = json.JSONDecoder(object_pairs_hook=_noting_repeats(repeated)).decode
    >>> row = decode('{"a": 1, "a": 2, "b": {"c": 3, "c": 4}}')
    >>> row, type(row["b"]).__name__, [pairs for _, pairs in repeated]
    ({'a': 2, 'b': {'c': 4}}, 'dict', [[('c', 3), ('c', 4)], [('a', 1), ('a', 2), ('b', {'c': 4})]])
    >>> repeated[-1][0] is row
    True
    """

    def hook(pairs, dict=dict, len=len):
        value = dict(pairs)
        if len(value) != len(pairs):
            repeated.append((value, pairs))
        return value

    return hook


def _repeated_keys(pairs):
    """`{key: [values, in order]}` for the keys `pairs` names twice with different values, or `None`.

    Example:

    >>> _repeated_keys([("a", 1), ("a", 2), ("b", 3), ("b", 3)])
    {'a': [1, 2]}
    >>> _repeated_keys([("b", 3), ("b", 3)]) is None
    True
    """
    values = collections.defaultdict(list)
    for key, value in pairs:
        values[key].append(value)
    return {
        key: found for key, found in values.items() if any(other != found[0] for other in found[1:])
    } or None


_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


class ParquetRecords:
    """Records of a Parquet file; `line` is the 1-based row number.

    Example:

    >>> import pathlib, tempfile
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.parquet"
    >>> pq.write_table(pa.table({"text": ["A"], "label": ["x"]}), path)
    >>> [(r.line, r.fields) for r in ParquetRecords(path)]
    [(1, {'text': 'A', 'label': 'x'})]
    """

    def __init__(self, path, batch_size=4096):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = str(path)
        self.batch_size = batch_size
        try:
            self._schema = pq.read_schema(self.path)
        except (pa.ArrowException, OSError) as e:
            raise DataError(f"Cannot read the file as Parquet: {e}", path=self.path) from None
        self.columns = list(self._schema.names)
        check_unique(self.columns, self.path)

    def __iter__(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

        number = 0
        try:
            batches = pq.ParquetFile(self.path).iter_batches(self.batch_size)
            for batch in batches:
                for row, bad_cells in batch_rows(batch):
                    number += 1
                    yield Record(number, row, bad_cells=bad_cells)
        except (pa.ArrowException, OSError) as e:
            raise DataError(
                f"Cannot read the Parquet file after row {number}: {e}",
                path=self.path,
                line=number + 1,
            ) from None


def batch_rows(batch):
    """`(fields, bad_cells)` for each row of a Parquet record batch.

    A string cell that is not UTF-8 cannot become a Python string: it is read
    as `None` and noted in `bad_cells` (`{column: (byte, offset)}`), so only
    rows that use that column are refused, with row and field named.
    """
    try:
        return [(row, None) for row in batch.to_pylist()]
    except UnicodeDecodeError:
        pass  # some cell is not UTF-8: read the batch cell by cell
    bad_cells = [{} for _ in range(batch.num_rows)]
    columns = [
        _column_values(name, column, bad_cells)
        for name, column in zip(batch.schema.names, batch.columns)
    ]
    rows = [dict(zip(batch.schema.names, values)) for values in zip(*columns)]
    return list(zip(rows, [cells or None for cells in bad_cells]))


def _column_values(name, column, bad_cells):
    """A column's Python values; a cell that is not UTF-8 is `None`, noted in `bad_cells`."""
    try:
        return column.to_pylist()
    except UnicodeDecodeError:
        pass
    values = []
    for index in range(len(column)):
        try:
            values.append(column[index].as_py())
        except UnicodeDecodeError as e:
            values.append(None)
            bad_cells[index][name] = (e.object[e.start], e.start)
    return values
