"""pandas DataFrames as data: a DataFrame's rows, read as a data file's rows are.

`load_dataset(frame, text=..., label=...)`, and so `genreclf.train`,
`evaluate`, `tune`, `find_label_issues` and `label`, read a DataFrame through
the same checks as a file: columns named or detected, labels split at `sep`
or given as lists, an empty text or a missing label refused (or skipped with
`skip_bad_rows=True`) naming its row and column. Rows are numbered from 1 in
the frame's order: row N is `frame.iloc[N - 1]`, and errors say `DataFrame`
where a file's errors name the file.

The cells go through pyarrow (`pyarrow.Table.from_pandas`, the Parquet
reader's batches), so NaN, None and pandas' missing values are all read as
missing, and list cells as lists. A column pyarrow cannot convert, one that
mixes kinds of values (lists and strings, numbers and names), is read cell by
cell, each cell for what it is: a list stays a list (never its Python repr),
a string a string, a number a number, so the reader checks every cell as it
would a cell of a column of one kind, and names the odd one by its row.
Columns are named as the frame names them: a column named with the int `0`
is `text=0`, not `text='0'`. pandas itself is never imported here: a
DataFrame is told apart by its class.
"""

from genreclf.data.columns import LABEL_COLUMNS
from genreclf.data.columns import TEXT_COLUMNS
from genreclf.data.records import Record
from genreclf.errors import DataError

FRAME_NAME = "DataFrame"


def is_frame(data):
    """True for a pandas DataFrame (or a subclass), without importing pandas.

    Example:

    >>> is_frame("movies.csv")
    False
    >>> import pandas as pd
    >>> is_frame(pd.DataFrame({"text": ["A heist."]}))
    True
    """
    return has_class(data, "pandas", "DataFrame")


def has_class(value, package, name):
    """Whether `value` is an instance of `package`'s class `name` (or of a subclass),
    told by the class's name so that `package` is never imported.

    Example:

    >>> has_class([], "pandas", "Series")
    False
    """
    return any(
        cls.__name__ == name and cls.__module__.split(".")[0] == package
        for cls in type(value).__mro__
    )


class FrameRecords:
    """Records of a pandas DataFrame; `line` is the 1-based row number.

    Args:
        frame: the DataFrame. Its index is not read: set `id_column` to a
            column (`frame.reset_index()` makes the index one) for row ids.
        batch_size: rows converted at a time.

    Attributes:
        columns: the frame's column names, as the frame holds them (an int
            name stays an int), which `fields` are keyed by.

    Example:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"text": ["A heist.", None], "label": ["crime", "drama"]})
    >>> [(r.line, r.fields) for r in FrameRecords(frame)]
    [(1, {'text': 'A heist.', 'label': 'crime'}), (2, {'text': None, 'label': 'drama'})]
    >>> mixed = pd.DataFrame({"text": ["A heist.", "A duel."], "label": [["crime"], "drama"]})
    >>> [r.fields["label"] for r in FrameRecords(mixed)]  # each cell as it is
    [['crime'], 'drama']
    """

    def __init__(self, frame, batch_size=4096):
        import pyarrow as pa

        self.path = FRAME_NAME
        self.batch_size = batch_size
        self.columns = list(frame.columns)
        self.index_names = [name for name in frame.index.names if name is not None]
        self.index = frame.index  # not read: `data[mask]` compares a mask's with it
        names = [str(name) for name in self.columns]  # pyarrow's names for them
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            clashing = [column for column in self.columns if str(column) in repeated]
            raise DataError(
                f"Column names must be unique. Received: {repeated} more than once "
                f"(columns {clashing!r}). Rename them (`frame.columns = [...]`) or drop "
                "the copies.",
                path=FRAME_NAME,
            )
        self._cells = {}  # the columns read cell by cell: {name: [value per row]}
        try:
            self._table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            self._table, self._cells = _column_by_column(frame, names)  # mixed types
        self._table = _bytes_cell_by_cell(frame, names, self._table, self._cells)
        # pyarrow names columns by str; rows are keyed by the frame's own names.
        self._renamed = None
        if any(type(column) is not str for column in self.columns):
            self._renamed = dict(zip(names, self.columns))

    def __iter__(self):
        from genreclf.data.tabular import batch_rows

        number = 0
        for batch in self._table.to_batches(self.batch_size):
            for row, bad_cells in batch_rows(batch):
                for name, cells in self._cells.items():
                    row[name] = cells[number]
                if self._renamed is not None:
                    row = {self._renamed[name]: value for name, value in row.items()}
                    if bad_cells:
                        bad_cells = {self._renamed[name]: at for name, at in bad_cells.items()}
                number += 1
                yield Record(number, row, bad_cells=bad_cells)


