"""`read_texts`: the rows to label — id, line and text — from an unlabelled file.

Reads the same formats as `genreclf.data.load_dataset` (CSV, TSV, JSONL,
Parquet) through its record readers, without needing a label column. A row
without text is a `DataError` naming file, line and field.
"""

from genreclf.errors import DataError

TEXT_COLUMNS = ("text", "overview", "plot", "description", "synopsis")


def read_texts(path, text=None, id_column=None, format="auto"):
    """`[{"id", "line", "text"}, ...]` from a file of texts.

    Args:
        path: the file.
        text: the text column (default: the first of text/overview/plot/
            description/synopsis present).
        id_column: the id column (default: `id` if present, else the line).
        format: `"auto"` or `csv`, `tsv`, `jsonl`, `parquet`.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "u.csv"
    >>> _ = path.write_text("overview\\nA heist.\\n")
    >>> read_texts(path)
    [{'id': '2', 'line': 2, 'text': 'A heist.'}]
    """
    from genreclf.data import readers
    from genreclf.data.examples import _resolve

    path, fmt = readers._prepare(path, format, "train", "rating")
    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise DataError(
            f"Expected a CSV, TSV, JSONL or Parquet file of texts to label. Received: format={fmt!r}.",
            path=path,
        )
    records = readers._open_records(path, fmt, "train")
    column = _resolve(records.columns, text, TEXT_COLUMNS, "text", path)
    if id_column is not None:
        id_column = _resolve(records.columns, id_column, (), "id_column", path)
    elif "id" in records.columns:
        id_column = "id"
    rows, seen = [], {}
    for record in records:
        if isinstance(record, DataError):
            raise record
        value = record.fields.get(column)
        if value is None or not str(value).strip():
            raise DataError(
                "empty text. Expected a synopsis in every row; remove the row or fill it.",
                path=path,
                line=record.line,
                field=column,
            )
        row_id = str(record.fields.get(id_column)) if id_column else str(record.line)
        if row_id in seen:
            raise DataError(
                f"duplicate id {row_id!r} (first on line {seen[row_id]}). Expected unique ids: "
                "the output is keyed by them. Fix the ids or pass --id-column.",
                path=path,
                line=record.line,
                field=id_column,
            )
        seen[row_id] = record.line
        rows.append({"id": row_id, "line": record.line, "text": str(value)})
    return rows
