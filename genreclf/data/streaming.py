"""`iter_examples` and `iter_rows`: a file's examples streamed, not loaded whole.

They take the arguments of `load_dataset` and read through the same record
readers and row checks (`genreclf.data.readers`). `iter_rows` checks the
file, format and columns at the call (`iter_examples`, a generator, at its
first row), and each row as the iterator is consumed: a bad row raises
there, or, with `skip_bad_rows=True`, is skipped, counted and logged as it
is met, with the summary of skips logged when the file ends.
`stream_tf_dataset` (`genreclf.data.pipeline`) reads through `iter_rows`.
"""

from genreclf.data.columns import partial_columns
from genreclf.data.examples import ExampleReader
from genreclf.data.inputs import check_data
from genreclf.data.read_options import check_switch
from genreclf.data.readers import _examples
from genreclf.data.readers import _source
from genreclf.data.skip_log import SkipLog


def iter_examples(path, **kwargs):
    """Streams `(text, labels, line)` from a file without loading it whole.

    Takes the same arguments as `load_dataset`; bad rows raise or, with
    `skip_bad_rows=True`, are skipped, counted and logged as they are met.

    Example:

    >>> import pathlib, tempfile
    >>> csv_path = pathlib.Path(tempfile.mkdtemp()) / "movies.csv"
    >>> _ = csv_path.write_text("plot,tag\\nA ghost.,horror\\n")
    >>> list(iter_examples(csv_path))
    [('A ghost.', ['horror'], 2)]
    """
    check_data(path, name="path", dataset=False, caller="iter_examples")
    for example in iter_rows(path, **kwargs):
        yield example.text, example.labels, example.line


def iter_rows(
    path,
    *,
    format="auto",
    skip_bad_rows=False,
    aclimdb_label="rating",
    split="train",
    **options,
):
    """Streams `Example`s (text, labels, line, id, source, features).

    The file, format and columns are checked at the call (a missing file or
    column raises here); rows are read as the returned iterator is consumed.
    """
    skip_bad_rows = check_switch("skip_bad_rows", skip_bad_rows)  # before reading a row
    path, fmt, records = _source(path, format, split, aclimdb_label, caller="iter_rows")
    reader = ExampleReader(
        path,
        records.columns,
        fmt=fmt,
        aclimdb_label=aclimdb_label,
        partial_columns=partial_columns(records),
        **options,
    )
    return _stream(reader, records, SkipLog(path, skip_bad_rows))


def _stream(reader, records, skips):
    yield from _examples(reader, records, skips)
    skips.finish()
