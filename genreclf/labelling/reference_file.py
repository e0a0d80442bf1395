"""Labelled files read beside `genreclf label`'s input: the calibration file and the judge file.

`genreclf label --calibrate FILE` chooses thresholds on one
(`genreclf.labelling.calibration_file`); `genreclf label audit --judge FILE`
scores the labelled rows against another (`genreclf.labelling.auditing`).
Both are read by `genreclf.data.load_dataset` through `read_labelled_file`,
so their errors and warnings name the caller's options for the file, not
`load_dataset`'s; `check_file_options` refuses those options where no such
file is read (`calibrate=` rows held in memory, a run or an LLM as judge).
Their labels are compared with the cascade's genres
(`genreclf.labelling.known_genres`).
"""

from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.labelling.known_genres import check_known_labels


def read_labelled_file(data, *, arguments=None, flags=None, known=None, purpose=None, **options):
    """`load_dataset(data, **options)` for a labelled file read beside `genreclf label`'s input.

    The calibration file and `label audit`'s judge file are read so: the
    hints of their errors and warnings name the caller's `arguments` and
    `flags` (`genreclf.data.option_names`), and a bad row's error ends with
    its fix alone, since neither takes `skip_bad_rows`. Neither takes a
    `split` either: an aclImdb folder's or archive's hint says that its
    `train/` is read (and, of a folder, which folder to pass instead), not
    to pass `split=`.

    Args:
        data: a labelled file (any format `load_dataset` reads) or a pandas
            DataFrame.
        arguments: `{load_dataset option: the caller's argument}`, e.g.
            `{"label": "judge_label"}` (default: `load_dataset`'s names).
        flags: `{load_dataset option: the caller's flag}`, e.g.
            `{"label": "--calibrate-label"}` (default: `--label`, ...).
        known: a `KnownGenres` to compare the labels with (default: unchecked).
        purpose: with `known`, `"calibration"` or `"judge"` (see `check_known_labels`).
        **options: `load_dataset`'s options (`text`, `label`, `format`, `sep`, ...).

    Returns:
        The `genreclf.TextDataset`.

    Raises:
        DataError: a missing file or column, a bad row, or labels outside
            `known` that look like a mistake (file, line, field; see
            `check_known_labels`).
        ConfigError: an unknown format, or one the file's name does not tell.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "judge.csv"
    >>> _ = path.write_text("overview,genre\\nA ghost.,horror\\n")
    >>> read_labelled_file(path, arguments={"label": "judge_label"}).labels
    [['horror']]
    """
    from genreclf.data import load_dataset
    from genreclf.data.option_names import option_names
    from genreclf.data.records import unskippable

    if "split" not in options:  # the caller has no split to pass: its hints say so
        arguments = {"split": None, **(arguments or {})}
    try:
        with option_names(arguments=arguments, flags=flags):  # the hints name the caller's
            dataset = load_dataset(data, **options)
            if known is not None:
                read = dataset.read_options or {}
                check_known_labels(
                    dataset.labels,
                    known,
                    purpose,
                    path=dataset.origin,
                    lines=dataset.lines,
                    field=read.get("label"),
                    sep=read.get("sep"),
                    options=True,
                )
            return dataset
    except (DataError, ConfigError) as error:
        raise unskippable(error) from None


def check_file_options(options, file, received, fix):
    """Raises `ConfigError` if any of `options` is set though no labelled file is read.

    Args:
        options: `{argument: (flag, value, default)}`, e.g.
            `{"calibrate_label": ("--calibrate-label", "kind", None)}`.
        file: the file they apply to, e.g. `"the calibration file"`.
        received: what was passed instead, e.g. `"no calibrate="`.
        fix: how to pass such a file, e.g. `"calibrate= a file (`--calibrate FILE`)"`.

    Example:

    >>> sep = {"calibrate_sep": ("--calibrate-sep", ";", None)}
    >>> check_file_options(sep, "the calibration file", "no calibrate=", "calibrate=FILE")
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: calibrate_sep=';' (`--calibrate-sep`) applies to the
    calibration file. Received: no calibrate=. Drop it, or pass calibrate=FILE.
    """
    given = [
        f"{argument}={value!r} (`{flag}`)"
        for argument, (flag, value, default) in options.items()
        if value != default
    ]
    if given:
        one = len(given) == 1
        raise ConfigError(
            f"{', '.join(given)} appl{'ies' if one else 'y'} to {file}. Received: {received}. "
            f"Drop {'it' if one else 'them'}, or pass {fix}."
        )


def read_as_file(calibrate):
    """Whether `calibrate` is read as the calibration file: a path, or a pandas DataFrame.

    Rows held otherwise (a `TextDataset`, a `(texts, labels)` tuple) are
    taken as they are, without the calibration file's options.

    Example:

    >>> read_as_file("labels.csv"), read_as_file((["A ghost."], [["horror"]]))
    (True, False)
    """
    import os

    from genreclf.data.frames import is_frame

    return isinstance(calibrate, (str, os.PathLike)) or is_frame(calibrate)
