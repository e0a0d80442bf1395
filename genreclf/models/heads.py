"""Classification heads shared by every model family."""

import keras


def text_input(name="text"):
    """The raw-string model input: `string [batch]`, named `text`."""
    return keras.Input(shape=(), dtype="string", name=name)


def classification_head(x, num_classes, multi_label, dropout=0.0, name="scores"):
    """Dropout then a Dense layer with softmax (single-label) or sigmoid scores.

    The output layer is named `scores` and computes in float32, so the exported
    signature's `scores` stay `float32` under mixed precision.

    Example:

    >>> import keras
    >>> x = keras.Input(shape=(8,))
    >>> classification_head(x, num_classes=3, multi_label=True).shape
    (None, 3)
    """
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    activation = "sigmoid" if multi_label else "softmax"
    return keras.layers.Dense(num_classes, activation=activation, dtype="float32", name=name)(x)
