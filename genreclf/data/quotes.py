"""Quotes that go wrong in CSV/TSV: where they opened and what they swallowed.

A quote that opens a cell and is never closed makes the csv reader take the
lines after it into that cell, up to the next quote. Three outcomes:

* no quote follows: the file ends inside the cell (`unexpected end of data`);
* the next quote is followed by text (`',' expected after '"'`): an error on
  the line of that quote, far from the one to fix;
* the next quote is followed by the separator or a line end: no error, and
  the rows in between become one cell of one row, with the label of the
  last (rows merge silently).

`describe_csv_error` explains the first two (and the csv module's other
errors): the line the quote opened on and the lines it swallowed.
`row_like_lines` and `merged_rows_error` find the third by this rule:

A quoted cell that spans lines is taken for an unclosed quote when the lines
it swallowed read as rows of their own. A swallowed line is a line inside the
cell, or the line the cell opens on, read without its quotes; it *reads as a
row* when, split at the separator, it has exactly as many fields as the
header, holds no quote, no field is empty or starts or ends with a space (a
CSV writer puts none around a separator; prose puts one after a comma), and,
in a comma-separated file, no comma stands between a digit and exactly three
digits (`$50,000` is a number). The row is refused (`malformed_line`,
skippable) when such a line's label field holds only labels of this row or
of earlier rows, or, for a row with no earlier one to learn labels from (the
file's first), when two such lines do.

Synopses with line breaks pass: 16,965 real synopses (the TMDB, MovieLens
and Kaggle IMDb sets), split at sentences or wrapped at 30 to 80 columns into
quoted cells of 2- to 5-column files, gave no refused row. A legitimate cell
that is refused can still be read by removing the line break before the line
named (or by skipping the row).

In a TSV file each of these errors also names the `tsv-unquoted` format:
many tools write TSV without quoting, where a quote is a character like any
other and a text may well start with one.
"""

import re

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.data.records import row_error

_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")
_SHOWN = 60  # characters of a swallowed line shown in an error


def unquoted_tsv_hint():
    """The hint to read a TSV file without quoting, naming the format option.

    Example:

    >>> unquoted_tsv_hint()
    "if the file uses no quoting at all, read it with format='tsv-unquoted' (`--format tsv-unquoted`)"
    """
    return (
        f"if the file uses no quoting at all, read it with {argument('format')}='tsv-unquoted' "
        f"(`{flag('format')} tsv-unquoted`)"
    )


def quote_fix(fix, delimiter):
    """`fix` for a quote error; in a TSV file, with the hint to read it unquoted.

    Example:

    >>> quote_fix("close the quote on line 2", ",")
    'close the quote on line 2'
    >>> quote_fix("close the quote on line 2", "\\t").split(", or, ")[1][:34]
    'if the file uses no quoting at all'
    """
    return f"{fix}, or, {unquoted_tsv_hint()}" if delimiter == "\t" else fix


def _as_row(text, width, delimiter):
    """The fields of `text` if it reads as a row of `width` fields, else `None`."""
    if '"' in text:
        return None
    if delimiter == "," and _THOUSANDS.search(text):
        return None
    fields = text.split(delimiter)
    if len(fields) != width:
        return None
    for field in fields:
        if not field or field != field.strip():
            return None
    return fields


