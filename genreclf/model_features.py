"""The features passed beside texts to a hybrid model, checked before the model runs.

`check_features` checks what `Run.predict`, `Run.scores` and
`genreclf.explain` are given: the names the model reads beside `text`, one
value per text, numbers for a numeric input. Keras would otherwise fail deep
in the call ("Missing data for input 'views'", an `IndexError`).
"""

import collections.abc

import numpy as np

from genreclf.data.frames import has_class
from genreclf.errors import ConfigError


def check_features(features, model, count):
    """The feature values of `count` texts for `model`'s inputs beside `text`, checked.

    Args:
        features: None, or `{name: values}` with one value per text; or a
            pandas DataFrame holding those columns (`frame[["views"]]`, or the
            whole `frame`: its other columns are not read), or a Series named
            after one (`frame["views"]`), paired with the texts by position,
            as the texts are (the index is not read).
        model: the model (its inputs other than `text` are the features).
        count: the number of texts.

    Returns:
        `{name: array of count values}` (strings as an object array, as
        Keras takes them; a column `[count, 1]`, as `frame[["views"]]`
        gives it, flattened); `{}` for a model that reads the text alone,
        whatever was passed (a dataset's columns travel with its texts).

    Raises:
        ConfigError: a hybrid model's features left out, or not a dict or
            DataFrame (a DataFrame naming a column twice; an unnamed Series);
            a name the model does not read, or a missing one; values that
            are not one per text; text for a numeric feature.

    Example:

    >>> import keras
    >>> inputs = {"text": keras.Input((), dtype="string", name="text"),
    ...           "views": keras.Input((), name="views")}
    >>> model = keras.Model(inputs, keras.layers.Reshape((1,))(inputs["views"]))
    >>> check_features({"views": [3.0, 4.0]}, model, 2)["views"].tolist()
    [3.0, 4.0]
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"views": [3.0, 4.0]}, index=[7, 9])
    >>> check_features(frame[["views"]], model, 2)["views"].tolist()
    [3.0, 4.0]
    >>> check_features({"views": 3.0}, model, 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: features['views'] must hold one value per text (2 texts). ...
    """
    expected = {t.name: str(t.dtype) for t in model.inputs if t.name != "text"}
    names = sorted(expected)
    if not expected:
        return {}
    if features is None:
        raise ConfigError(
            f"This model also reads the features {names} beside the text. Received: "
            f"features=None. Pass features={{{names[0]!r}: values, ...}}, one value per "
            "text for each of them."
        )
    features = _columns(features, names)
    if not isinstance(features, collections.abc.Mapping):
        raise ConfigError(
            "features takes a dict {name: values} (or a pandas DataFrame of those "
            f"columns), one value per text. Received: features={_short(features)}. Pass "
            f"e.g. features={{{names[0]!r}: values}} or features=frame[{names}]."
        )
    unknown = sorted(set(features) - set(expected), key=str)
    missing = [name for name in names if name not in features]
    if unknown or missing:
        raise ConfigError(
            f"Expected features {names}, the model's inputs beside the text. Received: "
            f"features with {sorted(features, key=str)} (unknown: {unknown}, missing: "
            f"{missing}). Pass one value per text for each of {names}."
        )
    checked = {}
    for name in names:
        given = features[name]
        values = np.asarray(given)
        if values.ndim == 2 and values.shape[1] == 1:  # a one-column frame's values
            values = values[:, 0]
        if values.ndim != 1 or len(values) != count:
            fix = "Pass one value per text, in the texts' order."
            if values.ndim == 0:  # one value: the same for every text, if that was meant
                same = f"[{values.item()!r}]" + (f" * {count}" if count != 1 else "")
                fix = f"Pass e.g. features={{{name!r}: {same}}} for the same value on every text."
            raise ConfigError(
                f"features[{name!r}] must hold one value per text ({count} "
                f"{'text' if count == 1 else 'texts'}). Received: features[{name!r}]="
                f"{_short(given)}. {fix}"
            )
        numeric = expected[name].startswith(("float", "int", "uint"))
        if numeric and values.dtype.kind not in "biuf":
            raise ConfigError(
                f"The feature {name!r} is numeric. Received: features[{name!r}]="
                f"{_short(given)}. Pass numbers, one per text."
            )
        if numeric and values.dtype.kind == "f" and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ConfigError(  # the model would score NaN and name a label anyway
                f"The feature {name!r} must be a finite number on every text. Received: "
                f"features[{name!r}][{row}]={values[row].item()!r}. Pass a finite number there "
                "(training refuses them too), e.g. the column's median in the training rows."
            )
        checked[name] = values.astype(object) if values.dtype.kind == "U" else values
    return checked


def _columns(features, names):
    """A pandas DataFrame's (or named Series') columns as `{name: array}`, by
    position; anything else as it is."""
    if has_class(features, "pandas", "DataFrame"):
        columns = list(features.columns)
        if set(names) <= set(columns):  # the whole frame: the model's columns of it
            features = features.loc[:, [c for c in columns if c in names]]
            columns = list(features.columns)
        twice = sorted({str(c) for c in columns if columns.count(c) > 1})
        if twice:
            raise ConfigError(
                f"features names each column once. Received: a DataFrame with the columns "
                f"{columns} ({twice} more than once). Pass features=frame[{names}] with "
                "each column once."
            )
        return {name: features.iloc[:, i].to_numpy() for i, name in enumerate(columns)}
    if has_class(features, "pandas", "Series"):
        if features.name is None:
            raise ConfigError(
                f"features takes columns named after the model's inputs {names}. Received: "
                f"a Series without a name, features={_short(features)}. Pass "
                f"features={{{names[0]!r}: series}} or features=frame[{names}]."
            )
        return {features.name: features.to_numpy()}
    return features


def _short(value, limit=80):
    """`repr(value)`, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
