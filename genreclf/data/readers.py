"""`load_dataset`: from a file of synopses to examples.

Formats: `csv`, `tsv`, `tsv-unquoted` (TSV without any quoting: one row per
line, a `"` is a character; never detected, pass it), `jsonl`, `parquet`,
`kaggle-genre` (lines `ID ::: TITLE ::: GENRE ::: DESCRIPTION`) and `aclimdb`
(`{split}/{pos,neg}/ID_RATING.txt`, as a folder, `.tar.gz` or `.tar`). Every
bad row is a `DataError` naming file, line and field, or, with
`skip_bad_rows=True`, a skipped row that is counted and logged on the
`genreclf.data` logger. Nothing is dropped silently. `iter_examples` streams
the same examples (`genreclf.data.streaming`).
"""

import os

import numpy as np

from genreclf.data import aclimdb
from genreclf.data import jsonl_records
from genreclf.data import kaggle_format
from genreclf.data import sniff
from genreclf.data import tabular
from genreclf.data import unquoted
from genreclf.data.aclimdb_hints import folder_with_file_format
from genreclf.data.columns import partial_columns
from genreclf.data.dataset import TextDataset
from genreclf.data.examples import ExampleReader
from genreclf.data.frames import FRAME_NAME
from genreclf.data.frames import FrameRecords
from genreclf.data.frames import is_frame
from genreclf.data.frames import with_index_hint
from genreclf.data.inputs import check_data
from genreclf.data.inputs import describe
from genreclf.data.label_checks import warn_on_case_variants
from genreclf.data.label_checks import warn_on_few_joined_rows
from genreclf.data.label_checks import warn_on_mixed_label_lists
from genreclf.data.label_checks import warn_on_null_labels
from genreclf.data.label_checks import warn_on_unsplit_labels
from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.data.read_options import check_aclimdb_options
from genreclf.data.read_options import check_sep
from genreclf.data.read_options import check_switch
from genreclf.data.read_options import column_names
from genreclf.data.records import is_row_error
from genreclf.data.skip_log import SkipLog
from genreclf.errors import ConfigError
from genreclf.errors import DataError

FORMATS = ("csv", "tsv", "tsv-unquoted", "jsonl", "parquet", "kaggle-genre", "aclimdb")


def detect_format(path):
    """Guesses the format of `path` from its extension (or folder layout).

    Example:

    >>> detect_format("movies.csv"), detect_format("reviews.tar.gz")
    ('csv', 'aclimdb')
    """
    if not isinstance(path, (str, os.PathLike)):  # str() of a DataFrame is the whole table
        received = describe(path)
        if is_frame(path):
            received += ", which has no format: load_dataset reads a DataFrame as it is"
        raise ConfigError(
            f"detect_format takes a file path (a str or pathlib.Path). Received: {received}."
        )
    path = str(path)
    if os.path.isdir(path) or aclimdb.is_archive(path):
        return "aclimdb"
    name = path.lower()
    by_extension = {
        ".csv": "csv",
        ".tsv": "tsv",
        ".tab": "tsv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".parquet": "parquet",
        ".pq": "parquet",
    }
    for extension, fmt in by_extension.items():
        if name.endswith(extension):
            return fmt
    if name.endswith(".txt") and os.path.isfile(path):
        if kaggle_format.looks_like_kaggle_genre(path):
            return "kaggle-genre"
    raise ConfigError(
        f"Cannot tell the format of {path!r} from its name. Expected one of "
        ".csv, .tsv, .jsonl, .ndjson, .parquet, a .txt in the Kaggle "
        "`ID ::: TITLE ::: GENRE ::: DESCRIPTION` format, an aclImdb folder, "
        f".tar.gz or .tar. Pass {argument('format')}= one of {list(FORMATS)} "
        f"(`{flag('format')}`)."
    )


