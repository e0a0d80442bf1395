"""What the data arguments take, and short descriptions of values for error messages.

`check_data` is the one check of a `data` argument (`load_dataset`,
`genreclf.train`, `evaluate`, `tune`, `find_label_issues`): a file path, a
pandas DataFrame or, where the caller takes one, a `TextDataset`. Anything
else is refused up front with what was received, described in a few words
(`describe`): never the values themselves, which may be a whole dataset.

`bad_text_error` is the one error for a text that is not a string with
some words, whether `TextDataset(texts, labels)` or `Run.predict` (through
`genreclf.texts_in`) meets it.

Neither pandas nor NumPy is imported here: values are told apart by their
class and their `shape`.
"""

import logging
import os
import reprlib
import unicodedata

from genreclf.data.frames import has_class
from genreclf.data.frames import is_frame
from genreclf.data.records import SURROGATE_FIX
from genreclf.data.records import lone_surrogate_at
from genreclf.data.records import lone_surrogate_message
from genreclf.errors import ConfigError
from genreclf.errors import TextError

logger = logging.getLogger("genreclf.data")

IN_MEMORY_HINT = "For texts and labels in memory: genreclf.TextDataset(texts, labels)."

_SHORT = reprlib.Repr()
_SHORT.maxstring = 40
_SHORT.maxother = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 3
_SHORT.maxlevel = 2


def _count(n, what):
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def is_series(value):
    """True for a pandas Series (without importing pandas).

    Example:

    >>> is_series(["a heist"])
    False
    """
    return has_class(value, "pandas", "Series")


def is_missing(value):
    """None, NaN, or pandas' `NA`/`NaT`: a missing value rather than a bad one.

    Example:

    >>> is_missing(float("nan")), is_missing(""), is_missing(None)
    (True, False, True)
    """
    if value is None or isinstance(value, float) and value != value:
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def index_note(values, position):
    """` (index 8)`: the Series index label of item `position` of `values` when it is not
    the position itself; `""` otherwise (and for anything but a Series).

    Example:

    >>> index_note(["a", "b"], 1)
    ''
    """
    if not is_series(values):
        return ""
    label = values.index[position]
    label = label.item() if hasattr(label, "item") else label  # np.int64(8) -> 8
    return "" if label == position else f" (index {short_repr(label)})"


def aligned_texts(texts, labels, name="labels"):
    """`texts`, unchanged; with a warning when `texts` and `labels` (or a feature's
    values, `name`) are pandas Series whose indexes differ.

    Rows pair by position, but pandas pairs two Series by their index: texts sorted,
    shuffled or filtered apart from their labels would pair with other rows' labels
    without a word. Equal indexes (or a list, an array) pair by position, quietly.

    Example:

    >>> import pandas as pd
    >>> texts = pd.Series(["A heist.", "A ghost."], index=[1, 0])
    >>> aligned_texts(texts, pd.Series(["crime", "horror"])) is texts  # warns
    True
    """
    if not (is_series(texts) and is_series(labels)) or len(texts) != len(labels):
        return texts  # unequal lengths: the length check names them
    if texts.index.equals(labels.index):
        return texts
    ours, theirs = texts.index.tolist(), labels.index.tolist()  # np.int64(8) -> 8
    row = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
    fix = f"{name}.loc[texts.index]" if set(ours) == set(theirs) else "the same rows of both"
    logger.warning(
        "texts and %s are pandas Series with different indexes: row %d pairs texts[%d] "
        "(index %s) with the value of %s at index %s, as rows pair by position, not by "
        "index (indexes %s and %s). If they are not the same rows in the same order, align "
        "them (%s); pass %s.to_numpy() to pair them by position without this warning.",
        name,
        row,
        row,
        short_repr(ours[row]),
        name,
        short_repr(theirs[row]),
        short_repr(ours),
        short_repr(theirs),
        fix,
        name,
    )
    return texts


