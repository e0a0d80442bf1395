"""`read_calibration`: the labelled rows `genreclf label --calibrate` chooses thresholds on.

The file is read by `genreclf.data.load_dataset` (through
`genreclf.labelling.reference_file.read_labelled_file`, as `label audit`'s
judge file is), whose errors end with a hint naming the option to change:
`Pass label= ... (`--label` on the command line)`, `Pass format= ...
(`--format`)`, and whose warning about labels joined by another separator
says `pass sep='|' (`--sep '|'`)`. The calibration file's text and label
columns, format and label separator are options of their own
(`--calibrate-text`, `--calibrate-label`, `--calibrate-format`,
`--calibrate-sep`; in Python `genreclf.label`'s `calibrate_text=`,
`calibrate_label=`, `calibrate_format=`, `calibrate_sep=`), so the file is
read within `genreclf.data.option_names.option_names` naming them: `--text`
and `--format` set the input file's, `--label` and `--sep` another
command's. `--calibrate-text` defaults to what `--text` says. `genreclf
label` skips no rows, so a bad row's error ends with its fix alone (no
`--skip-bad-rows`). Nor does it take a split: of an aclImdb folder or
archive, the `train/` reviews are read, or the `pos/` and `neg/` of the
folder given. Its labels are compared with the cascade's genres: no stage
can choose a label outside them (`musical` with no `musical` in
genres.yaml), so a row that carries only such labels counts as a mistake
wherever a stage claims it, and beside a genre such a label is ignored. That
is warned about (a file labelled with more genres than genres.yaml is fine);
labels that look like a mistake stop the run at their first row: several
genres joined by another separator, a genre in other case or with spaces
around it, or no row with any of the genres.
"""

from genreclf.labelling.reference_file import read_labelled_file

# `load_dataset`'s option -> the `genreclf label` flag that sets it for the calibration file.
FLAGS = {
    "text": "--calibrate-text",
    "label": "--calibrate-label",
    "format": "--calibrate-format",
    "sep": "--calibrate-sep",
}


def read_calibration(
    data, *, text=None, label=None, format="auto", sep=None, arguments=None, known=None
):
    """`(texts, labels)` of a labelled file; its errors name the calibration file's options.

    Args:
        data: a labelled file (any format `genreclf.data.load_dataset`
            reads) or a pandas DataFrame.
        text: the text column (default: the first of text/overview/plot/...).
        label: the label column (default: the first of label/labels/genre/...).
        format: `"auto"` (from the file's extension) or one of the formats
            of `load_dataset`.
        sep: the separator between labels in one cell (default `"|"`, as
            for `load_dataset`), e.g. `";"` for `horror;comedy` cells.
        arguments: the caller's names for `text`, `label`, `format` and
            `sep`, which the errors' hints and the warnings name, e.g.
            `{"label": "calibrate_label"}` (default: `text=`, `label=`,
            `format=`, `sep=`). Flags are always `--calibrate-text`,
            `--calibrate-label`, `--calibrate-format` and `--calibrate-sep`.
        known: the `genreclf.labelling.known_genres.KnownGenres` to
            compare the labels with (default: unchecked); `genreclf label`
            passes the cascade's genres.

    Returns:
        The texts and their label lists.

    Raises:
        DataError: a missing file or column, a bad row, or labels outside
            `known` that look like a mistake (file, line, field).
        ConfigError: an unknown format, or one the file's name does not tell.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "calibration.txt"
    >>> _ = path.write_text("overview\\tgenre\\nA ghost.\\thorror\\n")
    >>> read_calibration(path, format="tsv")
    (['A ghost.'], [['horror']])
    >>> _ = path.write_text("overview\\tgenre\\nA ghost chef.\\thorror;comedy\\n")
    >>> read_calibration(path, format="tsv", sep=";")
    (['A ghost chef.'], [['horror', 'comedy']])
    >>> read_calibration(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Cannot tell the format ... Pass format= one of [...] (`--calibrate-format`).
    """
    dataset = read_labelled_file(
        data,
        arguments=arguments,
        flags=FLAGS,
        known=known,
        purpose="calibration",
        text=text,
        label=label,
        format=format,
        sep=sep,
    )
    return dataset.texts, dataset.labels