def open_records(path, *, format="auto", split="train", labelled=True):
    """`(path, format, records)`: the raw records of a file, for a reader of its own.

    What `load_dataset` reads its rows from, for callers that need no label
    column (`genreclf label` reads the texts to label through it). The file
    and format are checked as `load_dataset` checks them.

    Args:
        path: the file (or aclImdb folder or archive, or a pandas DataFrame).
        format: `"auto"` or one of `FORMATS`.
        split: the aclImdb split folder to read.
        labelled: whether rows need a label; with `False`, Kaggle genre
            lines may leave the genre out (its unlabelled test format).

    Returns:
        The path as a string, the format, and an iterable of `Record`s and
        row `DataError`s, with the file's `columns`.

    Example:

    >>> import pathlib, tempfile
    >>> tsv_path = pathlib.Path(tempfile.mkdtemp()) / "u.tsv"
    >>> _ = tsv_path.write_text('plot\\n"Run," she said.\\n')
    >>> _, fmt, records = open_records(tsv_path, format="tsv-unquoted")
    >>> fmt, [r.fields for r in records]
    ('tsv-unquoted', [{'plot': '"Run," she said.'}])
    """
    return _source(path, format, split, "rating", labelled, caller="open_records")


def _source(path, format, split, aclimdb_label, labelled=True, caller="load_dataset"):
    """`(name, format, records)` of a file, an aclImdb folder or a pandas DataFrame.

    A DataFrame's name is `"DataFrame"` and its format None: it is read as it is.
    Anything else (a list of texts, None) is refused here (`check_data`).
    """
    check_data(path, name="path", dataset=False, caller=caller)
    if is_frame(path):
        if format not in (None, "auto"):
            name = argument("format")
            raise ConfigError(
                f"A DataFrame is read as it is: {name} applies to files. Received: "
                f"{name}={format!r} with a DataFrame. Drop {name}=."
            )
        return FRAME_NAME, None, FrameRecords(path)
    path, fmt = _prepare(path, format, split, aclimdb_label)
    return path, fmt, _open_records(path, fmt, split, labelled)


def _open_records(path, fmt, split, labelled=True):
    try:
        return _open_format(path, fmt, split, labelled)
    except OSError as e:
        raise DataError(
            f"Cannot read the {fmt} data: {e.strerror or e}. Expected a "
            + ("folder or .tar.gz" if fmt == "aclimdb" else "readable file")
            + ".",
            path=path,
        ) from None


def _open_format(path, fmt, split, labelled):
    if fmt == "csv":
        return tabular.CsvRecords(path, ",")
    if fmt == "tsv":
        return tabular.CsvRecords(path, "\t")
    if fmt == "tsv-unquoted":
        return unquoted.UnquotedTsvRecords(path)
    if fmt == "jsonl":
        return jsonl_records.JsonlRecords(path)
    if fmt == "parquet":
        return tabular.ParquetRecords(path)
    if fmt == "kaggle-genre":
        return kaggle_format.KaggleGenreRecords(path, labelled=labelled)
    return aclimdb.AclImdbRecords(path, split=split)


def _prepare(path, format, split, aclimdb_label):
    from genreclf.path_arguments import expand_home

    path = expand_home(path)  # "~/movies.csv" is the home folder's, as pandas reads it
    if not os.path.exists(str(path)):
        raise DataError(
            f"File not found. Check the path (relative paths start from {os.getcwd()!r}).",
            path=path,
        )
    path = str(path)
    if format in (None, "auto"):
        try:
            format = detect_format(path)
        except ConfigError:
            if os.path.isfile(path):  # not a pipe, whose bytes reading would take
                sniff.check_text_file(path)  # a compressed or empty file says so
            raise
    if format not in FORMATS:
        raise ConfigError(
            f"Unknown data format. Expected 'auto' or one of {list(FORMATS)}. "
            f"Received: {argument('format')}={format!r}. Pass {argument('format')}= one of "
            f"them (`{flag('format')}`), or 'auto' to tell it from the file's name."
        )
    check_aclimdb_options(aclimdb_label, format, split)
    if format != "aclimdb" and os.path.isdir(path):  # not a file to open: say why
        raise DataError(folder_with_file_format(path, format), path=path)
    if format in sniff.TEXT_FORMATS and os.path.isfile(path):
        sniff.check_text_file(path, format)  # not a gzip, Parquet or UTF-16 file
    return path, format


