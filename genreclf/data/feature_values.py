"""Numeric feature columns: a NaN, a None or an infinity is refused up front.

One such value makes a hybrid model's normalisation statistics, and with
them every score it gives, NaN, and training only fails at its end. The file
readers refuse it per row (`ExampleReader`); `check_finite_features` is the
same rule for columns passed in Python (`TextDataset(features=...)`, a
DataFrame with a gap).
"""

import math

import numpy as np

from genreclf.errors import ConfigError


def check_finite_features(features, where=lambda i: ""):
    """Raises a `ConfigError` for the first non-finite value of a numeric column.

    Args:
        features: column name to a NumPy array, one value per row. A column of
            strings or booleans is categorical and not checked; an object
            column of numbers and `None`s is numeric with gaps.
        where: row index to a note on where it came from (` (m.csv:3)`).

    Example:

    >>> check_finite_features({"genre": np.array(["a", "b"]), "views": np.array([3.0, 4.0])})
    >>> check_finite_features({"views": np.array([3, None], dtype=object)})
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Feature `views` must be a finite number on every row. \
Received: views[1]=None. Fill the gaps (pandas: `frame[column].fillna(0)`) or drop those rows.
    """
    for name, column in features.items():
        values = column.tolist()
        if column.dtype == object:  # None marks a gap in a numeric column
            if not all(v is None or _is_number(v) for v in values):
                continue  # a categorical column
            if all(v is None for v in values):
                continue
        elif not np.issubdtype(column.dtype, np.number):
            continue  # strings or booleans: categorical
        bad = [i for i, v in enumerate(values) if v is None or not math.isfinite(v)]
        if bad:
            more = f" ({len(bad) - 1} more rows like it)" if len(bad) > 1 else ""
            raise ConfigError(
                f"Feature `{name}` must be a finite number on every row. Received: "
                f"{name}[{bad[0]}]={values[bad[0]]!r}{where(bad[0])}{more}. Fill "
                "the gaps (pandas: `frame[column].fillna(0)`) or drop those rows."
            )


def _is_number(value):
    """Whether `value` is an int or float (a bool is not)."""
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
