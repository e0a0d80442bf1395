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
missing, and list cells as lists. pandas itself is never imported here: a
DataFrame is told apart by its class.
"""

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

    Example:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"text": ["A heist.", None], "label": ["crime", "drama"]})
    >>> [(r.line, r.fields) for r in FrameRecords(frame)]
    [(1, {'text': 'A heist.', 'label': 'crime'}), (2, {'text': None, 'label': 'drama'})]
    """

    def __init__(self, frame, batch_size=4096):
        import pyarrow as pa

        self.path = FRAME_NAME
        self.batch_size = batch_size
        names = [str(name) for name in frame.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise DataError(
                f"Column names must be unique. Received: {repeated} more than once. Rename "
                "them (`frame.columns = [...]`) or drop the copies.",
                path=FRAME_NAME,
            )
        try:
            self._table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            self._table = _column_by_column(frame, names)  # a column of mixed types
        self.columns = list(self._table.schema.names)

    def __iter__(self):
        from genreclf.data.tabular import batch_rows

        number = 0
        for batch in self._table.to_batches(self.batch_size):
            for row, bad_cells in batch_rows(batch):
                number += 1
                yield Record(number, row, bad_cells=bad_cells)


def _column_by_column(frame, names):
    """The frame as a pyarrow table when some column mixes types (`["x", 3]`).

    Such a column is read as text, as a CSV file would hold it (missing values
    stay missing), so a column the reader does not use costs nothing and a
    label column of numbers and names reads as names.
    """
    import pyarrow as pa

    from genreclf.data.inputs import is_missing  # it imports this module

    arrays = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        try:
            arrays.append(pa.Array.from_pandas(column))
        except (pa.ArrowException, TypeError, ValueError):
            values = [None if is_missing(v) else str(v) for v in column.tolist()]
            arrays.append(pa.array(values, type=pa.string()))
    return pa.Table.from_arrays(arrays, names=names)