def with_index_hint(error, records):
    """`error`, a column not found, said with the fix when that column is the DataFrame's
    index, which is not read (`frame.set_index("id")` moved it there); else `error` itself.

    Example:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"overview": ["A heist."], "id": ["m1"]}).set_index("id")
    >>> error = DataError("Column 'id' not found.", field="id")
    >>> str(with_index_hint(error, FrameRecords(frame)))  # doctest: +ELLIPSIS
    "field 'id': Column 'id' not found. 'id' is the DataFrame's index, which is not read: ..."
    """
    names = getattr(records, "index_names", ())
    if error.line is not None or error.field is not None and error.field not in names:
        return error  # a row's error, or another column's
    role = {"No text ": TEXT_COLUMNS, "No label": LABEL_COLUMNS}.get(error.message[:8], ())
    usual = [n for n in names if str(n).lower() in role]  # "No text column found"
    found = error.field if error.field is not None else (usual or [None])[0]
    if found is None:
        return error
    return DataError(
        f"{error.message} {found!r} is the DataFrame's index, which is not read: pass "
        "frame.reset_index() to make it a column.",
        path=error.path,
        field=error.field,
    )


def _column_by_column(frame, names):
    """`(table, cells)` for a frame with some column that mixes types (`["x", 3]`).

    The columns pyarrow converts are in `table`; a column it cannot convert
    is a column of nulls there, its cells in `cells[name]`, one Python value
    per row, each as it is (`_cell`): a list cell stays a list and a string a
    string, so the reader reads a label column of lists and strings cell by
    cell, and refuses a list in the text column naming its row. A column the
    reader does not use costs nothing.
    """
    import pyarrow as pa

    arrays, cells = [], {}
    for position, name in enumerate(names):
        column = frame.iloc[:, position]
        try:
            arrays.append(pa.Array.from_pandas(column))
        except (pa.ArrowException, TypeError, ValueError):
            cells[name] = [_cell(value) for value in column.tolist()]
            arrays.append(pa.nulls(len(column)))
    return pa.Table.from_arrays(arrays, names=names), cells


def _bytes_cell_by_cell(frame, names, table, cells):
    """`table` with each column pyarrow made binary from Python objects read cell by cell.

    pyarrow reads an object column that holds any `bytes` cell as binary, and
    encodes its `str` cells to bytes too: every row would then be refused as
    bytes. Such a column's cells go to `cells[name]`, each as it is, so only
    the `bytes` cells are refused, each naming its own row.
    """
    import pyarrow as pa

    for position, name in enumerate(names):
        if name in cells or frame.iloc[:, position].dtype != object:
            continue
        kind = table.schema.field(position).type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            cells[name] = [_cell(value) for value in frame.iloc[:, position].tolist()]
            table = table.set_column(position, name, pa.nulls(table.num_rows))
    return table


def _cell(value):
    """One cell of a mixed column as the reader takes it: None for a missing
    value, a NumPy scalar as its Python value, anything else as it is.

    Example:

    >>> import numpy as np
    >>> _cell(float("nan")), _cell(np.float64(3.0)), _cell(["crime", "drama"])
    (None, 3.0, ['crime', 'drama'])
    """
    from genreclf.data.inputs import is_missing  # it imports this module

    if is_missing(value):
        return None
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()  # np.float64(3.0) -> 3.0, np.str_("x") -> "x"
    return value