def row_like_lines(row, first, width, delimiter, newline="\n"):
    """The lines swallowed by `row`'s multi-line cells that read as rows of their own.

    Args:
        row: the cells of a row that starts on line `first`.
        first: the line the row starts on.
        width: the number of columns.
        delimiter: the separator.
        newline: the file's line end (`"\\r"` for old Mac OS files).

    Returns:
        `[(line, column, opened, fields)]`: each such line's number, the
        index of the cell that swallowed it, the line that cell opens on,
        and the line's fields. Empty for a row without multi-line cells.

    Example:

    >>> row_like_lines(["A heist,crime\\nA ghost,horror\\nA love", "romance"], 2, 2, ",")
    [(2, 0, 2, ['A heist', 'crime']), (3, 0, 2, ['A ghost', 'horror'])]
    >>> row_like_lines(["He came home.\\nThen, at last, he slept.", "drama"], 2, 2, ",")
    []
    >>> row_like_lines(["drama", "A cop returns.\\nHe fights back."], 2, 2, ",")  # label first
    []
    """
    found = []
    line = first
    wanted = width - 1  # separators in a line that reads as a row
    for column, cell in enumerate(row):
        if newline not in cell:
            continue
        parts = cell.split(newline)
        if cell.count(delimiter) + column >= wanted:  # else no line in it can read as a row
            if line == first and delimiter in parts[0]:
                # The cell opens on the row's first line with a separator inside the
                # quote (`1,"A heist,crime`): read that line without its quotes. A
                # first segment without one is the row's own start, never a row swallowed.
                parts[0] = delimiter.join([*row[:column], parts[0]])
                numbers = range(len(parts) - 1)
            else:
                numbers = range(1, len(parts) - 1)
            for i in numbers:
                if parts[i].count(delimiter) == wanted:
                    fields = _as_row(parts[i].removesuffix("\r"), width, delimiter)
                    if fields is not None:
                        found.append((line + i, column, line, fields))
        line += len(parts) - 1
    return found


def _labels(value, sep):
    if not isinstance(value, str):
        return set()
    parts = value.split(sep) if sep else [value]
    return {part.strip() for part in parts if part.strip()}


def _known(labels, known):
    return bool(labels) and labels <= known


def merged_rows_error(record, columns, label, sep, seen, delimiter, path):
    """The row error for a row whose multi-line cell swallowed rows, or `None`.

    Args:
        record: a `Record` with `row_like` lines (see `row_like_lines`).
        columns: the file's columns, in order.
        label: the label column.
        sep: the separator between labels in a cell, or `None`.
        seen: labels of the earlier rows of the file.
        delimiter: the file's separator.
        path: the file.

    Example:

    >>> from genreclf.data.records import Record
    >>> row = ["A heist,crime\\nA ghost,horror\\nA love", "romance"]
    >>> record = Record(2, dict(zip(["text", "label"], row)), lines=3,
    ...                 row_like=row_like_lines(row, 2, 2, ","))
    >>> error = merged_rows_error(record, ["text", "label"], "label", "|", set(), ",", "x.csv")
    >>> str(error).split(":")[:3], error.lines
    (['x.csv', '2', " field 'text'"], 3)
    """
    suspects = record.row_like
    if not suspects:
        return None
    known = seen | _labels(record.fields.get(label), sep)
    index = columns.index(label)
    labelled = [s for s in suspects if _known(_labels(s[3][index], sep), known)]
    if not labelled and (seen or len(suspects) < 2):
        return None
    number, column, opened, fields = (labelled or suspects)[0]
    last = record.line + record.lines - 1
    shown = delimiter.join(fields)
    if len(shown) > _SHOWN:
        shown = shown[: _SHOWN - 3] + "..."
    numbers = [str(suspect[0]) for suspect in suspects]
    which = (
        f"line {numbers[0]} in it reads as a row of its own"
        if len(numbers) == 1
        else f"lines {', '.join(numbers[:-1])} and {numbers[-1]} in it read as rows of their own"
    )
    return row_error(
        "malformed_line",
        f"the quoted cell that opens on line {opened} runs to line {last} "
        f"({last - opened + 1} lines), and {which} (line {number}: {shown!r}): most likely "
        "its quote is never closed and the cell swallowed those rows (merged into one, "
        f"with the label of line {last}). Expected a closing quote on line {opened}.",
        fix=quote_fix(f"close the quote on line {opened}", delimiter),
        path=path,
        line=opened,
        field=columns[column],
        lines=record.lines,
    )


