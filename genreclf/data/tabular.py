"""Readers for column files: CSV, TSV and Parquet.

TSV without any quoting (`tsv-unquoted`) has its own reader,
`genreclf.data.unquoted`; JSON Lines has `genreclf.data.jsonl_records`.

Each reader exposes `columns` (known before any row is read, so a missing
column is reported at once) and iterates `Record`s or row `DataError`s. Text
files are read line by line in binary and decoded here, so every record knows
the exact physical line it starts on (the header and quoted multi-line cells
included) and which line holds a byte that is not UTF-8.
"""

import csv

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
