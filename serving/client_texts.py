"""`client_texts`: the texts given to `GenreClient.predict` and `classify`, as a list.

What the client sends is one request row per item of `texts`, so an argument
whose iteration gives something other than the texts must be refused before
anything is sent, as `Run.predict` refuses it (`genreclf.texts_in`; both tell
the containers apart with `genreclf.text_containers.container_kind`, which
imports nothing of genreclf's errors or data modules):

* a pandas DataFrame: iterating one gives its column names, which would be
  scored as synopses, one answer per column;
* a dict or other mapping: its keys would be scored;
* a set or frozenset: its order is arbitrary, so answer `i` could not be
  matched to a text;
* one `str` or `bytes` (its characters or byte values), `None`, anything not
  iterable, and arrays of more than one dimension.

Those are `TypeError`s, as a single string always was here. An item that is
neither `str` nor `bytes` (None, a number, NaN, pandas' `NA`) is an
`InvalidRequestError` (`INVALID_ARGUMENT`) naming its index, raised before
sending over REST as over gRPC, where it always was: both protocols raise the
same error for it. So is a `str` holding a lone surrogate (`"\\udcff"`, as
`errors="surrogateescape"` decodes a byte that is not UTF-8), which UTF-8 cannot
encode.
"""

from genreclf.serving.errors import error_for
from genreclf.text_containers import ARRAY
from genreclf.text_containers import DATASET
from genreclf.text_containers import FRAME
from genreclf.text_containers import MAPPING
from genreclf.text_containers import UNORDERED
from genreclf.text_containers import array_shape
from genreclf.text_containers import container_kind

MAX_NAMES = 4  # columns or keys named in an error


def client_texts(texts, call="client.predict"):
    """`texts` as a list of `str` / `bytes`, checked; nothing is sent here.

    Args:
        texts: a list, tuple, pandas Series, 1-D numpy array or other
            iterable of texts (`str`, or UTF-8 `bytes`).
        call: the call to name in errors, e.g. `"client.classify"`.

    Returns:
        A new `list` of the texts, in order.

    Raises:
        TypeError: `texts` is not a sequence of texts (see the module).
        InvalidRequestError: an item that is not a `str` or `bytes`.

    Example:

    >>> client_texts(("A heist.", b"A duel."))
    ['A heist.', b'A duel.']
    >>> client_texts({"text": ["A heist."]})
    Traceback (most recent call last):
    ...
    TypeError: Expected a list of synopses. Received: a dict with keys ['text']; ...
    """
    _refuse_non_texts(texts, call)
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(
            f"Expected a list of synopses. Received: {type(texts).__name__} value "
            f"{_short(texts)}, which is not iterable. Pass a list, e.g. {call}([text])."
        ) from None
    for index, item in enumerate(items):
        if not isinstance(item, (str, bytes)):
            raise error_for(
                f"Expected input 'text' to hold strings. Received: {_short(item)} at index "
                f"{index}. Drop or fill in the missing texts (e.g. "
                "`frame.dropna(subset=[text_column])`) before calling the client.",
                "INVALID_ARGUMENT",
            )
        if isinstance(item, str) and not item.isascii():
            _refuse_surrogates(item, index)
    return items


def feature_values(name, values, count):
    """A hybrid feature's values as a list, one per text, checked; nothing is sent here.

    Raises:
        TypeError: one value (`year=1994`, was "'int' object is not iterable") or a
            string (whose characters would be the values) instead of a list.
        ValueError: not one value per text.
        InvalidRequestError: a `str` value holding a lone surrogate (as for texts).

    Example:

    >>> feature_values("year", (1994, 2001), 2)
    [1994, 2001]
    """
    given = values
    try:
        if isinstance(values, (str, bytes, bytearray)):  # list("1994"): four values
            raise TypeError
        values = list(values.tolist() if hasattr(values, "tolist") else values)
    except TypeError:  # also a number, None, a 0-d array
        raise TypeError(
            f"Expected feature {name!r} to be a list of values, one per text. Received: "
            f"{_short(given)}. Pass a list, e.g. {name}=[value] for one text."
        ) from None
    if len(values) != count:
        raise ValueError(
            f"Expected one value of feature {name!r} per text ({count}). "
            f"Received: {len(values)} values."
        )
    for index, value in enumerate(values):
        if isinstance(value, str) and not value.isascii():
            _refuse_surrogates(value, index, name)
    return values


def _refuse_surrogates(text, index, name="text"):
    """An `InvalidRequestError` for a `str` that UTF-8 cannot encode (a lone surrogate):
    gRPC's encoding raised a bare `UnicodeEncodeError`, REST sent it for the server to
    refuse at an offset of a body the caller never saw."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise error_for(
            f"Expected input {name!r} to hold text UTF-8 can encode. Received: the lone "
            f"surrogate {text[err.start]!r} at index {index}, character {err.start} (a str "
            "decoded with errors='surrogateescape', or half of a UTF-16 pair). Send the "
            "original bytes, text.encode('utf-8', 'surrogateescape'), or repair the text, "
            "text.encode('utf-8', 'replace').decode('utf-8').",
            "INVALID_ARGUMENT",
        ) from None


def _refuse_non_texts(texts, call):
    """Raises a `TypeError` for arguments whose iteration gives no texts."""
    where = "Expected a list of synopses. Received:"
    if isinstance(texts, (str, bytes, bytearray)):
        raise TypeError(
            f"{where} a single {'string' if isinstance(texts, str) else 'bytes object'}; "
            f"wrap it in a list: {call.split('.')[-1]}([text])."
        )
    if texts is None:
        raise TypeError(f"{where} None. Pass the texts, e.g. {call}(df['overview']).")
    kind = container_kind(texts)
    if kind == DATASET:
        raise TypeError(
            f"{where} a TextDataset of {len(texts)} rows; iterating one gives its rows, "
            f"not its texts. Pass its texts, e.g. {call}(data.texts)."
        )
    if kind == FRAME:
        columns = list(texts.columns)
        example = "overview" if "overview" in columns else (columns[0] if columns else "text")
        raise TypeError(
            f"{where} a {type(texts).__name__} with columns {_names(columns)}; iterating "
            f"one gives its column names, which would be sent as the texts. Pass one "
            f"column, e.g. {call}(df[{example!r}])."
        )
    if kind == MAPPING:
        keys = list(texts.keys())
        example = "text" if "text" in keys else (keys[0] if keys else "text")
        raise TypeError(
            f"{where} a {type(texts).__name__} with keys {_names(keys)}; iterating one "
            f"gives its keys, which would be sent as the texts. Pass the texts, e.g. "
            f"{call}(d[{example!r}])."
        )
    if kind == UNORDERED:
        raise TypeError(
            f"{where} a {type(texts).__name__} of {len(texts)} texts, whose order is "
            "arbitrary: the answers, one per text in order, could not be matched to the "
            f"texts. Pass a list, e.g. {call}(sorted(texts))."
        )
    if kind == ARRAY:
        raise TypeError(
            f"{where} an array of shape {array_shape(texts)}; the texts are one per element "
            f"of a 1-D array. Pass one column, e.g. {call}(a[:, 0]), or a.ravel() for every "
            "element."
        )


def _names(names):
    """At most `MAX_NAMES` names, and how many there are in all when there are more."""
    shown = [_short(name) for name in names[:MAX_NAMES]]
    more = f", ... ({len(names)} in all)" if len(names) > MAX_NAMES else ""
    return "[" + ", ".join(shown) + more + "]"


def _short(value, limit=80):
    """`repr(value)`, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
