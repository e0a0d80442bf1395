"""`container_kind`: which containers of "texts" iterate to something else than the texts.

`Run.predict` (`genreclf.texts_in`) and the serving client
(`genreclf.serving.client_texts`) refuse the same arguments, each with its own
exception and advice. This module only tells them apart: it imports nothing
of genreclf (no errors, no NumPy, no pandas), so the light client can use it.

* `FRAME`: a pandas DataFrame (anything 2-D with `columns`): iterating one
  gives its column names;
* `MAPPING`: a dict or other mapping: iterating one gives its keys;
* `UNORDERED`: a set or frozenset (not a dict's keys view): its order is
  arbitrary, so result `i` could not be matched to a text;
* `ARRAY`: an array of more than one dimension: iterating one gives rows;
* `DATASET`: a genreclf `TextDataset` (known by its class name and `texts`,
  so nothing is imported): iterating one gives its rows, not its texts.
"""

import collections.abc

FRAME = "frame"
MAPPING = "mapping"
UNORDERED = "set"
ARRAY = "array"
DATASET = "dataset"


def container_kind(texts):
    """The kind of container `texts` is that is refused as texts, or None.

    Checked in this order: `DATASET`, `FRAME`, `MAPPING`, `UNORDERED`,
    `ARRAY` (a DataFrame is 2-D too). None for anything else: a list, a tuple, a 1-D
    array, a pandas Series, a generator, and also a `str`, `bytes` or `None`,
    which each caller words its own way.

    Example:

    >>> container_kind({"text": ["A heist."]}), container_kind({"A heist."})
    ('mapping', 'set')
    >>> container_kind(["A heist."]), container_kind({"a": 1}.keys())
    (None, None)
    """
    if type(texts).__name__ == "TextDataset" and hasattr(texts, "texts"):
        return DATASET
    shape = getattr(texts, "shape", None)
    if hasattr(texts, "columns") and isinstance(shape, tuple) and len(shape) == 2:
        return FRAME
    if isinstance(texts, collections.abc.Mapping):
        return MAPPING
    if isinstance(texts, collections.abc.Set) and not isinstance(texts, collections.abc.KeysView):
        return UNORDERED
    ndim = getattr(texts, "ndim", None)
    if isinstance(ndim, int) and ndim > 1:
        return ARRAY
    return None


def array_shape(texts):
    """The shape to name for an `ARRAY`: its `shape` as a tuple, else its `ndim`.

    Example:

    >>> import types
    >>> array_shape(types.SimpleNamespace(shape=[2, 1], ndim=2))
    (2, 1)
    """
    shape = getattr(texts, "shape", None)
    return tuple(shape) if shape is not None else texts.ndim
