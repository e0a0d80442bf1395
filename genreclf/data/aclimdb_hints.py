"""What an aclImdb reader's errors advise: the split to pass, or that a folder is no data.

`genreclf.data.aclimdb` raises them; the hints live here so the reader stays
about reading.
"""

import os

from genreclf.data.option_names import argument
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
    files = [
        name
        for name in present
        if name.lower().endswith(DATA_FILE_ENDINGS) and os.path.isfile(os.path.join(path, name))
    ]
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