def open_quote(lines, first, delimiter):
    """`(line, column)` of the last quote that opened a cell in a row's `lines`.

    The row starts on line `first`. Scanning stops at a quote that closes a
    cell but is followed by text (the csv module's strict-mode error): the
    cell that quote closes is the one whose opening is returned.

    Example:

    >>> open_quote(['A,"two\\n', 'lines","open\\n', 'x\\n'], 2, ",")
    (3, 2)
    """
    opened = (first, 0)
    column, state = 0, "start"
    for number, text in enumerate(lines, start=first):
        i, end = 0, len(text)
        while i < end:
            if state == "quoted":
                j = text.find('"', i)
                if j == -1:
                    break  # the cell goes on on the next line
                if text.startswith('"', j + 1):
                    i = j + 2  # a doubled quote, part of the text
                    continue
                i, state = j + 1, "closed"
            elif state == "closed":
                if text[i] in "\r\n":
                    break
                if text[i] != delimiter:
                    return opened  # a closing quote followed by text
                i, column, state = i + 1, column + 1, "start"
            elif text.startswith('"', i):
                opened, i, state = (number, column), i + 1, "quoted"
            else:
                j = text.find(delimiter, i)
                if j == -1:
                    break
                i, column, state = j + 1, column + 1, "start"
        if state != "quoted":  # the line ended the row
            column, state = 0, "start"
    return opened


def describe_csv_error(error, lines, first, delimiter, width):
    """What a `csv.Error` on a row of `lines` (from line `first`) means, and the fix.

    Returns:
        `(line, column, message, fix)`: the line to fix (where an unclosed
        quote opened), the index of its cell (or `None`), what is wrong, and
        how to fix it.

    Example:

    >>> import csv
    >>> lines = ['"A heist,crime\\n', 'A ghost,horror\\n']
    >>> error = csv.Error("unexpected end of data")
    >>> line, column, message, fix = describe_csv_error(error, lines, 2, ",", 2)
    >>> line, column, fix
    (2, 0, 'close the quote on line 2 (a quote that is part of the text is doubled: "")')
    >>> message.split(":")[0]
    'the quote that opens this cell on line 2 is never closed'
    """
    reason = str(error)
    last = first + len(lines) - 1
    opened, column = open_quote(lines, first, delimiter)
    close = quote_fix(
        f'close the quote on line {opened} (a quote that is part of the text is doubled: "")',
        delimiter,
    )
    if reason.startswith("unexpected end of data"):
        return (
            opened,
            column,
            f"the quote that opens this cell on line {opened} is never closed: the cell "
            + (
                f"swallowed lines {opened}-{last} ({last - opened + 1} lines, to the end of the "
                "file)."
                if last > opened
                else "runs to the end of the file (its last line)."
            )
            + " Expected a quote where the cell ends.",
            close,
        )
    if "expected after" in reason and opened < last:
        return (
            opened,
            column,
            f"the quote that opens this cell on line {opened} is closed only on line {last}, "
            f"by a quote followed by text instead of {delimiter!r}: most likely it is never "
            f"closed, and lines {opened}-{last} ({last - opened + 1} lines) were read as one "
            "cell. Expected a quote where the cell ends.",
            close,
        )
    if "expected after" in reason:
        return (
            opened,
            column,
            f"a quote in this cell is followed by text instead of {delimiter!r}. Expected a "
            "quoted cell to end at its closing quote, with the quotes inside it doubled.",
            quote_fix(
                'quote the whole cell and double the quotes inside it ("A ""big"" heist")',
                delimiter,
            ),
        )
    if reason.startswith("new-line character"):
        return (
            last,
            None,
            "a carriage return (\\r) ends a line inside an unquoted cell: the file mixes "
            "line endings. Expected every line to end in \\n (or every one in \\r\\n).",
            "re-save the file with one kind of line ending",
        )
    return (
        first,
        None,
        f"malformed CSV row ({reason}). Expected {width} fields separated by {delimiter!r}, "
        "with quotes around cells that hold the separator, quotes or line breaks, and "
        'doubled quotes ("") inside quoted cells.',
        "fix the quoting of this row",
    )
