"""From raw records to checked examples: column choice, labels, features.

`ExampleReader` resolves the text, label, id, source and feature columns
against a file's columns once (a missing column is a file-level `DataError`
naming the columns present), then converts each `Record` into an `Example`
or raises a row `DataError` naming file, line and field.
"""

import dataclasses
import decimal
import json
import math

from genreclf.data.columns import LABEL_COLUMNS
from genreclf.data.columns import TEXT_COLUMNS
from genreclf.data.columns import resolve_column
from genreclf.data.frames import FRAME_NAME
from genreclf.data.inputs import has_words
from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.data.labels import label_name
from genreclf.data.labels import python_list_fix
from genreclf.data.option_names import argument
from genreclf.data.option_names import flag as option_flag
from genreclf.data.quotes import merged_rows_error
from genreclf.data.read_options import check_sep
from genreclf.data.read_options import check_switch
from genreclf.data.read_options import column_names
from genreclf.data.records import has_undecodable
from genreclf.data.records import row_error
from genreclf.data.records import undecodable_error
from genreclf.errors import ConfigError

DEFAULT_SEP = "|"


@dataclasses.dataclass
class Example:
    """One checked row: text, labels (a list), where it came from, features."""

    text: str
    labels: list
    line: int
    id: str
    source: str = "real"
    features: dict = None
    is_list: bool = False


def _bytes_fix(column, fmt):
    """How to make a column of bytes a column of strings: in the DataFrame, or in the file.

    Example:

    >>> _bytes_fix("plot", "parquet")[:57]
    'store the column as strings: it is binary in the file (in'
    """
    if fmt != "parquet":
        return "decode it to a string first (e.g. value.decode('utf-8'))"
    return (
        f"store the column as strings: it is binary in the file (in pandas, `df[{column!r}] = "
        f"df[{column!r}].str.decode('utf-8')`, then write the Parquet file again)"
    )


