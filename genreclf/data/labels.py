"""`LabelVocabulary`: the ordered set of class names and how rows map to targets."""

import ast
import collections
import json
import numbers
import re

import numpy as np

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def label_name(value):
    """The class name of one label value: a string as it is, a number as it reads.

    A whole number held as a float is named as the whole number: `3.0` (and
    NumPy's `float64(3.0)`) is `'3'`, as `3` is, so ratings in a pandas column
    that one missing value made `float64` (or JSON and Parquet numbers written
    as `3.0`) are the classes `'1'`..`'5'` that integer ratings are. Other
    numbers keep their digits (`3.5` is `'3.5'`). Only numbers: a string is a
    name as written (a CSV cell `"3.0"` stays `'3.0'`), and a bool is refused
    by the readers before it comes here.

    Example:

    >>> import numpy as np
    >>> label_name(3.0), label_name(np.float64(3.0)), label_name(np.int64(3)), label_name(3.5)
    ('3', '3', '3', '3.5')
    >>> label_name("3.0"), label_name("drama")
    ('3.0', 'drama')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer():
            return str(int(number))
    return str(value)


# A decimal number as people write ratings: "7", "-1", "3.5", ".5", "1e3".
# Python's float() reads more ("nan", "inf", "1_0", " 3 ") that are names.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def python_list_fix(cell, field):
    """`(note, fix)` for a label cell that is `str()` of a Python list of strings, as pandas'
    `to_csv` writes a column of lists (`"['drama', 'crime']"`: not JSON); None for another.

    `ast.literal_eval` reads literals only: nothing in the cell is called or imported.

    Example:

    >>> python_list_fix("[drama]", "genres") is None
    True
    >>> python_list_fix("['drama', 'crime']", "genres")[1]  # doctest: +ELLIPSIS
    "turn the cells into lists, frame['genres'].map(ast.literal_eval), or write them as JSON, ..."
    """
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return None
    return (
        " It is a Python list's repr, as pandas' to_csv writes a column of lists.",
        f"turn the cells into lists, frame[{field!r}].map(ast.literal_eval), or write them "
        f"as JSON, frame[{field!r}].map(json.dumps), before to_csv",
    )


def decimal_whole_note(label, labels):
    """A note for an unknown `label` that is one of the whole-number `labels` written with a
    decimal point (a CSV cell `"3.0"`, as pandas' `to_csv` writes a column of ratings that
    holds a missing value); else `""`. A CSV cell is a name as written (`label_name`), so
    `"3.0"` is no `3`, while a DataFrame's, JSON's or Parquet's number `3.0` is.

    Example:

    >>> decimal_whole_note("3.0", ["1", "3"])  # doctest: +ELLIPSIS
    " '3.0' is the class '3' written with a decimal point...astype('Int64')..."
    >>> decimal_whole_note("3.5", ["1", "3"]), decimal_whole_note("3.0", ["drama"])
    ('', '')
    """
    whole = label[:-2] if isinstance(label, str) and label.endswith(".0") else None
    if whole is None or not _WHOLE.fullmatch(whole) or str(int(whole)) not in labels:
        return ""
    return (
        f" {label!r} is the class {str(int(whole))!r} written with a decimal point, as pandas' "
        "to_csv writes a column of whole numbers that holds a missing value: write the "
        "column as integers (frame[column].astype('Int64') before to_csv), or pass the "
        "DataFrame itself, whose number 3.0 is the class 3."
    )


def whole_number_names(names):
    """Whether every name is a whole number as `str(int)` writes it: `'7'`, `'-1'`, `'0'`.

    `'07'`, `'+7'`, `'7.0'` and `'1e3'` are names that an `int` would not give
    back as written: a vocabulary of them stays `"str"`.

    Example:

    >>> whole_number_names(["1", "10", "-2"]), whole_number_names(["1", "07"])
    (True, False)
    """
    return bool(names) and all(_WHOLE.fullmatch(n) and str(int(n)) == n for n in names)


_WHOLE = re.compile(r"-?[0-9]+")
LABEL_TYPES = ("str", "int")


def _label_type(labels, label_type):
    """`label_type` checked (None: inferred from `labels`)."""
    if label_type is None:
        return "int" if whole_number_names(labels) else "str"
    if label_type not in LABEL_TYPES:
        raise ConfigError(
            f"label_type must be one of {LABEL_TYPES} (or None to infer it). Received: "
            f"label_type={label_type!r}. Pass 'int' for whole-number class names, else 'str'."
        )
    if label_type == "int" and not whole_number_names(labels):
        raise ConfigError(
            "label_type='int' needs class names that are whole numbers ('1', '10'). "
            f"Received: labels={labels!r}. Pass label_type='str', or None to infer it."
        )
    return label_type


def label_order(names):
    """Class names in the order a vocabulary keeps them: by value when all are numbers.

    Ratings read as numbers ('1'..'10') are ordered as a scale, so reports,
    score lists and served `classes` run 1, 2, ..., 10 rather than 1, 10, 2;
    any other set of names is ordered as text.

    Example:

    >>> label_order(["10", "2", "1", "7"]), label_order(["drama", "comedy"])
    (['1', '2', '7', '10'], ['comedy', 'drama'])
    >>> label_order(["1", "10", "nan"]), label_order(["2", "1_0"])
    (['1', '10', 'nan'], ['1_0', '2'])
    """
    names = sorted(set(names))
    if not all(_NUMBER.fullmatch(name) for name in names):
        return names
    return sorted(names, key=lambda name: (float(name), name))


class LabelVocabulary:
    """Maps class names to column indices, for single- and multi-label tasks.

    The order is stable (`label_order`): class names sorted alphabetically,
    ratings (names that are all numbers) by value, so the same labels always
    give the same columns whatever order the rows come in.

    Single-label targets are one-hot rows, multi-label targets multi-hot rows;
    both are `float32 [n, K]`, so every loss, metric and export treats them alike.

    Class names are strings, in `labels.json`, the exported model and every
    report. `label_type` says what `Run.predict` gives back for them: `"int"`
    when every name is a whole number (ratings `1`..`10`, read from a CSV or
    an integer column), which `value` turns back into an `int`; `"str"` else.

    Args:
        labels: the class names, in column order.
        multi_label: whether a row may carry several labels.
        label_type: `"int"`, `"str"`, or None to infer it from the names
            (`whole_number_names`). A `labels.json` written before genreclf
            recorded it has none: its labels stay `"str"` (`from_config`).

    Example:

    >>> vocab = LabelVocabulary.from_rows([["drama"], ["comedy", "drama"]], multi_label=True)
    >>> vocab.labels
    ['comedy', 'drama']
    >>> vocab.encode([["drama"]]).tolist()
    [[0.0, 1.0]]
    >>> ratings = LabelVocabulary.from_rows([["7"], ["10"]])
    >>> ratings.label_type, ratings.value("7"), ratings.get_config()
    ('int', 7, {'labels': ['7', '10'], 'multi_label': False, 'label_type': 'int'})
    """

    def __init__(self, labels, multi_label=False, label_type=None):
        labels = [str(label) for label in labels]
        if not labels:
            raise ConfigError(
                "A label vocabulary needs at least one class. Received: labels=[]. "
                "Check that the label column is not empty."
            )
        if len(set(labels)) != len(labels):
            duplicates = sorted(label for label, n in collections.Counter(labels).items() if n > 1)
            raise ConfigError(f"Class names must be unique. Received duplicates: {duplicates}.")
        self.labels = labels
        self.multi_label = bool(multi_label)
        self.label_type = _label_type(labels, label_type)
        self._index = {label: i for i, label in enumerate(labels)}
        # Runs trained before whole-number floats were named as whole numbers
        # (`label_name`) hold '3.0': the '3' read from the same data now is it.
        for i, label in enumerate(labels):
            whole = label[:-2]
            if label.endswith(".0") and whole.lstrip("-").isdigit():
                self._index.setdefault(whole, i)

    @classmethod
    def from_rows(cls, rows, multi_label=False):
        """Builds the vocabulary from per-row label lists, in `label_order`."""
        return cls(label_order({label for row in rows for label in row}), multi_label=multi_label)

    @property
    def num_classes(self):
        return len(self.labels)

    def __len__(self):
        return len(self.labels)

    def __contains__(self, label):
        return label in self._index

    def __eq__(self, other):
        return (
            isinstance(other, LabelVocabulary)
            and self.labels == other.labels
            and self.multi_label == other.multi_label
        )

    def __repr__(self):
        typed = ", label_type='int'" if self.label_type == "int" else ""
        return f"LabelVocabulary({self.labels!r}, multi_label={self.multi_label}{typed})"

    def value(self, label):
        """`label` as `Run.predict` gives it: an `int` for a class of an `"int"` vocabulary,
        else the name as it is (a `str`; also `"unknown"`, an abstaining run's answer)."""
        if self.label_type == "int" and label in self._index:
            return int(label)
        return label

    def index(self, label):
        """Returns the column of `label`, raising `DataError` if it is unknown."""
        try:
            return self._index[label]
        except KeyError:
            raise DataError(
                f"Unknown label {label!r}: it was not seen at training time. "
                f"Expected one of {self.labels}. Drop such rows or retrain with "
                "them included."
            ) from None

    def encode(self, rows, *, path=None, lines=None, field=None):
        """Encodes per-row label lists as a `float32 [n, K]` target matrix.

        Args:
            rows: a list of label lists (one list per row).
            path, lines, field: where the rows came from, so an unknown label
                is reported with its file, line and field. Without `lines`,
                the error names the row's index in `rows` (`row 3`).

        Example:

        >>> vocab = LabelVocabulary(["crime", "drama"])
        >>> try:
        ...     vocab.encode([["crime"], ["musical"]])
        ... except DataError as error:
        ...     print(str(error).split(":")[0])
        Unknown label 'musical' (row 1)
        """
        targets = np.zeros((len(rows), self.num_classes), dtype="float32")
        for i, row in enumerate(rows):
            # Without lines, the row's index in `rows` says which it is.
            at = f" (row {i})" if lines is None else ""
            if not self.multi_label and len(row) != 1:
                raise DataError(
                    f"A single-label task needs exactly one label per row. "
                    f"Received: labels={list(row)}{at}. If rows may carry several labels, "
                    f"train a multi-label model ({argument('multi_label')}=True, "
                    f"`train {flag('multi_label')}`).",
                    path=path,
                    line=None if lines is None else lines[i],
                    field=field,
                )
            for label in row:
                if label not in self._index:
                    raise DataError(
                        f"Unknown label {label!r}{at}: it was not seen at training "
                        f"time. Expected one of {self.labels}."
                        f"{decimal_whole_note(label, self.labels)} Drop such rows "
                        f"({argument('skip_bad_rows')}=True, `{flag('skip_bad_rows')}`, counts "
                        "and skips them) or retrain with them included.",
                        path=path,
                        line=None if lines is None else lines[i],
                        field=field,
                    )
                targets[i, self._index[label]] = 1.0
        return targets

    def decode(self, targets, threshold=0.5):
        """Turns a target or score matrix back into per-row label lists.

        Single-label rows give the arg-max class; multi-label rows give every
        class at or above `threshold` (a float or one threshold per class).
        """
        targets = np.asarray(targets)
        if not self.multi_label:
            return [[self.labels[j]] for j in targets.argmax(axis=-1)]
        thresholds = np.broadcast_to(np.asarray(threshold, dtype="float32"), (self.num_classes,))
        return [[self.labels[j] for j in np.flatnonzero(row >= thresholds)] for row in targets]

    def get_config(self):
        config = {"labels": list(self.labels), "multi_label": self.multi_label}
        if self.label_type == "int":  # else none: the labels.json genreclf always wrote
            config["label_type"] = "int"
        return config

    @classmethod
    def from_config(cls, config):
        """The vocabulary of `get_config()`; one without `label_type` (a `labels.json`
        written before genreclf recorded it) keeps its labels as strings."""
        return cls(**{"label_type": "str", **config})

    def save(self, path):
        """Writes the vocabulary as JSON (`labels.json` in a run folder)."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.get_config(), f, indent=2, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        """Reads a vocabulary written by `save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_config(json.load(f))
