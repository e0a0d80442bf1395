"""What a family's builder must return, checked as soon as it returns.

Every builder returns an uncompiled functional `keras.Model` whose text input
is named `text` (`string`) and whose one output scores each class
(`[batch, num_classes]`); see `genreclf.models.registry`. Training,
calibration, ensembles and the explainer feed the model by input name and
read its `input` and `output`, so a builder that breaks the contract failed
late, in Keras, at fit time. `check_built_model` refuses it when
`build_model` returns, naming the family and the builder.

Example:

>>> import keras
>>> def build_toy(num_classes, multi_label=False, width=3):
...     text = keras.Input(shape=(), dtype="string", name="text")
...     bag = keras.layers.Hashing(8, output_mode="multi_hot")(keras.layers.Reshape((1,))(text))
...     return keras.Model({"text": text}, keras.layers.Dense(width)(bag))
>>> check_built_model(build_toy(3), family="toy", builder=build_toy, num_classes=3)
>>> try:
...     check_built_model(build_toy(2), family="toy", builder=build_toy, num_classes=2)
... except ConfigError as error:
...     print(str(error).split("Received: ")[1].split(". ")[0])
output_shape=(None, 3)
"""

import keras

from genreclf.errors import ConfigError

TEXT_INPUT = 'keras.Input(shape=(), dtype="string", name="text")'


def builder_name(builder):
    """`module.qualname` of a builder (a function), or its `repr`.

    Example:

    >>> from genreclf.models.ngram import build_ngram
    >>> builder_name(build_ngram)
    'genreclf.models.ngram.build_ngram'
    """
    qualname = getattr(builder, "__qualname__", None)
    if qualname is None:
        return repr(builder)
    return f"{getattr(builder, '__module__', None) or '?'}.{qualname}"


def check_built_model(model, *, family, builder, num_classes):
    """Raises a `ConfigError` when `model` breaks the builder contract.

    Args:
        model: what the builder of `family` returned.
        family: the family's name, for the message.
        builder: the builder function, for the message.
        num_classes: the number of classes K it was asked to score.

    Raises:
        ConfigError: `model` is not a functional `keras.Model` (None, a tuple,
            a subclassed model without symbolic inputs), has no `string`
            input named `text`, or has not exactly one output of shape
            `(batch, num_classes)`.
    """
    where = f"Model family {family!r}: expected the model its builder {builder_name(builder)}"
    if not isinstance(model, keras.Model):
        from genreclf.data.inputs import describe  # a few words, never a whole value

        raise ConfigError(
            f"{where} returns to be a keras.Model. Received: model={describe(model)}. "
            'Return the model at the end of the builder, e.g. `return keras.Model({"text": '
            "text}, scores)`."
        )
    inputs, outputs = _symbolic(model, "input"), _symbolic(model, "outputs")
    if inputs is None or outputs is None:
        raise ConfigError(
            f"{where} returns to be a functional keras.Model (genreclf feeds it by input "
            f"name and reads its input and output). Received: model={model!r}, which has no "
            f"defined inputs. Build it from `{TEXT_INPUT}`: `keras.Model"
            '({"text": text}, scores)`.'
        )
    named = inputs if isinstance(inputs, dict) else {t.name: t for t in keras.tree.flatten(inputs)}
    text = named.get("text")
    if text is None or text.dtype != "string":
        received = {name: str(tensor.dtype) for name, tensor in named.items()}
        raise ConfigError(
            f"{where} returns to take the texts as a string input named 'text'. Received: "
            f"inputs={received}. Name the text input so: `{TEXT_INPUT}` (and "
            '`keras.Model({"text": text, ...}, scores)` when there are other inputs).'
        )
    shapes = [tuple(output.shape) for output in outputs]
    if len(shapes) != 1 or len(shapes[0]) != 2 or shapes[0][-1] != num_classes:
        received = shapes[0] if len(shapes) == 1 else shapes
        raise ConfigError(
            f"{where} returns to have one output scoring the num_classes={num_classes} "
            f"classes, of shape (None, {num_classes}). Received: output_shape={received}. "
            "End the builder with one score per class, e.g. "
            "`genreclf.models.heads.classification_head(x, num_classes, multi_label)` or "
            "`keras.layers.Dense(num_classes, activation=...)`."
        )


def _symbolic(model, attribute):
    # A subclassed model, or a Sequential one without an input, has no such attribute.
    try:
        return getattr(model, attribute)
    except (AttributeError, ValueError):
        return None
