"""How `TextDataset` is indexed and iterated: rows by position, as `iloc` takes them.

`row_positions` reads a key of `data[key]`: a slice, row numbers or a boolean
mask are positions (a `list`, for `TextDataset.subset`), an int one row; a
column name, a tuple or anything else is a `ConfigError` saying what to use.
`dataset_row` is one row as an `Example`, the row `iter_rows` streams from a
file.
"""

import logging

import numpy as np

from genreclf.data.examples import Example
from genreclf.data.inputs import is_series
from genreclf.data.inputs import row_indices
from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.data")
_ROWS = "Rows: data[:100], data[mask] (one bool per row), data[[3, 7]]."


def row_positions(dataset, key):
    """The rows `dataset[key]` takes: an `int` for one row, a `list` of them for a dataset.

    Raises:
        ConfigError: a column name, a tuple, a float or another key that is
            no row position.
        IndexError: a row number out of range.

    Example:

    >>> import types
    >>> rows = types.SimpleNamespace(texts=["a", "b", "c"], features=None, read_options=None)
    >>> row_positions(rows, slice(None, None, -1)), row_positions(rows, -1)
    ([2, 1, 0], 2)
    >>> row_positions(rows, "overview")
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: A TextDataset takes rows by position, not a column name. ...
    """
    n = len(dataset.texts)
    if isinstance(key, slice):
        return list(range(n)[key])
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return _position(key, n)
    if isinstance(key, str):
        raise ConfigError(
            "A TextDataset takes rows by position, not a column name. Received: "
            f"key={short_repr(key)}. {_column_fix(dataset, key)} {_ROWS}"
        )
    kind = getattr(getattr(key, "dtype", None), "kind", None)
    refused = (tuple, bool, np.bool_, float, np.floating, dict, set, frozenset, bytes)
    if key is None or isinstance(key, refused) or (kind is not None and kind not in "biu"):
        raise ConfigError(
            "A TextDataset takes one row position: an int, a slice, a list or array of row "
            f"numbers, or a boolean mask. Received: key={short_repr(key)}"
            f"{'' if key is None else f' ({type_with_article(key)})'}. {_ROWS} A column: "
            "data.texts, data.labels."
        )
    _warn_on_another_index(dataset, key)
    try:
        indices = row_indices(key, n)
    except (TypeError, ValueError) as e:
        if isinstance(e, ConfigError):  # a mask of another length
            raise
        if isinstance(key, list) and key and all(isinstance(name, str) for name in key):
            raise ConfigError(
                "A TextDataset takes rows by position, not column names. Received: "
                f"key={short_repr(key)}. {_column_fix(dataset, key[0])} {_ROWS}"
            ) from None
        raise ConfigError(
            "A TextDataset takes row numbers or a boolean mask. Received: "
            f"key={short_repr(key)}, which holds something else. {_ROWS}"
        ) from None
    return [_position(i, n) for i in indices]


def _warn_on_another_index(dataset, key):
    """Warns when `key` is a boolean pandas Series whose index is not that of the DataFrame
    rows `dataset` was read from (`load_dataset` keeps it as `frame_index`).

    A mask is read by position, as `iloc` reads rows: one of the frame sorted, shuffled or
    filtered since (`frame.sort_values("year").year > 2010`) picked other rows without a
    word. A mask indexed 0, 1, ..., n - 1 is a positional one (built from the dataset's own
    columns: `pd.Series(data.texts).str.contains("heist")`) and is not warned about.
    """
    index = getattr(dataset, "frame_index", None)
    if index is None or not is_series(key) or getattr(key.dtype, "kind", None) != "b":
        return
    theirs = key.index.tolist()
    if len(theirs) != len(index) or theirs == index:
        return  # another length is refused as it is
    if theirs == list(range(len(theirs))):
        return  # positions already: a mask of the dataset's own columns
    row = next(i for i, (a, b) in enumerate(zip(index, theirs)) if a != b)
    logger.warning(
        "data[mask] reads a boolean Series by position (row i of the dataset is row i of the "
        "DataFrame it was read from), not by its index, and this mask's index is not that "
        "DataFrame's: its row %d is index %s, the dataset's row %d came from index %s. If the "
        "mask is of the frame sorted, shuffled or filtered since, align it first "
        "(mask.loc[frame.index], frame as the dataset was read from it); pass mask.to_numpy() "
        "to select by position without this warning.",
        row,
        short_repr(theirs[row]),
        row,
        short_repr(index[row]),
    )


def dataset_row(dataset, i):
    """Row `i` of `dataset` as an `Example`: `text`, `labels`, `line`, `id`, `source`,
    `features` (`None` where the dataset does not know them; features as Python values)."""
    features = None
    if dataset.features:
        features = {k: _value(column[i]) for k, column in dataset.features.items()}
    return Example(
        text=dataset.texts[i],
        labels=list(dataset.labels[i]),
        line=None if dataset.lines is None else dataset.lines[i],
        id=None if dataset.ids is None else dataset.ids[i],
        source="real" if dataset.sources is None else dataset.sources[i],
        features=features,
    )


def _value(value):
    return value.item() if isinstance(value, np.generic) else value


def _position(i, n):
    """Row number `i` (negative: from the end) as a position in `n` rows."""
    if not -n <= i < n:
        span = f"{n} rows (0 to {n - 1}, or -{n} to -1 from the end)" if n else "no rows"
        raise IndexError(f"Row {int(i)} is out of range: the dataset has {span}.")
    return int(i) % n


def _column_fix(dataset, key):
    """How to get the column `key` names: an attribute of the dataset."""
    options = dataset.read_options or {}
    if key in (dataset.features or {}):
        return f"Its feature columns are in data.features: data.features[{key!r}]."
    if key in ("text", "texts", options.get("text")):
        return "Its texts are an attribute: data.texts."
    if key in ("label", "labels", options.get("label")):
        return "Its labels are an attribute: data.labels (a list of labels per row)."
    if key in ("id", "ids", options.get("id_column")):
        return "Its ids are an attribute: data.ids."
    return "Its columns are attributes: data.texts, data.labels, data.ids, data.features."
