"""`texts_in`: the texts given to `Run.predict`, `Run.scores` and `genreclf.explain`, as a list.

One function turns what a caller passes as "the texts" into a `list` of
`str`, once, so the three calls accept and refuse the same things:

* accepted: one `str` (one text), a list or tuple, a pandas Series, a 1-D
  numpy array, or any other iterable of strings (a generator is read once);
* refused with a `ConfigError`: a DataFrame (iterating one gives its column
  names), a dict or other mapping (its keys), a set (its order is arbitrary:
  the results could not be matched to the texts), `None`, `bytes`, anything
  not iterable, and arrays of more than one dimension (the containers told
  apart by `genreclf.text_containers`, as the serving client tells them);
* refused with a `TextError` naming `texts[i]`: an item that is not a string,
  is blank (a guess from no words is not a prediction), or holds a lone
  surrogate (`"\\ud800"`, which no UTF-8 text nor tensor can hold). `TextDataset`
  raises the same error, worded by the same function
  (`genreclf.data.inputs.bad_text_error`); it is a `DataError`, as it
  always was here, and a `ConfigError`.

No TensorFlow here: checking the texts costs nothing before a model loads.
"""

from genreclf.data.inputs import bad_text_error
from genreclf.data.inputs import describe
from genreclf.data.inputs import index_note
from genreclf.data.inputs import is_text
from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.errors import ConfigError
from genreclf.text_containers import ARRAY
from genreclf.text_containers import DATASET
from genreclf.text_containers import FRAME
from genreclf.text_containers import MAPPING
from genreclf.text_containers import UNORDERED
from genreclf.text_containers import array_shape
from genreclf.text_containers import container_kind

MAX_NAMES = 4  # columns or keys named in an error
ACCEPTED = "a string, or a list, tuple, pandas Series, 1-D array or other iterable of strings"


def texts_in(texts, call="run.predict", action="predicting", column=None):
    """The texts of `call(texts, ...)` as a list of `str`, checked.

    Args:
        texts: one text (a `str`), or a list, tuple, pandas Series, 1-D
            numpy array or other iterable of texts (read once).
        call: the call to name in errors, e.g. `"run.scores"`.
        action: what the texts are for, in errors (`"predicting"`).
        column: a column name to suggest when `texts` is a DataFrame or a
            dict that has it (e.g. the run's text column).

    Returns:
        A new `list` of `str`, one per text, in order.

    Raises:
        ConfigError: `texts` is not texts: None, a DataFrame, a mapping, a
            set or frozenset (no order), `bytes`, not iterable, or an array
            of more than one dimension.
        TextError: an item that is not a string, is blank, or holds a lone
            surrogate (`texts[i]`); a
            `DataError` (and a `ConfigError`), as `TextDataset` raises it.

    Example:

    >>> texts_in("A ghost haunts a lighthouse.")
    ['A ghost haunts a lighthouse.']
    >>> texts_in(t.title() for t in ["a ghost.", "a heist."])
    ['A Ghost.', 'A Heist.']
    >>> texts_in({"text": ["A ghost."]})
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: run.predict() takes texts, not a dict ... e.g. run.predict(d['text']).
    >>> texts_in("  ", "genreclf.explain", "explaining")
    Traceback (most recent call last):
    ...
    genreclf.errors.TextError: texts[0]: expected a synopsis with some words. Received: '  '. ...
    >>> texts_in(["A ghost.", "  "])
    Traceback (most recent call last):
    ...
    genreclf.errors.TextError: texts[1]: expected a synopsis with some words. Received: '  '. ...
    """
    if isinstance(texts, str):  # one text: checked as one of a list is
        if not is_text(texts):
            raise bad_text_error(0, texts, action)
        return [texts if type(texts) is str else str(texts)]
    _refuse_non_texts(texts, call, column)
    try:
        items = iter(texts)
    except TypeError:
        raise ConfigError(
            f"{call}() takes {ACCEPTED}. Received: {short_repr(texts)} "
            f"({type_with_article(texts)}). Pass the texts, e.g. {call}([text]) for one."
        ) from None
    out = []
    for position, text in enumerate(items):
        if not is_text(text):
            raise bad_text_error(position, text, action, note=index_note(texts, position))
        out.append(text if type(text) is str else str(text))
    return out


