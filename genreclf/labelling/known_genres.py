"""`KnownGenres` and `check_known_labels`: a labelled file's labels against the cascade's genres.

A label outside the genres is never matched, so a row that carries only such
labels counts as a mistake (calibration) or a disagreement (audit), and beside
a genre it is ignored. That is warned about, or refused where it looks like a
mistake: labels joined by another separator, a genre in other case, no row
with any genre (`genreclf.labelling.reference_file` reads the files).
"""

import collections
import dataclasses
import logging

from genreclf.errors import DataError

logger = logging.getLogger("genreclf.labelling")


@dataclasses.dataclass(frozen=True)
class KnownGenres:
    """The genres a labelled file's labels are compared with, and what messages call them.

    Attributes:
        names: the genre names.
        source: what they are the genres of, as messages name it
            (`"genres.yaml"`, `"the run runs/x"`).
        add: how to make labels genres, `{it}` standing for the labels
            (`"add {it} to genres.yaml"`).
        complete: whether `names` are every genre the rows could be labelled
            with; False for the genres an audit finds in the labelled rows
            when it has no genres.yaml (a judge file whose rows carry none of
            them is then warned about, not refused).

    Example:

    >>> KnownGenres.of({"genres": {"horror": {}, "comedy": {}}}).names
    ('horror', 'comedy')
    """

    names: tuple
    source: str
    add: str
    complete: bool = True

    @classmethod
    def of(cls, genres=None, run=None, names=None):
        """The genres of `genres` (a genres.yaml path, mapping or list); without it, of a `run`.

        `names`: the genre names when already read (default: read from `genres`).
        """
        import os

        if genres is None and run is not None:
            names = list(run.labels) if names is None else names
            return cls(
                tuple(names),
                f"the run {run.path}",
                "label with a genres.yaml that has {it} (genres=, `--genres`)",
            )
        if names is None:
            from genreclf.labelling.genre_spec import load_genres

            names = [g.name for g in load_genres(genres)]
        if isinstance(genres, (str, os.PathLike)):
            return cls(tuple(names), str(genres), f"add {{it}} to {genres}")
        return cls(tuple(names), "genres=", "add {it} to genres=")


# Per labelled file `genreclf label` reads: what it is called, what a label outside the genres
# does to a row that carries nothing else, and what there is nothing of when no row has a genre.
_PURPOSES = {
    "calibration": {
        "file": "the calibration file",
        "rows": "the calibration rows (calibrate=)",
        "never": "no stage can choose {it}",
        "only": "count as mistakes wherever a stage claims them",
        "only_one": "counts as a mistake wherever a stage claims it",
        "nothing": "there is nothing to calibrate against (every row a stage claimed would count "
        "as a mistake)",
    },
    "judge": {
        "file": "the judge file",
        "rows": "the judge's rows",
        "never": "no row was labelled with {it}",
        "only": "count as disagreements wherever they are sampled",
        "only_one": "counts as a disagreement wherever it is sampled",
        "nothing": "there is nothing to audit against (every label given would count as a "
        "disagreement)",
    },
}


def check_known_labels(
    labels, known, purpose, *, path=None, lines=None, field=None, sep=None, options=False
):
    """Refuses a labelled file whose labels outside `known` look like a mistake; warns otherwise.

    A label outside the genres is never matched: a row that carries only
    such labels counts as a mistake (calibration) or a disagreement
    (audit), and on a row that also carries a genre it is ignored. That is
    the file's right when it is labelled with more genres than genres.yaml
    (a run's training data), so it is a warning (logger
    `genreclf.labelling`) naming the labels, their rows and the fix. It is a
    `DataError` (file, line, field, fix) when the labels look like a mistake:

    - a label is several genres joined by another separator than `sep`
      (`horror;comedy`), which the error names;
    - a label is a genre but for case or surrounding spaces (`Comedy`);
    - no row carries any genre (the wrong column, or the wrong genres),
      unless `known` is not `complete`.

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

    >>> known = KnownGenres(("horror", "comedy"), "genres.yaml", "add {it} to genres.yaml")
    >>> check_known_labels([["horror"], ["Comedy"]], known, "judge", path="j.csv", lines=[2, 3],
    ...                    field="genre")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: j.csv:3: field 'genre': the label 'Comedy' of the judge file is ...
    """
    names = set(known.names)
    counts = collections.Counter()  # label outside the genres -> rows carrying it
    first = {}  # such a label -> the first row carrying it
    only = mixed = 0  # rows carrying such labels alone, and beside a genre
    for i, row in enumerate(labels):
        row = list(dict.fromkeys(row))
        unknown = [label for label in row if label not in names]
        counts.update(unknown)
        for label in unknown:
            first.setdefault(label, i)
        if unknown:
            only += len(unknown) == len(row)
            mixed += len(unknown) < len(row)
    if not counts:
        return
    words = _PURPOSES[purpose]
    file = words["file"] if path is not None else words["rows"]

    def where(found):
        """(line, 'line N' or 'row N') of the first row carrying one of `found`."""
        row = min(first[label] for label in found)
        line = None if lines is None else lines[row]
        return line, f"row {row}" if line is None else f"line {line}"

    def error(found, problem, fix):
        line, at = where(found)
        received = {label: counts[label] for label in found}
        return _row_error(
            f"{_the_labels(found)} of {file} {'is' if len(found) == 1 else 'are'} not among the "
            f"genres of {known.source}: {problem}. Expected labels among {list(known.names)}. "
            f"Received: {received} on {_rows_with(labels, found)} of {len(labels)} rows, the "
            f"first at {at}.",
            path=path,
            line=line,
            field=field,
            fix=fix,
        )

    split, joined = _joined_by(list(counts), names, sep)
    if joined:
        one = len(joined) == 1
        problem = f"{'it lists' if one else 'they list'} several genres joined by {split!r}"
        if options:
            from genreclf.data.option_names import argument
            from genreclf.data.option_names import flag

            problem += f", and labels are split on {sep or '|'!r}"
            fix = f"pass {argument('sep')}={split!r} (`{flag('sep')} '{split}'`)"
        else:
            example = [p.strip() for p in joined[0].split(split)]
            fix = f"give each row its genres as a list ({example!r}, not {joined[0]!r})"
        raise error(joined, problem, fix)
    cased = _cased(list(counts), known.names)
    if cased:
        one = len(cased) == 1
        problem = (
            f"{'it is the genre' if one else 'they are the genres'} "
            f"{', '.join(map(repr, cased.values()))} but for case or surrounding spaces: a "
            "label must be written exactly as its genre to be matched"
        )
        renames = ", ".join(f"{label!r} as {genre!r}" for label, genre in cased.items())
        raise error(list(cased), problem, f"write {renames} in those rows")
    if known.complete and _rows_with(labels, names) == 0:
        fix = f"if these labels are the genres to label, {_add(known, 'them')}"
        if options:
            from genreclf.data.option_names import argument
            from genreclf.data.option_names import flag

            fix = (
                f"if it is the wrong column, pass {argument('label')}= the genre column "
                f"(`{flag('label')}`); {fix}"
            )
        raise error(
            list(counts),
            f"no row carries one of the genres, so {words['nothing']}",
            fix,
        )
    _warn(counts, first, only, mixed, known, words, file, labels, path, lines, field)


