"""Errors that tell the user what was expected, what was received and how to fix it."""

import re


class GenreclfError(Exception):
    """Base class for every error genreclf raises on purpose."""


class DataError(GenreclfError, ValueError):
    """Bad input data, located by file, line (or row) and field.

    Args:
        message: what is wrong, what was expected and how to fix it.
        path: the file the bad input came from, if any.
        line: the 1-based line (text formats) or row number, if known.
        field: the column or field name, if known.

    Example:

    >>> err = DataError("empty text", path="movies.csv", line=7, field="overview")
    >>> str(err)
    "movies.csv:7: field 'overview': empty text"
    """

    def __init__(self, message, *, path=None, line=None, field=None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self):
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.field is not None:
            where += f"field '{self.field}': "
        return where + self.message

    def __reduce__(self):
        return (
            _rebuild_data_error,
            (self.message, self.path, self.line, self.field, type(self)),
        )


def _rebuild_data_error(message, path, line, field, cls=None):
    return (cls or DataError)(message, path=path, line=line, field=field)


class ConfigError(GenreclfError, ValueError):
    """An argument or configuration value that cannot be used as given."""


class TextError(DataError, ConfigError):
    """A text that is not a string with some words: blank, missing or another type.

    Raised, in one wording (`genreclf.data.inputs.bad_text_error`), by
    `TextDataset(texts, labels)` and by the calls that take texts
    (`Run.predict`, `Run.scores`, `genreclf.explain`: `genreclf.texts_in`),
    naming the text by its position, `texts[i]`, and by its file and line
    when the dataset knows them. It is bad data, so a `DataError`; it is a
    `ConfigError` too, because `TextDataset` raised one for it before, and
    `except ConfigError` around a `TextDataset` keeps catching it.

    Example:

    >>> err = TextError("texts[1]: expected a synopsis with some words.", path="m.csv", line=3)
    >>> str(err), isinstance(err, DataError) and isinstance(err, ConfigError)
    ('m.csv:3: texts[1]: expected a synopsis with some words.', True)
    """


class RunFolderError(GenreclfError, FileNotFoundError):
    """A run folder that is missing or lacks a file genreclf needs."""


def did_you_mean(unknown, known):
    """`"did you mean 'epochs' for 'epoch'?"` for names that look like misspelt known
    ones (difflib's closest match), or `""`.

    Example:

    >>> did_you_mean(["epoch", "zzz"], ["epochs", "lr"])
    "did you mean 'epochs' for 'epoch'?"
    >>> did_you_mean(["text_column"], ["text", "label"])  # pandas-style names, too
    "did you mean 'text' for 'text_column'?"
    """
    import difflib

    def closest(name):
        match = difflib.get_close_matches(name, sorted(known), n=1)
        stem = re.sub(r"_(columns?|cols?|field|name)$", "", str(name))
        if not match and stem != name:  # text_column, label_col: what other APIs call them
            match = difflib.get_close_matches(stem, sorted(known), n=1)
        return match

    pairs = [(name, closest(name)) for name in unknown]
    guesses = [f"{match[0]!r} for {name!r}" for name, match in pairs if match]
    return f"did you mean {', '.join(guesses)}?" if guesses else ""