def row_indices(indices, count):
    """`indices` as a list of `int`; a boolean mask (as numpy reads one) as the rows where
    it is True. `int(True)` is 1: a mask read as indices picked rows 1 and 0 over and over.

    Raises:
        ConfigError: a mask that is not one value per row (`count`).

    Example:

    >>> row_indices([True, False, True], 3), row_indices([2, 0], 3)
    ([0, 2], [2, 0])
    """
    values = list(indices)
    if values and all(type(i).__name__ in ("bool", "bool_") for i in values):
        if len(values) != count:
            raise ConfigError(
                f"A boolean mask of rows must hold one value per row ({count}). Received: "
                f"{len(values)} values. Pass a mask as long as the dataset, or row numbers."
            )
        return [i for i, keep in enumerate(values) if keep]
    return [int(i) for i in values]


def type_with_article(value):
    """`"a float"`, `"an int"`: the type of `value`, with its article.

    Example:

    >>> import numpy as np
    >>> type_with_article(3.5), type_with_article(7), type_with_article(np.zeros(2))
    ('a float', 'an int', 'a NumPy array')
    """
    name = type(value).__name__
    if name == "ndarray":
        return "a NumPy array"
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def has_words(text):
    """True for a `str` that is not blank: what every text must be.

    Blank is empty, or only spaces and invisible format characters (Unicode
    category Cf: zero-width spaces and joiners, a byte-order mark), which
    a page shows as nothing and the models read as no word.

    Example:

    >>> has_words("a heist"), has_words("  "), has_words(None), has_words("\u200b\ufeff ")
    (True, False, False, False)
    """
    if not isinstance(text, str):
        return False
    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


def is_text(text):
    """True for a text every call can take: a `str` with some words and no lone surrogate
    (which no UTF-8 text, nor a tensor, can hold).

    Example:

    >>> is_text("a heist"), is_text("  "), is_text("a \\ud800")
    (True, False, False)
    """
    return has_words(text) and lone_surrogate_at(text) is None


def bad_text_error(position, text, action, *, note="", path=None, line=None):
    """The `TextError` for `texts[position]`, a text that is not a string with some words
    (or holds a lone surrogate).

    One wording for `TextDataset(texts, labels)` and the calls that take texts
    (`Run.predict`, `Run.scores`, `genreclf.explain`).

    Args:
        position: the text's 0-based position in the texts given.
        text: the text (blank, missing or not a `str`).
        action: what the texts are for, e.g. `"predicting"`.
        note: more on the position, e.g. a Series' index label (`index_note`).
        path: the file (or source, e.g. `"DataFrame"`) the text came from, if known.
        line: its line (or row) there, if known.

    Returns:
        A `TextError` (a `DataError`, and a `ConfigError` too), to raise.

    Example:

    >>> print(bad_text_error(1, "  ", "predicting"))
    texts[1]: expected a synopsis with some words. Received: '  '. Drop or fill in the empty
    texts before predicting.
    >>> print(bad_text_error(0, 42, "making a TextDataset", path="m.csv", line=2))
    m.csv:2: texts[0]: expected a synopsis (a str). Received: 42 (an int). Convert the texts
    to str, or drop that one, before making a TextDataset.
    """
    where = f"texts[{position}]{note}"
    if is_missing(text):
        message = (
            f"{where}: expected a synopsis with some words. Received: {short_repr(text)}, a "
            "missing value. Drop the rows without a text (e.g. `frame.dropna(subset=["
            f"text_column])`) or fill them in before {action}."
        )
    elif has_words(text) and lone_surrogate_at(text) is not None:
        message = (
            f"{where}: {lone_surrogate_message(text)} Received: {short_repr(text)}. "
            f"{SURROGATE_FIX[:1].upper()}{SURROGATE_FIX[1:]} before {action}."
        )
    elif isinstance(text, str):
        message = (
            f"{where}: expected a synopsis with some words. Received: {short_repr(text)}. "
            f"Drop or fill in the empty texts before {action}."
        )
    elif has_class(text, "genreclf", "Example"):  # iterating a TextDataset gives its rows
        message = (
            f"{where}: expected a synopsis (a str). Received: {short_repr(text)}, a row of a "
            "TextDataset (iterating one gives its rows). Pass the dataset's texts, "
            f"data.texts, for {action}."
        )
    else:
        message = (
            f"{where}: expected a synopsis (a str). Received: {short_repr(text)} "
            f"({type_with_article(text)}). Convert the texts to str, or drop that one, "
            f"before {action}."
        )
    return TextError(message, path=path, line=line)