def _examples(reader, records, skips):
    for record in records:
        if not isinstance(record, DataError):
            try:
                example = reader.convert(record)
            except DataError as error:
                if not is_row_error(error):
                    raise
                record = error
            else:
                yield example
                continue
        skips.add(record)


def load_dataset(
    path,
    *,
    text=None,
    label=None,
    format="auto",
    multi_label=None,
    sep=None,
    features=(),
    categorical=(),
    id_column=None,
    skip_bad_rows=False,
    aclimdb_label="rating",
    split="train",
):
    """Reads a labelled text file into a `TextDataset`.

    Args:
        path: a `.csv`, `.tsv`, `.jsonl`/`.ndjson`, `.parquet` file, a Kaggle
            genre `.txt` (`ID ::: TITLE ::: GENRE ::: DESCRIPTION`), an
            aclImdb folder, `.tar.gz` or `.tar`, or a pandas DataFrame (its
            rows numbered from 1, errors naming `DataFrame`:
            `genreclf.data.frames`).
        text: the text column. Default: the first of `text`, `overview`,
            `plot`, `description`, `synopsis` that exists.
        label: the label column. Default: the first of `label`, `labels`,
            `genre`, `genres`, `tag` that exists (`rating` or `polarity` for
            aclImdb, see `aclimdb_label`).
        format: `"auto"` (from the extension) or one of `csv`, `tsv`,
            `tsv-unquoted` (a TSV file without quoting: every line is a
            row, fields split at tabs, a `"` is just a character), `jsonl`,
            `parquet`, `kaggle-genre`, `aclimdb`.
        multi_label: exactly `True`, `False`, or `None` to detect it
            (multi-label if any row holds a list or several separated labels).
        sep: the separator between labels in one cell: a non-empty string.
            Default: `"|"`, unless `multi_label=False`. A cell like
            `["a", "b"]` is always read as a JSON list.
        features: numeric columns to keep, as `float32` arrays: a list of
            column names, or one name (`"year"`).
        categorical: string columns to keep (a list of names, or one name).
        id_column: the column of row ids. Default: `id` if present, else the
            row's line (row number for Parquet), as a string.
        skip_bad_rows: exactly `True` to skip (count and log) bad rows
            instead of raising, or `False`. The counts by reason are in
            `dataset.skipped`.
        aclimdb_label: `"rating"` (`"1"`..`"10"`) or `"polarity"`
            (`"pos"`/`"neg"`) for aclImdb data.
        split: the aclImdb split folder to read (`"train"` or `"test"`).

    Returns:
        A `TextDataset` with `path`, per-row `ids`, `lines` (1-based line, or
        row number for Parquet and aclImdb), `sources` (`"real"` unless the
        file has a `source` column), `read_options` (the columns, label
        separator and format it was read with, and how many rows), `skipped` (reason -> count)
        and `absolute_path` (the file's, as it was read: `train` records it in `config.json`).
        A DataFrame's dataset has no `path` (there is no file to read again) and
        `source_name` `"DataFrame"`, which its rows' errors name (`DataFrame:5`).

    Raises:
        DataError: a missing file or column, or a bad row (file, line, field).
        ConfigError: an unknown format or option (`skip_bad_rows` or
            `multi_label` not exactly True or False, `sep` not a non-empty
            string, `features` not column names), or `path` neither a path nor
            a DataFrame (texts and labels in memory are a `TextDataset` already:
            `TextDataset(texts, labels)`).

    A label is a string as the file writes it (a CSV cell `3.0` is the class
    `'3.0'`), or a number as it reads: a whole number held as a float (`3.0`
    in a pandas column that one missing value made `float64`, a JSON or
    Parquet `3.0`) is the class `'3'`, as `3` is (`genreclf.data.labels.label_name`);
    `3.5` is `'3.5'`.

    Labels that look like missing values (`NaN`, `None`, `null`, `N/A`) or
    like several labels joined by another separator than `sep` are logged as
    warnings on the `genreclf.data` logger.

    Example:

    >>> import pathlib, tempfile
    >>> csv_path = pathlib.Path(tempfile.mkdtemp()) / "movies.csv"
    >>> _ = csv_path.write_text("overview,genres\\nA heist.,crime|drama\\n")
    >>> ds = load_dataset(csv_path)
    >>> ds.texts, ds.labels, ds.multi_label, ds.lines
    (['A heist.'], [['crime', 'drama']], True, [2])
    """
    skip_bad_rows = check_switch("skip_bad_rows", skip_bad_rows)  # before reading a row
    multi_label = check_switch("multi_label", multi_label)
    sep = check_sep(sep)
    features = column_names("features", features)
    categorical = column_names("categorical", categorical)
    path, fmt, records = _source(path, format, split, aclimdb_label)
    options = dict(
        text=text,
        label=label,
        multi_label=multi_label,
        sep=sep,
        features=features,
        categorical=categorical,
        id_column=id_column,
        aclimdb_label=aclimdb_label,
    )
    try:
        reader = ExampleReader(
            path, records.columns, fmt=fmt, partial_columns=partial_columns(records), **options
        )
    except DataError as error:  # a column not found: a DataFrame's index, maybe
        raise with_index_hint(error, records) from None
    skips = SkipLog(path, skip_bad_rows)
    examples = list(_examples(reader, records, skips))
    skips.finish()
    if not examples:
        bad = skips.all_bad()
        raise DataError(
            f"No usable rows: {bad}."
            if bad
            else "No usable rows: the file has a header but no rows."
            if fmt is not None
            else "No usable rows: the DataFrame has columns but no rows.",
            path=path,
        )
    if fmt == "aclimdb":
        examples.sort(key=lambda e: aclimdb.sort_key(e.id))
        for number, example in enumerate(examples, start=1):
            example.line = number
    if multi_label is None:
        multi_label = any(e.is_list or len(e.labels) > 1 for e in examples)
        warn_on_mixed_label_lists(examples, path)
        warn_on_few_joined_rows(examples, reader.sep, path)
    warn_on_unsplit_labels({l for e in examples for l in e.labels}, reader.sep, path)
    feature_columns = {}
    for name in reader.features:
        feature_columns[name] = np.array([e.features[name] for e in examples], dtype="float32")
    for name in reader.categorical:
        feature_columns[name] = np.array([e.features[name] for e in examples], dtype=object)
    dataset = TextDataset(
        texts=[e.text for e in examples],
        labels=[e.labels for e in examples],
        multi_label=bool(multi_label),
        ids=[e.id for e in examples],
        lines=[e.line for e in examples],
        sources=[e.source for e in examples],
        features=feature_columns or None,
        path=None if fmt is None else path,  # a DataFrame is no file to read again
        source_name=FRAME_NAME if fmt is None else None,  # its rows' errors say DataFrame:N
        read_options={
            "text": reader.text,
            "label": reader.label,
            "sep": reader.sep if multi_label else None,  # single-label cells are not split
            **({} if fmt is None else {"format": fmt}),
            "rows": len(examples),
        },
    )
    dataset.skipped = dict(sorted(skips.counts.items()))
    # The file as read: `train` records it, wherever the working folder is by then (os.chdir).
    dataset.absolute_path = None if fmt is None else os.path.abspath(path)
    if fmt is None:  # a DataFrame's index of each row, for `data[mask]` to compare a mask's with
        dataset.frame_index = records.index[[e.line - 1 for e in examples]].tolist()
    warn_on_null_labels(dataset)
    warn_on_case_variants(dataset)
    return dataset
