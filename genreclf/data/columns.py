"""Which column a role reads: the one named, else the first of the usual names.

`resolve_column` picks the text, label, id and feature columns of a file for
`genreclf.data.examples.ExampleReader` and the unlabelled readers; an
unknown name is a file-level `DataError` that names the columns present.
"""

import logging

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag as option_flag
from genreclf.data.option_names import jsonl_rows
from genreclf.data.option_names import lacks
from genreclf.errors import DataError

TEXT_COLUMNS = ("text", "overview", "plot", "description", "synopsis")
LABEL_COLUMNS = ("label", "labels", "genre", "genres", "tag")

logger = logging.getLogger("genreclf.data")


def resolve_column(columns, name, candidates, what, path, partial=()):
    """The column to use for `what`: `name`, else the first of `candidates` present.

    `name` matches a column of another type that reads as it, when only one
    does: `"0"` (a command line's, a `config.json`'s) is a DataFrame's column `0`.
    Among `candidates`, one that every row has comes before one in `partial`
    (a JSONL key that some lines leave out).

    `what` is the option (of `load_dataset`) that names the column; the error
    names its argument and flag as `genreclf.data.option_names` says, or, for
    a caller without the option (`lacks`), shows the row to write.

    Example:

    >>> resolve_column(["text", "label", "genre"], None, LABEL_COLUMNS, "label", "m.jsonl")
    'label'
    >>> resolve_column(
    ...     ["text", "label", "genre"], None, LABEL_COLUMNS, "label", "m.jsonl", partial={"label"}
    ... )
    'genre'
    """
    flag = option_flag(what)
    fixed = f" Expected {jsonl_rows()}." if lacks(what) else ""  # no option picks another
    if name is not None:
        if name in columns:
            return name
        same = [column for column in columns if str(column) == str(name)]
        if len(same) == 1:  # "0" for a DataFrame's column 0: as a config.json records it
            return same[0]
        raise DataError(
            f"Column {name!r} not found. Columns present: {list(columns)}."
            + (fixed or f" Pass {argument(what)}= one of them (`{flag}` on the command line).")
            + _near_hint(columns, name, what)
            + _tab_hint(columns),
            path=path,
            field=name,
        )
    lowered = {str(c).lower(): c for c in columns}
    exact = [c for c in candidates if c in columns]
    other_case = [lowered[c] for c in candidates if c in lowered]
    for present in (exact, other_case):  # an exact name before one in another case
        if present:  # every row's columns first, then in the candidates' order
            chosen = min(present, key=lambda column: column in partial)
            if chosen != present[0]:
                logger.warning(
                    "%s: column %r is missing on some rows; reading the %s from column %r, "
                    "which every row has. Pass %s=%r (`%s %s`) to read %r instead.",
                    path,
                    present[0],
                    what,
                    chosen,
                    argument(what),
                    present[0],
                    flag,
                    present[0],
                    present[0],
                )
            return chosen
    raise DataError(
        f"No {what} column found: expected one of {list(candidates)}. "
        f"Columns present: {list(columns)}."
        + (fixed or f" Pass {argument(what)}= the column to use (`{flag}` on the command line).")
        + _tab_hint(columns),
        path=path,
    )


def _near_hint(columns, name, what):
    """A hint naming the column `name` was likely meant to be: one in a list, or one
    spelt in another case or with spaces around it; or "".

    Example:

    >>> _near_hint(["overview", "genre"], "Overview", "text")
    " Did you mean 'overview'? Names match exactly: case and spaces count."
    >>> _near_hint(["overview", "genre"], ["genre"], "label")
    " label= takes one column's name, not a list: pass label='genre'."
    """
    if isinstance(name, (list, tuple)):
        one = len(name) == 1 and name[0] in columns
        one = f": pass {argument(what)}={name[0]!r}" if one else ""
        return f" {argument(what)}= takes one column's name, not a {type(name).__name__}{one}."
    near = [c for c in columns if str(c).strip().lower() == str(name).strip().lower()]
    if len(near) != 1:
        return ""
    return f" Did you mean {near[0]!r}? Names match exactly: case and spaces count."


def _tab_hint(columns):
    """A hint when a tab- or otherwise-separated file was read as comma-separated.

    Example:

    >>> _tab_hint(["id;title;overview"])
    " The header holds ';': CSV files are read comma-separated. ..."
    """
    if len(columns) != 1:
        return ""
    header = str(columns[0])
    if "\t" in header:
        return (
            " The header holds tabs: for a tab-separated file pass "
            f"{argument('format')}='tsv' (`{option_flag('format')} tsv`)."
        )
    for separator in (";", "|"):
        if separator in header:
            return (
                f" The header holds {separator!r}: CSV files are read comma-separated. "
                "Save the file with commas (or tabs, as .tsv), or read it with pandas "
                f"(`pandas.read_csv(path, sep={separator!r})`) and pass the DataFrame to "
                "genreclf."
            )
    return ""


def partial_columns(records):
    """The columns some of `records`' rows lack: only a JSONL file's keys can.

    Example:

    >>> class Csv:
    ...     columns = ["text", "label"]
    >>> partial_columns(Csv())
    frozenset()
    """
    return frozenset(getattr(records, "partial_columns", ()))