def _warn(counts, first, only, mixed, known, words, file, labels, path, lines, field):
    """Logs what labels outside the genres do to the rows that carry them."""
    found = list(counts)
    one = len(found) == 1
    it = "it" if one else "them"
    effects = []
    if only:
        effects.append(
            f"the {only} row{'' if only == 1 else 's'} that carr"
            f"{'ies' if only == 1 else 'y'} only such labels "
            f"{words['only_one'] if only == 1 else words['only']}"
        )
    if mixed:
        effects.append(
            f"on the {mixed} row{'' if mixed == 1 else 's'} that also carr"
            f"{'ies' if mixed == 1 else 'y'} a genre, {'it is' if one else 'they are'} ignored"
        )
    row = min(first.values())
    line = None if lines is None else lines[row]
    at = f"row {row}" if line is None else f"line {line}"
    if known.complete:
        advice = f"If {'it' if one else 'they'} should be labelled, {_add(known, it)}"
    else:
        advice = (
            f"If {'it is a genre' if one else 'they are genres'} of the genres.yaml the rows "
            "were labelled with, pass genres= that file (`--genres`) to compare the judge's "
            "labels with all its genres"
        )
    message = (
        f"{_the_labels(found)} of {file} {'is' if one else 'are'} not among the genres of "
        f"{known.source} {list(known.names)}: {words['never'].format(it=it)}, so "
        f"{'; '.join(effects)}. Received: {dict(counts)} on {only + mixed} of {len(labels)} "
        f"rows, the first at {at}. {advice}; otherwise this warning can be ignored."
    )
    logger.warning("%s", DataError(message, path=path, line=line, field=field))


def _the_labels(found):
    """`the label 'x'` or `the labels 'x', 'y'`."""
    return f"the label{'' if len(found) == 1 else 's'} {', '.join(map(repr, found))}"


def _rows_with(labels, found):
    """How many rows carry one of `found`."""
    found = set(found)
    return sum(1 for row in labels if found.intersection(row))


def _add(known, it):
    """`known.add` for the labels called `it`."""
    return known.add.replace("{it}", it)


def _row_error(message, *, path, line, field, fix):
    from genreclf.data.records import row_error

    return row_error(
        "unknown_label", message, path=path, line=line, field=field, fix=fix, skippable=False
    )


def _joined_by(labels, names, sep):
    """`(separator, labels)`: the separator other than `sep` that splits the most of `labels`
    into two genres or more, and those labels; `(None, [])` if none does.

    Example:

    >>> _joined_by(["horror;comedy", "musical"], {"horror", "comedy"}, "|")
    (';', ['horror;comedy'])
    """
    best = (None, [])
    for candidate in (";", "|", ",", "/"):
        if candidate == sep:
            continue
        joined = [
            label
            for label in labels
            if candidate in label and {p.strip() for p in label.split(candidate)} <= names
        ]
        if len(joined) > len(best[1]):
            best = (candidate, joined)
    return best


def _cased(labels, names):
    """`{label: genre}` for those of `labels` that are a genre but for case or spaces.

    Example:

    >>> _cased(["Comedy", " horror", "musical"], ("horror", "comedy"))
    {'Comedy': 'comedy', ' horror': 'horror'}
    """
    folded = {name.strip().casefold(): name for name in names}
    return {
        label: folded[label.strip().casefold()]
        for label in labels
        if label.strip().casefold() in folded
    }
