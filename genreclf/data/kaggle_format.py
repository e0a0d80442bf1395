"""Reader for the Kaggle "Genre Classification Dataset IMDb" line format.

Each line is `ID ::: TITLE ::: GENRE ::: DESCRIPTION`; the fields become the
columns `id`, `title`, `genre` and `description`. A header line naming those
fields (or the test format's `ID ::: TITLE ::: DESCRIPTION`) is skipped.
"""

from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.errors import DataError

SEPARATOR = ":::"
COLUMNS = ("id", "title", "genre", "description")
# Header lines some copies of the data set start with (training and test formats).
HEADERS = (list(COLUMNS), ["id", "title", "description"])


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

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train_data.txt"
    >>> _ = path.write_text("1 ::: Heat ::: crime ::: A heist.\\n")
    >>> [r.fields for r in KaggleGenreRecords(path)]
    [{'id': '1', 'title': 'Heat', 'genre': 'crime', 'description': 'A heist.'}]
    """

    columns = list(COLUMNS)

    def __init__(self, path):
        self.path = str(path)
        with open(self.path, "rb") as f:
            if not any(raw.strip() for raw in f):
                raise DataError(
                    "The file is empty: expected lines like "
                    "`ID ::: TITLE ::: GENRE ::: DESCRIPTION`.",
                    path=self.path,
                )

    def __iter__(self):
        with open(self.path, "rb") as f:
            lines = LineDecoder(f)
            for text in lines:
                number = lines.line
                bad = lines.pop_bad(number, number)
                if not text.strip():
                    continue
                parts = text.rstrip("\r\n").split(SEPARATOR)
                if is_header(parts):
                    continue
                if len(parts) != len(COLUMNS):
                    yield _count_error(parts, self.path, number)
                    continue
                fields = dict(zip(COLUMNS, (part.strip() for part in parts)))
                yield Record(number, fields, bad_bytes=bad)


def _count_error(parts, path, number):
    """The row error for a line without exactly four `:::`-separated fields."""
    found = len(parts)
    hint = ""
    if found == 3:
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
    return row_error(
        "malformed_line",
        f"expected {len(COLUMNS)} fields separated by '{SEPARATOR}' (ID ::: TITLE ::: "
        f"GENRE ::: DESCRIPTION), found {found}.{hint}",
        fix=fix,
        path=path,
        line=number,
    )
