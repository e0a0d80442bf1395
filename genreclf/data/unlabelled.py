"""`read_unlabelled`: the rows of a file read for their texts, whether it has labels or not.

`genreclf explain --data` explains the texts of a file: it needs no label
column, and reads none the file has (a blank label, or one the run never
saw, is no reason to refuse a text). Every format `load_dataset` reads
(Kaggle genre lines may leave the genre out, as the data set's test file
does) goes through the same record readers and row checks, so a bad row is
the same `DataError` naming file, line and field, or, with
`skip_bad_rows=True`, a row skipped, counted and logged on the
`genreclf.data` logger.
"""

import contextlib
import itertools
import logging

from genreclf.data.columns import TEXT_COLUMNS
from genreclf.data.columns import partial_columns
from genreclf.data.columns import resolve_column
from genreclf.data.examples import ExampleReader
from genreclf.data.read_options import check_switch
from genreclf.data.read_options import column_names
from genreclf.data.readers import _examples
from genreclf.data.readers import _source
from genreclf.data.skip_log import SkipLog
from genreclf.errors import ConfigError
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")


def read_unlabelled(
    path,
    *,
    text=None,
    default_text=None,
    format="auto",
    skip_bad_rows=False,
    features=(),
    categorical=(),
    limit=None,
):
    """The first `limit` usable rows of a file, as `Example`s without labels.

    Args:
        path: a file, aclImdb folder or archive, or pandas DataFrame, as for
            `load_dataset`.
        text: the text column. Default: `default_text` when the file has it,
            else the first of `text`, `overview`, `plot`, `description`,
            `synopsis` present (logged when `default_text` was not there).
        default_text: the column to read when `text` is None, such as the
            text column a run was trained on.
        format, skip_bad_rows, features, categorical: as in `load_dataset`.
        limit: read at most this many usable rows (None: all of them); the
            rows after them are not checked (a JSONL file's keys are still
            read to the end, to find its columns).

    Returns:
        A list of `Example`s (`labels` empty) with their text, line, id and
        features.

    Raises:
        DataError: a missing file or column, a bad row (file, line, field)
            unless `skip_bad_rows=True`, or no usable row.
        ConfigError: an unknown format or option, or `limit` below 1.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "test_data.txt"
    >>> _ = path.write_text("1 ::: Heat ::: A heist.\\n2 ::: Alien ::: A stowaway.\\n")
    >>> [(e.line, e.text) for e in read_unlabelled(path, format="kaggle-genre")]
    [(1, 'A heist.'), (2, 'A stowaway.')]
    """
    skip_bad_rows = check_switch("skip_bad_rows", skip_bad_rows)  # before reading a row
    features = column_names("features", features)
    categorical = column_names("categorical", categorical)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(
            f"limit must be a whole number of at least 1, or None for every row. Received: "
            f"limit={limit!r}. Pass e.g. limit=50."
        )
    path, fmt, records = _source(path, format, "train", "rating", False, "read_unlabelled")
    if text is None and default_text is not None:
        candidates = tuple(dict.fromkeys((default_text, *TEXT_COLUMNS)))
        partial = partial_columns(records) - {default_text}  # the run's own column first
        text = resolve_column(records.columns, None, candidates, "text", path, partial)
        if text != default_text:
            logger.warning(
                "%s has no column %r: reading the texts from its column %r. Pass the column "
                "to read with --text.",
                path,
                default_text,
                text,
            )
    reader = ExampleReader(
        path,
        records.columns,
        fmt=fmt,
        partial_columns=partial_columns(records),
        text=text,
        features=features,
        categorical=categorical,
        labelled=False,
    )
    skips = SkipLog(path, skip_bad_rows)
    with contextlib.closing(_examples(reader, records, skips)) as rows:
        examples = list(itertools.islice(rows, limit))
    skips.finish()
    if not examples:
        bad = skips.all_bad()
        raise DataError(
            f"no texts: {bad}. Expected at least one row with a text; fix the rows the log names."
            if bad
            else "no texts: the file has no rows. Expected at least one row with a text "
            f"(in the column {reader.text!r}); pass a file that has some.",
            path=path,
        )
    return examples