def dataset_texts(data, call, column=None):
    """The texts of `data`, a `TextDataset`, or texts as `texts_in` takes them (checked).

    For calls that take a dataset or texts alike, e.g. `run.trained_on`.

    Example:

    >>> from genreclf.data import TextDataset
    >>> dataset_texts(TextDataset(["A heist."], ["crime"]), "run.trained_on")
    ['A heist.']
    >>> dataset_texts(("A heist.", "A duel."), "run.trained_on")
    ['A heist.', 'A duel.']
    """
    if container_kind(data) == DATASET:  # refused as texts: iterating one gives rows
        return list(data.texts)
    return texts_in(data, call, "checking them", column)


def _refuse_non_texts(texts, call, column):
    """Raises a `ConfigError` for inputs whose iteration gives no texts."""
    if texts is None:
        raise ConfigError(
            f"{call}() takes {ACCEPTED}. Received: None. Pass the texts, e.g. "
            f"{call}(df['overview'])."
        )
    if isinstance(texts, (bytes, bytearray)):
        raise ConfigError(
            f"{call}() takes texts as str, not bytes. Received: {short_repr(texts)}. Decode "
            f"them first, e.g. {call}(data.decode('utf-8'))."
        )
    kind = container_kind(texts)
    if kind == DATASET:
        raise ConfigError(
            f"{call}() takes texts, not a TextDataset (iterating one gives its rows). "
            f"Received: a TextDataset of {len(texts)} rows. Pass its texts, e.g. "
            f"{call}(data.texts)."
        )
    if kind == FRAME:
        columns = list(texts.columns)
        example = _pick(columns, column, _text_columns(texts))
        raise ConfigError(
            f"{call}() takes one column of texts, not a {type(texts).__name__} (iterating "
            f"one gives its column names). Received: a {type(texts).__name__} with columns "
            f"{_names(columns)}. Pass one column, e.g. {call}(df[{example!r}])."
        )
    if kind == MAPPING:
        keys = list(texts.keys())
        example = _pick(keys, column, [])
        raise ConfigError(
            f"{call}() takes texts, not a {type(texts).__name__} (iterating one gives its "
            f"keys). Received: a {type(texts).__name__} with keys {_names(keys)}. Pass the "
            f"texts, e.g. {call}(d[{example!r}])."
        )
    if kind == UNORDERED:
        raise ConfigError(
            f"{call}() takes texts in an order: one result per text, in the texts' order. A "
            f"{type(texts).__name__} has none (its order is arbitrary), so the results could "
            f"not be matched to the texts. Received: {describe(texts)}. Pass a list, e.g. "
            "sorted(texts), and match result i to the list's text i."
        )
    if kind == ARRAY:
        raise ConfigError(
            f"{call}() takes a 1-D array of texts, one per element. Received: an array of "
            f"shape {array_shape(texts)}. Pass one column, e.g. {call}(a[:, 0]), or a.ravel() "
            "for every element."
        )


def _text_columns(frame):
    """The frame's columns that hold strings (object or string dtype), best guesses first."""
    found = []
    for name in frame.columns:
        dtype = getattr(frame[name], "dtype", None)
        if getattr(dtype, "kind", None) in ("O", "U") or str(dtype) in ("string", "str", "String"):
            found.append(name)
    return found


def _pick(names, column, preferred):
    """The name to use in an example: `column` if present, then a preferred one, then the first."""
    for candidate in [column, "overview", "text", *preferred]:
        if candidate is not None and candidate in names:
            return candidate
    return names[0] if names else "text"


def _names(names):
    """At most `MAX_NAMES` names, and how many there are in all when there are more."""
    shown = [short_repr(n) for n in names[:MAX_NAMES]]
    more = f", ... ({len(names)} in all)" if len(names) > MAX_NAMES else ""
    return "[" + ", ".join(shown) + more + "]"
