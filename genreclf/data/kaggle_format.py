"""Reader for the Kaggle "Genre Classification Dataset IMDb" line format.

Each line is `ID ::: TITLE ::: GENRE ::: DESCRIPTION`; the fields become the
columns `id`, `title`, `genre` and `description`. A header line naming those
fields (or the test format's `ID ::: TITLE ::: DESCRIPTION`) is skipped. The
unlabelled test format's lines are rows too when no label is needed (texts to
label: `labelled=False`).
"""

from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.errors import DataError

SEPARATOR = ":::"
COLUMNS = ("id", "title", "genre", "description")
# Header lines some copies of the data set start with (training and test formats).
UNLABELLED_COLUMNS = ("id", "title", "description")
HEADERS = (list(COLUMNS), list(UNLABELLED_COLUMNS))


def is_header(parts):
    """Whether the `:::`-separated `parts` of a line are a header, not a row.

    Example:

    >>> is_header(["ID ", " TITLE ", " GENRE ", " DESCRIPTION"]), is_header(["1", "Heat"])
    (True, False)
    """
    return [part.strip().lower() for part in parts] in HEADERS


def looks_like_kaggle_genre(path, max_lines=5):
    """Whether the first non-blank lines of `path` use the `:::` separator.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train_data.txt"
    >>> _ = path.write_text("1 ::: Heat ::: crime ::: A heist.\\n")
    >>> looks_like_kaggle_genre(path)
    True
    """
    seen = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            if SEPARATOR.encode() not in raw:
                return False
            seen += 1
            if seen >= max_lines:
                break
    return seen > 0


class KaggleGenreRecords:
    """Records of a Kaggle genre file (`ID ::: TITLE ::: GENRE ::: DESCRIPTION`).

    Args:
        path: the `.txt` file.
        labelled: whether rows need their genre. With `False` (texts to
            label), lines of the unlabelled test format
            (`ID ::: TITLE ::: DESCRIPTION`) are rows too, without a genre.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train_data.txt"
    >>> _ = path.write_text("1 ::: Heat ::: crime ::: A heist.\\n")
    >>> [r.fields for r in KaggleGenreRecords(path)]
    [{'id': '1', 'title': 'Heat', 'genre': 'crime', 'description': 'A heist.'}]
    >>> _ = path.write_text("2 ::: Alien ::: A crew meets a stowaway.\\n")
    >>> [r.fields for r in KaggleGenreRecords(path, labelled=False)]
    [{'id': '2', 'title': 'Alien', 'description': 'A crew meets a stowaway.'}]
    """

    columns = list(COLUMNS)

    def __init__(self, path, labelled=True):
        self.path = str(path)
        self.labelled = labelled
        with open(self.path, "rb") as f:
            if not any(raw.strip() for raw in f):
                raise DataError(
                    "The file is empty: expected lines like "
                    "`ID ::: TITLE ::: GENRE ::: DESCRIPTION`.",
                    path=self.path,
                )

    def __iter__(self):
        with open(self.path, "rb") as f:
            for number, text, bad in LineDecoder(f).numbered():
                parts = text.rstrip("\r\n").split(SEPARATOR)
                if is_header(parts):
                    continue
                names = COLUMNS
                if len(parts) == len(UNLABELLED_COLUMNS) and not self.labelled:
                    names = UNLABELLED_COLUMNS
                elif len(parts) != len(COLUMNS):
                    yield _count_error(parts, self.path, number, self.labelled)
                    continue
                fields = dict(zip(names, (part.strip() for part in parts)))
                yield Record(number, fields, bad_bytes=bad)


def _count_error(parts, path, number, labelled=True):
    """The row error for a line without four `:::`-separated fields (or three, unlabelled)."""
    found = len(parts)
    hint = ""
    if found == 3:  # only when labelled: texts to label may leave the genre out
        hint = (
            " A line with 3 fields is the unlabelled test format (ID ::: TITLE ::: "
            "DESCRIPTION); training and evaluation need the genre."
        )
        fix = "add the genre after the title"
    elif found > len(COLUMNS):
        hint = f" The description (or the title) holds {SEPARATOR!r} itself."
        fix = f"replace the {SEPARATOR!r} inside the text (for example by ' - ')"
    else:
        fix = f"separate the four fields with {SEPARATOR!r}"
    expected = (
        f"{len(COLUMNS)} fields separated by '{SEPARATOR}' (ID ::: TITLE ::: GENRE ::: DESCRIPTION)"
    )
    if not labelled:
        expected += " or, for texts to label, 3 (ID ::: TITLE ::: DESCRIPTION)"
    return row_error(
        "malformed_line",
        f"expected {expected}, found {found}.{hint}",
        fix=fix,
        path=path,
        line=number,
    )
