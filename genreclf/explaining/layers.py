"""Finding a model's layers by name, inside nested models too.

A family's layers keep the names its builder gives them (`tfidf`,
`embedding`, `token_embedding`, ...), also inside the nested models of
`hybrid` encoders, keras-hub backbones and ensemble members; the explainers
find their parts by those names.
"""


def iter_layers(model):
    """Every layer of `model`, depth first, nested models' layers included.

    Example:

    >>> import keras
    >>> inner = keras.Sequential([keras.layers.Dense(2, name="inner_dense")], name="inner")
    >>> outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(1, name="out")])
    >>> [layer.name for layer in iter_layers(outer)]
    ['inner', 'inner_dense', 'out']
    """
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from iter_layers(layer)


def find_layer(model, names):
    """The first layer (depth first) whose name is one of `names`, or None."""
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        for layer in iter_layers(model):
            if layer.name == name:
                return layer
    return None


def layer_names(model):
    """The names of `model`'s own layers (not nested ones), as a set."""
    return {layer.name for layer in model.layers}
