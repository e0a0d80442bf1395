"""The bundled sample: 310 original movie synopses in 10 genres.

Written by the genreclf team for demos and tests (Apache-2.0, see
`README.md` beside this file). Columns: `id`, `title`, `year`, `overview`
(the text), `genre` (the main genre) and `genres` (1-3 genres joined by
`"|"`, the main one first). The genres are imbalanced on purpose: six have
40 rows each, four (`horror`, `animation`, `documentary`, `western`) have
16-19.

`russian.csv` beside it holds 48 original Russian synopses (columns `id`,
`title`, `overview`, `genre`; 12 each of `comedy`, `horror`, `romance`,
`science-fiction`), written by the genreclf team for the multilingual tests.

Example:

>>> from genreclf.data.sample import sample_path
>>> sample_path().name
'movies.csv'
"""

import pathlib

SAMPLE_CSV = pathlib.Path(__file__).resolve().parent / "movies.csv"
"""`pathlib.Path` of the bundled `movies.csv`."""

RUSSIAN_CSV = pathlib.Path(__file__).resolve().parent / "russian.csv"
"""`pathlib.Path` of the bundled `russian.csv` (48 original Russian synopses, 4 genres)."""

TEXT_COLUMN = "overview"
LABEL_COLUMN = "genre"
MULTI_LABEL_COLUMN = "genres"
LABEL_SEPARATOR = "|"


def sample_path():
    """Returns the path of the bundled sample CSV.

    Use it with `text="overview"` and either `label="genre"` (single-label)
    or `label="genres", multi_label=True, sep="|"` (multi-label).

    Returns:
        A `pathlib.Path` to `movies.csv` inside the installed package.

    Raises:
        FileNotFoundError: the file is missing from the installation (the
            package was built without its data files).

    Example:

    >>> from genreclf.data import load_dataset
    >>> from genreclf.data.sample import sample_path
    >>> ds = load_dataset(sample_path(), text="overview", label="genres",
    ...                   multi_label=True, sep="|")
    >>> len(ds), len(ds.vocabulary().labels)
    (310, 10)
    """
    if not SAMPLE_CSV.is_file():
        raise FileNotFoundError(
            "Expected the bundled sample at "
            f"{SAMPLE_CSV}, but it is missing. Received: path={SAMPLE_CSV}. "
            "Reinstall genreclf from a build that includes its package data "
            "(setup.cfg must list `genreclf/data/sample/*.csv` under "
            "[options.package_data])."
        )
    return SAMPLE_CSV


def russian_sample_path():
    """Returns the path of the bundled Russian sample (`text="overview"`, `label="genre"`).

    Example:

    >>> from genreclf.data import load_dataset
    >>> ds = load_dataset(russian_sample_path(), text="overview", label="genre")
    >>> len(ds), ds.vocabulary().labels
    (48, ['comedy', 'horror', 'romance', 'science-fiction'])
    """
    if not RUSSIAN_CSV.is_file():
        raise FileNotFoundError(
            f"Expected the bundled Russian sample at {RUSSIAN_CSV}, but it is missing. "
            "Reinstall genreclf from a build that includes its package data."
        )
    return RUSSIAN_CSV
