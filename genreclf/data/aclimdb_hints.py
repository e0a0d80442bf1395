"""What the errors about aclImdb folders advise: the split to pass, or that a folder is no data.

`genreclf.data.aclimdb` raises most of them, `load_dataset` the one for a
folder passed with a file format (`folder_with_file_format`: a folder is read
only as aclImdb's); the hints live here so the readers stay about reading.
"""

import os

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.data.option_names import lacks

POLARITIES = ("neg", "pos")


def split_fix(archive=False):
    """The end of a hint for reviews of another split: the split option, as hints name it.

    A caller without one (`option_names(arguments={"split": None})`: the
    files `genreclf label` reads) reads `train/` only, or the `pos/` and
    `neg/` of the folder given. Of a folder, the hint says to pass the
    folder of the other split's reviews (only a caller that reads folders
    as data gets there); of an archive, only that `train/` is read, since
    not every such caller reads a folder as data (`label audit` takes a
    folder judge for a run).

    Example:

    >>> split_fix()
    "Pass split='train' or split='test' to match."
    >>> from genreclf.data.option_names import option_names
    >>> with option_names(arguments={"split": None}):
    ...     print(split_fix(archive=True))
    No split can be chosen for this file, so only the archive's `train/` reviews are read.
    """
    if not lacks("split"):
        name = argument("split")
        return f"Pass {name}='train' or {name}='test' to match{' the archive' if archive else ''}."
    if archive:
        return (
            "No split can be chosen for this file, so only the archive's `train/` reviews are read."
        )
    return (
        "No split can be chosen for this file, so only `train/` is read: for another split's "
        "reviews, pass the folder holding their pos/ and neg/ (e.g. `aclImdb/test`)."
    )


# What a data file inside a folder that is not aclImdb's is named like, for the hint.
DATA_FILE_ENDINGS = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet", ".pq", ".txt")

# How a file of each file format is named, for the file a hint names in its place.
FORMAT_ENDINGS = {
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "tsv-unquoted": (".tsv", ".tab", ".txt"),
    "jsonl": (".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
    "kaggle-genre": (".txt",),
}


def looks_like_aclimdb(path):
    """Whether the folder `path` has some of the aclImdb layout, of either split.

    It does if it holds an `aclImdb/` folder, or a `train/` or `test/` folder
    holding `pos/` or `neg/` (a folder holding `pos/` or `neg/` itself is read
    as one split). A folder of any other kind was most likely passed in place
    of a data file, and is told so rather than which aclImdb split is missing.

    Example:

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> looks_like_aclimdb(root)
    False
    >>> (root / "test" / "neg").mkdir(parents=True)
    >>> looks_like_aclimdb(root)
    True
    """
    if os.path.isdir(os.path.join(path, "aclImdb")):
        return True
    return any(
        os.path.isdir(os.path.join(path, split, polarity))
        for split in ("train", "test")
        for polarity in POLARITIES
    )


def not_data_message(path, split, present):
    """The error for a folder passed as data that holds no aclImdb layout at all.

    Args:
        path: the folder.
        split: the split whose folders were looked for.
        present: the sorted names in the folder.

    Returns:
        The message (without the path, which `DataError` prefixes): that a
        data file or an aclImdb folder was expected, what the folder holds,
        and the fix, naming a data file in it if it holds one.
    """
    files = _data_files(path, present)
    if files:
        fix = f"Pass the data file itself, e.g. {os.path.join(path, files[0])!r}."
    else:
        fix = "Pass the data file itself, or the folder holding the aclImdb reviews."
    return (
        "This is a folder, not a data file. Expected a data file (CSV, TSV, JSONL, "
        "Parquet, or a .txt in the Kaggle `ID ::: TITLE ::: GENRE ::: DESCRIPTION` "
        f"format) or an aclImdb folder (holding `aclImdb/{split}/pos` and `.../neg`, or "
        f"`{split}/pos` and `{split}/neg`, with files ID_RATING.txt). Found in the folder: "
        f"{present[:20]}. " + fix
    )


def folder_with_file_format(path, fmt):
    """The error for a folder passed with a file format (`format='csv'`).

    A folder is read only as an aclImdb folder, so the fix is the file of
    that format inside it (named when the folder holds one), or no format,
    for aclImdb reviews.

    Args:
        path: the folder.
        fmt: the file format passed, e.g. `"csv"`.

    Returns:
        The message (without the path, which `DataError` prefixes).

    Example:

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "movies.csv").write_text("overview,genre\\n")
    >>> print(folder_with_file_format(str(root), "csv"))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    This is a folder, not a csv file: a folder is read only as an aclImdb folder ...
    Received: format='csv'. Pass the csv file inside it, e.g. '.../movies.csv', or drop
    format= (`--format`) for an aclImdb folder.
    """
    name = argument("format")
    try:
        present = sorted(os.listdir(path))
    except OSError:
        present = []
    files = [f for f in present if f.lower().endswith(FORMAT_ENDINGS[fmt])]
    files = [f for f in files if os.path.isfile(os.path.join(path, f))]
    inside = (
        f"the {fmt} file inside it, e.g. {os.path.join(path, files[0])!r}"
        if files
        else f"the {fmt} file itself"
    )
    if looks_like_aclimdb(path):
        fix = f"It holds aclImdb reviews: drop {name}= (`{flag('format')}`) to read them, or pass "
        fix += inside + "."
    else:
        fix = f"Pass {inside}, or drop {name}= (`{flag('format')}`) for an aclImdb folder."
    return (
        f"This is a folder, not a {fmt} file: a folder is read only as an aclImdb folder "
        "(its reviews in `train/pos`, `train/neg`, `test/pos` and `test/neg`). Received: "
        f"{name}={fmt!r}. " + fix
    )


def _data_files(path, present):
    """The names among `present` (in the folder `path`) of files named like data."""
    return [
        name
        for name in present
        if name.lower().endswith(DATA_FILE_ENDINGS) and os.path.isfile(os.path.join(path, name))
    ]
