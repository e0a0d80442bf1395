"""How `TextDataset` takes its `texts` and `labels`: each checked, and made a list.

`text_column` refuses what is not one text per row (one string, a table, a
set); `label_column` what is not one label (or list of labels) per row, such
as a table of one-hot columns; `label_names` makes one row's labels a list of
class names (an integer id `3` is the class `'3'`).
"""

import numpy as np

from genreclf.data.frames import is_frame
from genreclf.data.inputs import describe
from genreclf.data.inputs import is_missing
from genreclf.data.inputs import short_repr
from genreclf.data.labels import label_name
from genreclf.errors import ConfigError
from genreclf.text_containers import ARRAY
from genreclf.text_containers import FRAME
from genreclf.text_containers import MAPPING
from genreclf.text_containers import UNORDERED
from genreclf.text_containers import container_kind


def text_column(texts):
    """`texts` as a list, refusing what is not one text per row.

    Example:

    >>> text_column(("a heist", "a ghost"))
    ['a heist', 'a ghost']
    >>> text_column("a heist")
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: texts must hold one text per row ... one text, not a list ...
    """
    unordered = f"a {type(texts).__name__}: pass a list of texts, in the order of their labels"
    advice = {  # the containers `Run.predict` refuses too (`text_containers`)
        FRAME: "a table: pass its text column, frame[column] (e.g. frame['overview'])",
        MAPPING: unordered,
        UNORDERED: unordered,  # a set's order is arbitrary
        ARRAY: "a table: pass one column, a 1-D array or list (array.ravel() for one column)",
    }
    kind = advice.get(container_kind(texts))
    if isinstance(texts, (str, bytes)):
        kind = "one text, not a list of them: pass [text]"
    if kind is None:
        try:
            return list(texts)
        except TypeError:
            kind = "not a list: pass a list of texts"
    raise ConfigError(
        f"texts must hold one text per row (a list, a pandas Series or a 1-D array of "
        f"str). Received: {describe(texts)}, {kind}. "
        "For a DataFrame with a text and a label column: genreclf.load_dataset(frame, "
        "text=..., label=...)."
    )


def label_column(labels):
    """`labels` as a sequence of rows, refusing a table of 0/1 columns or one string.

    Example:

    >>> import numpy as np
    >>> label_column(["crime", ["horror"]])
    ['crime', ['horror']]
    >>> label_column(np.eye(2))
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: labels must hold one label ... a table, such as one-hot columns. ...
    """
    shape = getattr(labels, "shape", ())
    dtype = getattr(getattr(labels, "dtype", None), "kind", None)
    fix = None
    if is_frame(labels) or (len(shape) > 1 and dtype in ("b", "i", "u", "f")):
        fix = (
            "a table, such as one-hot columns. Pass one label name (or list of names) per "
            "row: a label column (frame['genre']), or the table decoded: "
            "LabelVocabulary(class_names, multi_label=...).decode(array), class_names in "
            "column order"
        )
    elif isinstance(labels, (str, bytes, dict, set, frozenset)):
        fix = "not one label per row: pass a list of labels, one per text"
    if fix is None:
        try:
            return labels if hasattr(labels, "__len__") else list(labels)
        except TypeError:
            fix = "not a list: pass a list of labels, one per text"
    raise ConfigError(
        f"labels must hold one label (or list of labels) per row. Received: "
        f"{describe(labels)}, {fix}."
    )


def label_names(index, label):
    """One row's labels as a list of strings: a name or an id (`3` is `"3"`, and so
    is `3.0`: `genreclf.data.labels.label_name`), or a list of them.

    Example:

    >>> label_names(0, "crime"), label_names(1, 3.0), label_names(2, [7, "8"])
    (['crime'], ['3'], ['7', '8'])
    """
    if type(label) is str:
        return [label]
    if type(label) is list and all(type(value) is str for value in label):
        return list(label)  # the common case, as read from a file
    values = [label] if isinstance(label, (str, bytes, int, np.integer)) else label
    try:
        values = list(values)
    except TypeError:
        values = [values]
    names = []
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if is_missing(value):
            raise ConfigError(
                f"Expected a label (a name, an integer id or a list of them) for every "
                f"text. Received: labels[{index}]={short_repr(label)}. Drop the row or label it."
            )
        names.append(label_name(value))  # 3.0 is '3', as 3 is
    return names