def describe(value):
    """A few words on what `value` is and how big, for a `Received: ...` (never its values).

    Example:

    >>> describe(None), describe(["a heist", "a ghost"]), describe({"text": []})
    ('None', 'a list of 2 items', 'a dict of 1 key')
    >>> import numpy as np
    >>> describe(np.zeros((310, 10)))
    'a NumPy array of shape (310, 10)'
    """
    if value is None:
        return "None"
    if is_frame(value):
        rows, columns = value.shape
        return f"a DataFrame of {_count(rows, 'row')} and {_count(columns, 'column')}"
    if is_series(value):
        return f"a Series of {_count(len(value), 'row')}"
    if has_class(value, "numpy", "ndarray"):
        return f"a NumPy array of shape {tuple(value.shape)}"
    if type(value).__name__ == "TextDataset":
        return f"a TextDataset of {_count(len(value), 'row')}"
    if isinstance(value, (str, bytes)):
        return f"{'a str' if isinstance(value, str) else 'bytes'} {short_repr(value)}"
    if isinstance(value, dict):
        return f"a dict of {_count(len(value), 'key')}"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    try:
        return f"{article} {name} of {_count(len(value), 'item')}"
    except TypeError:  # no length: a number, an object
        return f"{article} {name} {short_repr(value)}"


def short_repr(value):
    """`repr(value)`, cut short: a few items of a container, the start of a long string.

    Example:

    >>> short_repr(list(range(100_000)))
    '[0, 1, 2, ...]'
    >>> short_repr("A heist goes wrong. " * 50)
    "'A heist goes wron...heist goes wrong. '"
    """
    if is_frame(value) or is_series(value):
        return f"<{describe(value)}>"
    return _SHORT.repr(value)


def check_data(data, *, name="data", dataset=True, caller=None):
    """Refuses a `data` argument that is not a file path, a DataFrame (or a `TextDataset`).

    Args:
        data: the argument.
        name: its name, for the message.
        dataset: whether a `TextDataset` is taken too.
        caller: the function taking it, for the message (e.g. `"load_dataset"`).

    Returns:
        `data`, unchanged.

    Raises:
        ConfigError: for anything else (None included), saying what was received
            in a few words and how to pass texts and labels held in memory.

    Example:

    >>> check_data("movies.csv")
    'movies.csv'
    >>> try:
    ...     check_data(["a heist"] * 310)
    ... except ConfigError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    data must be a file path, a pandas DataFrame or a TextDataset. Received: a list of
    310 items. For texts and labels in memory: genreclf.TextDataset(texts, labels).
    """
    if isinstance(data, (str, os.PathLike)) or is_frame(data):
        return data
    is_dataset = type(data).__name__ == "TextDataset" and hasattr(data, "texts")
    if dataset and is_dataset:
        return data
    takes = (
        "a file path, a pandas DataFrame or a TextDataset"
        if dataset
        else ("a file path or a pandas DataFrame")
    )
    where = f"{caller}'s {name}" if caller else name
    if is_dataset:  # a TextDataset where only files are read
        fix = f"A TextDataset is read already: use it as it is, without {caller or 'reading it'}."
    elif isinstance(data, dict):
        fix = f"For columns in a dict: pandas.DataFrame(columns). {IN_MEMORY_HINT}"
    elif is_series(data):
        fix = (
            "A Series is one column: pass the DataFrame with text= and label= naming its "
            f"columns. {IN_MEMORY_HINT}"
        )
    elif isinstance(data, bytes):
        fix = "Pass the path as a str (`path.decode()`)."
    elif data is None:
        fix = f"Pass the data to read. {IN_MEMORY_HINT}"
    else:
        fix = IN_MEMORY_HINT
    raise ConfigError(f"{where} must be {takes}. Received: {describe(data)}. {fix}")
