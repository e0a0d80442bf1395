"""Labelled files read beside `genreclf label`'s input: the calibration file and the judge file.

`genreclf label --calibrate FILE` chooses thresholds on one
(`genreclf.labelling.calibration_file`); `genreclf label audit --judge FILE`
scores the labelled rows against another (`genreclf.labelling.auditing`).
Both are read by `genreclf.data.load_dataset` through `read_labelled_file`,
so their errors and warnings name the caller's options for the file, not
`load_dataset`'s; `check_file_options` refuses those options where no such
file is read (`calibrate=` rows held in memory, a run or an LLM as judge).
Their labels must be genres of the cascade (`KnownGenres`,
`check_known_labels`): a label that is none of them can never be chosen, so it
would count as a mistake on every row that carries it.
"""

import collections
import dataclasses

from genreclf.errors import ConfigError
from genreclf.errors import DataError


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
        known: a `KnownGenres` the labels must be among (default: unchecked).
        purpose: with `known`, `"calibration"` or `"judge"` (see `check_known_labels`).
        **options: `load_dataset`'s options (`text`, `label`, `format`, `sep`, ...).

    Returns:
        The `genreclf.TextDataset`.

    Raises:
        DataError: a missing file or column, a bad row, or a label outside
            `known` (file, line, field).
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


@dataclasses.dataclass(frozen=True)
class KnownGenres:
    """The genres a labelled file's labels must be among, and what messages call them.

    Attributes:
        names: the genre names.
        source: what they are the genres of, as messages name it
            (`"genres.yaml"`, `"the run runs/x"`).
        add: how to make a label one of them (`"add the genre to genres.yaml"`).

    Example:

    >>> KnownGenres.of({"genres": {"horror": {}, "comedy": {}}}).names
    ('horror', 'comedy')
    """

    names: tuple
    source: str
    add: str

    @classmethod
    def of(cls, genres=None, run=None, names=None):
        """The genres of `genres` (a genres.yaml path, mapping or list), else of a `run`.

        `names`: the genre names when already read (default: read from `genres`).
        """
        import os

        if genres is None and run is not None:
            names = list(run.labels) if names is None else names
            return cls(
                tuple(names),
                f"the run {run.path}",
                "label with a genres.yaml that has it (genres=, `--genres`)",
            )
        if names is None:
            from genreclf.labelling.genre_spec import load_genres

            names = [g.name for g in load_genres(genres)]
        if isinstance(genres, (str, os.PathLike)):
            return cls(tuple(names), str(genres), f"add the genre to {genres}")
        return cls(tuple(names), "genres=", "add the genre to genres=")


# What a label outside the genres does, and the file, per labelled file `genreclf label` reads.
_PURPOSES = {
    "calibration": (
        "no stage can ever choose {it}, so calibrating would count every row that carries "
        "{one} as a mistake",
        "the calibration file",
    ),
    "judge": (
        "no row can have been labelled with {it}, so the audit would count every row the judge "
        "gives {it} as a disagreement",
        "the judge file",
    ),
}


def check_known_labels(
    labels, known, purpose, *, path=None, lines=None, field=None, sep=None, options=False
):
    """Raises `DataError` at the first row holding a label outside `known`.

    A label that is none of the genres is a typo, a genre missing from
    genres.yaml, or labels joined by another separator than `sep`: the
    error names the file, the first such row's line and the label field,
    every such label with its rows, the genres, and the fix (with the
    separator that splits them into genres, when one does).

    Args:
        labels: the rows' label lists.
        known: a `KnownGenres`.
        purpose: `"calibration"` or `"judge"`.
        path, lines, field: where the rows came from (without `lines`, a
            row is named by its index).
        sep: the separator the labels were split on.
        options: name the file's label column and separator options
            (`genreclf.data.option_names`) in the fix.

    Example:

    >>> known = KnownGenres(("horror", "comedy"), "genres.yaml", "add the genre to genres.yaml")
    >>> check_known_labels([["horror"], ["musical"]], known, "judge", path="j.csv", lines=[2, 3],
    ...                    field="genre")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: j.csv:3: field 'genre': the label 'musical' is not among the genres ...
    """
    from genreclf.data.option_names import argument
    from genreclf.data.option_names import flag
    from genreclf.data.records import row_error

    names = set(known.names)
    counts = collections.Counter()
    rows = 0
    first = None
    for i, row in enumerate(labels):
        unknown = [label for label in dict.fromkeys(row) if label not in names]
        if unknown:
            rows += 1
            counts.update(unknown)
            first = i if first is None else first
    if first is None:
        return
    line = None if lines is None else lines[first]
    found = list(counts)
    consequence, file = _PURPOSES[purpose]
    one = len(found) == 1
    consequence = consequence.format(it="it" if one else "them", one="it" if one else "one of them")
    what = (
        f"the label {found[0]!r} is"
        if len(found) == 1
        else f"the labels {', '.join(map(repr, found))} are"
    )
    at = f"row {first}" if line is None else f"line {line}"
    fix = f"{known.add}, or correct those rows of {file}"
    split = _joined_by(found, names, sep)
    if split is not None and options:
        fix = (
            f"the cells list several genres joined by {split!r}: pass {argument('sep')}={split!r} "
            f"(`{flag('sep')} '{split}'`). Otherwise {fix}"
        )
    elif options:
        fix += (
            f" (or, if it is the wrong column, pass {argument('label')}= the genre column, "
            f"`{flag('label')}`)"
        )
    raise row_error(
        "unknown_label",
        f"{what} not among the genres of {known.source}: "
        f"{consequence}. Expected labels among {list(known.names)}. Received: "
        f"{dict(counts)} on {rows} of {len(labels)} rows, the first at {at}.",
        path=path,
        line=line,
        field=field,
        fix=fix,
        skippable=False,
    )


def _joined_by(labels, names, sep):
    """The separator that splits every one of `labels` into known genres, or None.

    Example:

    >>> _joined_by(["horror;comedy"], {"horror", "comedy"}, "|")
    ';'
    """
    for candidate in (";", "|", ",", "/"):
        if candidate == sep:
            continue
        if all(
            candidate in label and {p.strip() for p in label.split(candidate)} <= names
            for label in labels
        ):
            return candidate
    return None