class ExampleReader:
    """Converts the records of one file into `Example`s.

    A CSV/TSV row whose quoted cell swallowed lines that read as rows is
    refused as an unclosed quote (the rule is in `genreclf.data.quotes`).

    Args:
        path: the file (for error messages).
        columns: the columns the file has.
        fmt: the file format (`aclimdb` picks its label from `aclimdb_label`).
        text, label, multi_label, sep, features, categorical, id_column,
        aclimdb_label: as in `load_dataset`.
        partial_columns: columns some rows lack (a JSONL's keys some lines
            leave out): a text or label column found by its usual name is one
            every row has, where there is one.
        labelled: whether rows need labels. With `False` (texts to explain
            or label), no label is read (`Example.labels` is `[]`); a label
            column the file has still serves the unclosed-quote rule.

    Example:

    >>> from genreclf.data.records import Record
    >>> reader = ExampleReader("m.csv", ["plot", "genres"])
    >>> example = reader.convert(Record(2, {"plot": "A heist.", "genres": "crime|drama"}))
    >>> example.labels, example.id
    (['crime', 'drama'], '2')
    """

    def __init__(
        self,
        path,
        columns,
        *,
        fmt="csv",
        text=None,
        label=None,
        multi_label=None,
        sep=None,
        features=(),
        categorical=(),
        id_column=None,
        aclimdb_label="rating",
        partial_columns=(),
        labelled=True,
    ):
        self.path = path
        self.labelled = labelled
        sep = check_sep(sep)
        multi_label = check_switch("multi_label", multi_label)
        features = column_names("features", features)
        categorical = column_names("categorical", categorical)
        columns = list(columns)
        self.columns = columns
        self.delimiter = {"csv": ",", "tsv": "\t"}.get(fmt)
        self.fmt = fmt
        self.seen_labels = set()  # labels of the rows read, for the unclosed-quote rule
        if fmt == "aclimdb" and label is None:
            label = aclimdb_label
        partial = partial_columns
        self.text = resolve_column(columns, text, TEXT_COLUMNS, "text", path, partial)
        if labelled:
            self.label = resolve_column(columns, label, LABEL_COLUMNS, "label", path, partial)
        else:  # labels are not read: a label column only tells rows swallowed by a quote
            present = [c for c in (label, *LABEL_COLUMNS) if c in columns and c != self.text]
            self.label = present[0] if present else None
        if self.text == self.label:
            raise ConfigError(
                "The text and label columns must differ. Received: "
                f"{argument('text')}={self.text!r}, {argument('label')}={self.label!r}."
            )
        self.features = [resolve_column(columns, n, (), "features", path) for n in features]
        self.categorical = [
            resolve_column(columns, n, (), "categorical", path) for n in categorical
        ]
        for name in self.features + self.categorical:
            if name == "text":
                raise ConfigError(
                    "A feature cannot be named 'text': models take the text "
                    "under that input name. Rename the column."
                )
        self._id_named = id_column is not None
        if id_column is not None:
            self.id_column = resolve_column(columns, id_column, (), "id_column", path)
        else:
            self.id_column = "id" if "id" in columns else None
        self.multi_label = multi_label
        if sep is None and multi_label is not False and fmt != "aclimdb":
            sep = DEFAULT_SEP
        self.sep = sep or None

    def _error(self, reason, message, record, field, fix=None):
        return row_error(
            reason,
            message,
            path=record.path or self.path,
            line=record.line,
            field=field,
            fix=fix,
            lines=record.lines,
        )

    def _value(self, record, name):
        fields = record.fields
        if name not in fields:
            raise self._error(
                "missing_value",
                f"the row has no field {name!r}. Fields present: {list(fields)}.",
                record,
                name,
                fix=f"add {name!r} to this row",
            )
        if record.duplicates and name in record.duplicates:
            found = record.duplicates[name]
            raise self._error(
                "malformed_line",
                f"the object names field {name!r} {len(found)} times, with different "
                f"values: {', '.join(short_repr(value) for value in found)}. Expected each "
                "field once (JSON would keep the last value and lose the others).",
                record,
                name,
                fix=f"keep one {name!r} in this object",
            )
        value = fields[name]
        if isinstance(value, float) and math.isnan(value):
            value = None
        if (record.bad_cells and name in record.bad_cells) or (
            isinstance(value, str) and has_undecodable(value)
        ):
            raise undecodable_error(record, name, value, self.path)
        return value

    def _string(self, record, name, default=None):
        value = self._value(record, name)
        if value is None:
            return default
        return str(value).strip()

    def convert(self, record):
        """The `Example` of `record`, or a row `DataError` saying what is wrong."""
        if record.row_like and self.label is not None:
            error = merged_rows_error(
                record,
                self.columns,
                self.label,
                self.sep,
                self.seen_labels,
                self.delimiter,
                self.path,
            )
            if error is not None:
                raise error
        text = self._value(record, self.text)
        if text is None:
            raise self._error(
                "missing_value", "missing text (null).", record, self.text, fix="fill it in"
            )
        if not isinstance(text, str):
            raise self._error(
                "malformed_line",
                f"expected the text as a string. Received: {short_repr(text)} "
                f"({type_with_article(text)}).",
                record,
                self.text,
                fix=(
                    _bytes_fix(self.text, self.fmt)
                    if isinstance(text, (bytes, bytearray))
                    else "write the text as one string (join a list of sentences into one)"
                ),
            )
        if not has_words(text):
            raise self._error(
                "empty_text",
                "empty text. Every row needs a non-blank text.",
                record,
                self.text,
                fix="fill it in",
            )
        if self.labelled:
            labels, is_list = self._labels(record)
            seen = labels
        else:  # the label cell as written serves the unclosed-quote rule alone
            labels, is_list = [], False
            cell = record.fields.get(self.label) if self.label is not None else None
            seen = cell.split(self.sep) if isinstance(cell, str) and self.sep else [cell]
        if self.delimiter:
            self.seen_labels.update(s.strip() for s in seen if isinstance(s, str) and s.strip())
        if self.id_column is None:
            example_id = str(record.line)
        elif not self._id_named and self.id_column not in record.fields:
            # A found `id` a JSON line leaves out (as writers leave out nulls): a null id.
            example_id = ""
        else:
            example_id = self._string(record, self.id_column, default="")
        source = "real"
        if "source" in record.fields:  # augmented rows say "synthetic"
            source = self._string(record, "source") or "real"
        features = {}
        for name in self.features:
            features[name] = self._number(record, name)
        for name in self.categorical:
            features[name] = self._string(record, name, default="")
        return Example(
            text=text,
            labels=labels,
            line=record.line,
            id=example_id,
            source=source,
            features=features,
            is_list=is_list,
        )

    def _labels(self, record):
        value = self._value(record, self.label)
        field = self.label
        is_list = False
        if value is None:
            raise self._error(
                "missing_value", "missing label (null).", record, field, fix="fill it in"
            )
        if isinstance(value, str):
            cell = value.strip()
            if cell.startswith("[") and cell.endswith("]"):
                try:
                    value = json.loads(cell)
                except json.JSONDecodeError as e:
                    note, fix = python_list_fix(cell, field) or (
                        "",
                        'quote each label in it ("drama"), or write the labels without brackets',
                    )
                    raise self._error(
                        "malformed_line",
                        f"the label cell looks like a JSON list but is not "
                        f"valid JSON ({e.msg}). Received: {cell!r}. Expected "
                        f'a list like ["drama", "crime"].{note}',
                        record,
                        field,
                        fix=fix,
                    ) from None
                is_list = isinstance(value, list)
            elif self.sep and self.sep in cell:
                value = cell.split(self.sep)
            else:
                value = [cell]
        elif hasattr(value, "tolist"):  # numpy arrays from Parquet
            value = value.tolist()
            is_list = isinstance(value, list)
        elif isinstance(value, (list, tuple)):
            is_list = True
        if isinstance(value, (list, tuple)):
            items = list(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            items = [value]
        else:
            flag_column = isinstance(value, bool) and self.path == FRAME_NAME  # a bool dtype
            raise self._error(
                "malformed_line",
                f"expected a label string or a list of labels. Received: {value!r}.",
                record,
                field,
                fix=f"name the classes of a True/False column: frame[{field!r}].map({{True: "
                f"'yes', False: 'no'}})"
                if flag_column
                else "write the label as a string",
            )
        labels = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise self._error(
                    "malformed_line",
                    f"expected each label to be a string. Received: {_shown(item)} in "
                    f"{short_repr(items)}.",
                    record,
                    field,
                    fix="write each label as a string",
                )
            if isinstance(item, str) and has_undecodable(item):  # from a JSON list
                raise undecodable_error(record, field, item, self.path)
            name = label_name(item).strip()  # 3.0 is '3', as 3 is
            if not name:
                raise self._error(
                    "empty_label",
                    f"empty label. Received: {self._value(record, field)!r}. "
                    "Every row needs at least one non-blank label (and no "
                    "blank label between separators).",
                    record,
                    field,
                    fix="fill in the label, or remove the blank one between separators",
                )
            if name not in labels:
                labels.append(name)
        if not labels:
            raise self._error(
                "empty_label",
                "empty label list. Received: []. Every row needs at least one label.",
                record,
                field,
                fix="add a label",
            )
        if self.multi_label is False and len(labels) > 1:
            raise self._error(
                "too_many_labels",
                f"a single-label task needs one label per row. Received: {labels}.",
                record,
                field,
                fix="keep one label, or train a multi-label model for rows with several "
                f"labels ({argument('multi_label')}=True, `train {option_flag('multi_label')}`)",
            )
        return labels, is_list

    def _number(self, record, name):
        value = self._value(record, name)
        number = None
        if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            number = float(value)  # a Decimal: a Parquet decimal column's value
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        if number is None or not math.isfinite(number):
            raise self._error(
                "bad_feature",
                f"expected a finite number for this numeric feature. Received: {_shown(value)}.",
                record,
                name,
                fix=f"fix the value, list the column under {argument('categorical')}= if it is "
                "not numeric",
            )
        return number


def _shown(value):
    """`repr(value)`; None, which a DataFrame's NaN and a JSON null become, said as missing."""
    return "a missing value (NaN, None or null)" if value is None else repr(value)
