"""`read_texts`: the rows to label — id, line and text — from an unlabelled file.

Reads every format `genreclf.data.load_dataset` reads (CSV, TSV,
`tsv-unquoted`, JSONL, Parquet, Kaggle genre lines, aclImdb) through its
record readers (`genreclf.data.readers.open_records`), without needing a
label column. A bad row is a `DataError` naming file, line and field: the
reader's own, with its fix, since labelling skips no rows. A text that is not
a string (a DataFrame's list cell, a JSONL number) is refused as training
refuses it, never labelled as its Python repr.

The file is read within a `genreclf.data.option_names.option_names` block
naming `genreclf label`'s flags, so the readers' hints name them: the id
column is `--id-column` there (`--id` in `genreclf labels`). It takes no
aclImdb split (`train/` is read, or the `pos/` and `neg/` of the folder
given), so the aclImdb hints say so, not to pass `split=`.
"""

import math

from genreclf.data.inputs import has_words
from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.errors import DataError

# `load_dataset`'s option -> the `genreclf label` flag that sets it, where they differ.
FLAGS = {"id_column": "--id-column"}
# ... and its Python argument: `genreclf.label` has no `split` (None: the hints say so).
ARGUMENTS = {"split": None}


def read_texts(path, text=None, id_column=None, format="auto"):
    """`[{"id", "line", "text"}, ...]` from a file of texts.

    Args:
        path: the file.
        text: the text column (default: the first of text/overview/plot/
            description/synopsis present).
        id_column: the id column (default: `id` if present, else the line).
        format: `"auto"` (from the file name) or one of the formats of
            `genreclf.data.load_dataset`: `csv`, `tsv`, `tsv-unquoted`,
            `jsonl`, `parquet`, `kaggle-genre` (the genre may be left out:
            `ID ::: TITLE ::: DESCRIPTION`), `aclimdb` (its `train` split).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "u.csv"
    >>> _ = path.write_text("overview\\nA heist.\\n")
    >>> read_texts(path)
    [{'id': '2', 'line': 2, 'text': 'A heist.'}]
    >>> path = path.with_name("u.tsv")  # a TSV file without quoting
    >>> _ = path.write_text('id\\toverview\\nm1\\t"Run," she said.\\n')
    >>> read_texts(path, format="tsv-unquoted")
    [{'id': 'm1', 'line': 2, 'text': '"Run," she said.'}]
    >>> read_texts(path, id_column="key", format="tsv-unquoted")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: ... Pass id_column= one of them (`--id-column` on the command line).
    """
    from genreclf.data.option_names import option_names

    # The records are read inside the block: hints are worded as they are built.
    with option_names(arguments=ARGUMENTS, flags=FLAGS):
        return _read(path, text, id_column, format)


def _read(path, text, id_column, format):
    from genreclf.data.columns import TEXT_COLUMNS
    from genreclf.data.columns import partial_columns
    from genreclf.data.columns import resolve_column
    from genreclf.data.option_names import flag
    from genreclf.data.readers import open_records
    from genreclf.data.records import unskippable

    path, _, records = open_records(path, format=format, labelled=False)
    column = resolve_column(
        records.columns, text, TEXT_COLUMNS, "text", path, partial_columns(records)
    )
    if id_column is not None:
        id_column = resolve_column(records.columns, id_column, (), "id_column", path)
    elif "id" in records.columns:
        id_column = "id"
    rows, seen = [], {}
    for record in records:
        if isinstance(record, DataError):
            raise unskippable(record)  # `genreclf label` has no --skip-bad-rows
        value = _checked(record, column, path)
        if isinstance(value, float) and math.isnan(value):
            value = None  # a DataFrame's or JSONL's missing cell, as training reads it
        if value is not None and not isinstance(value, str):
            raise _not_a_string(value, path, record.line, column)
        if value is None or not has_words(value):
            raise DataError(
                "empty text. Expected a synopsis in every row; remove the row or fill it.",
                path=path,
                line=record.line,
                field=column,
            )
        row_id = str(record.line)
        if id_column:
            raw_id = _checked(record, id_column, path)
            if isinstance(raw_id, (list, tuple, dict, set)) or getattr(raw_id, "ndim", 0):
                raise DataError(
                    f"expected one id per row (a string or a number). Received: "
                    f"{short_repr(raw_id)} ({type_with_article(raw_id)}). Write one id in each "
                    "row's cell: the output is keyed by it.",
                    path=path,
                    line=record.line,
                    field=id_column,
                )
            row_id = str(raw_id)
        if row_id in seen:
            raise DataError(
                f"duplicate id {row_id!r} (first on line {seen[row_id]}). Expected unique ids: "
                f"the output is keyed by them. Fix the ids or pass {flag('id_column')}.",
                path=path,
                line=record.line,
                field=id_column,
            )
        seen[row_id] = record.line
        rows.append({"id": row_id, "line": record.line, "text": value})
    if not rows:  # a header alone: "labelled 0 rows" would read as a finished job
        raise DataError(
            "no texts: the file has no rows. Expected at least one row with a text (in the "
            f"column {column!r}); pass a file that has some.",
            path=path,
        )
    return rows


def _not_a_string(value, path, line, field):
    """The error for a text cell that is not a string (a list, a number, ...), as training
    words it (`genreclf.data.examples`), without its `--skip-bad-rows`: never its repr."""
    return DataError(
        f"expected the text as a string. Received: {short_repr(value)} "
        f"({type_with_article(value)}). Write the text as one string (join a list of "
        "sentences into one).",
        path=path,
        line=line,
        field=field,
    )


def _checked(record, field, path):
    """The value of `field` in `record`; bytes that are not UTF-8 raise the readers' error."""
    from genreclf.data.records import has_undecodable
    from genreclf.data.records import undecodable_error

    value = record.fields.get(field)
    if (record.bad_cells and field in record.bad_cells) or (
        isinstance(value, str) and has_undecodable(value)
    ):
        raise undecodable_error(record, field, value, path, skippable=False)
    return value
