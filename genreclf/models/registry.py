"""The model-family registry: `build_model("bilstm", ...)` and friends.

A family is a builder function registered under a name. Every builder takes
`num_classes`, `multi_label`, the training texts (to fit in-graph
vocabularies) and its own keyword configuration, and returns an uncompiled
`keras.Model` whose input is named `text` (`string`, shape `[batch]`) and whose
output is the per-class scores (`float32 [batch, K]`, softmax for single-label,
sigmoid for multi-label). Families with extra inputs (hybrid) take a dict.
"""

import inspect

from genreclf.errors import ConfigError

_FAMILIES = {}
_BUILTINS_LOADED = False


def register_family(name, defaults=None):
    """Registers a model builder under `name`.

    Args:
        name: the family name users pass as `--model`.
        defaults: the builder's default configuration (JSON-serialisable).

    Example:

    >>> import keras
    >>> @register_family("tiny_example", defaults={"units": 4})
    ... def build_tiny(num_classes, multi_label, train_texts=None, units=4):
    ...     text = keras.Input(shape=(), dtype="string", name="text")
    ...     ...
    """

    def decorator(builder):
        _FAMILIES[name] = (builder, dict(defaults or {}))
        builder.family_name = name
        return builder

    return decorator


def _load_builtins():
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    # Importing the modules registers their families.
    from genreclf.models import bilstm  # noqa: F401
    from genreclf.models import ngram  # noqa: F401
    from genreclf.models import transformer  # noqa: F401

    for optional in ("genreclf.models.pretrained", "genreclf.models.hybrid"):
        try:
            __import__(optional)
        except ModuleNotFoundError as e:
            if e.name != optional:
                # The module exists but a dependency it needs does not:
                # register nothing, `build_model` explains when asked.
                _MISSING[optional.rsplit(".", 1)[-1]] = e.name


_MISSING = {}


def available_families():
    """Names of the registered model families."""
    _load_builtins()
    return sorted(_FAMILIES)


def family_defaults(name):
    """The default configuration of family `name` (a copy)."""
    _load_builtins()
    return dict(_get(name)[1])


def _get(name):
    _load_builtins()
    if name in _FAMILIES:
        return _FAMILIES[name]
    if name in _MISSING:
        raise ConfigError(
            f"Model family {name!r} needs the package {_MISSING[name]!r}, which "
            "is not installed. Install it with `pip install genreclf[pretrained]`."
        )
    raise ConfigError(
        f"Unknown model family. Expected one of {sorted(_FAMILIES)}. "
        f"Received: model={name!r}."
    )


def family_parameters(name):
    """The configuration keys family `name` accepts."""
    builder, _ = _get(name)
    return set(inspect.signature(builder).parameters) - {
        "num_classes",
        "multi_label",
        "train_texts",
        "train_features",
    }


def resolve_config(name, config=None):
    """Merges `config` over the family defaults and checks every key."""
    _, defaults = _get(name)
    config = dict(config or {})
    accepted = family_parameters(name)
    unknown = sorted(set(config) - accepted)
    if unknown:
        raise ConfigError(
            f"Model family {name!r} does not take {unknown}. Expected some of "
            f"{sorted(accepted)}. Received: {config}."
        )
    return {**defaults, **config}


def build_model(
    family,
    num_classes,
    multi_label=False,
    train_texts=None,
    train_features=None,
    **config,
):
    """Builds an uncompiled model of `family` that maps raw strings to scores.

    Args:
        family: a registered family name, e.g. `"bilstm"`, `"ngram"`,
            `"transformer"`.
        num_classes: the number of classes K.
        multi_label: sigmoid scores if True, softmax scores otherwise.
        train_texts: the training texts, used to fit in-graph vocabularies
            (a list of strings or a `tf.data.Dataset` of strings).
        train_features: for families with feature inputs (hybrid), the
            training feature columns by name, used to fit normalization and
            lookup layers.
        **config: the family's keyword configuration (see `family_defaults`).

    Returns:
        A `keras.Model` taking `text` (`string [batch]`) to `float32 [batch, K]`.

    Example:

    >>> model = build_model("ngram", num_classes=2, train_texts=["a heist", "a ghost"],
    ...                     max_tokens=100)
    >>> model.output_shape
    (None, 2)
    """
    builder, _ = _get(family)
    config = resolve_config(family, config)
    kwargs = {}
    params = inspect.signature(builder).parameters
    if "train_texts" in params:
        kwargs["train_texts"] = train_texts
    if "train_features" in params:
        kwargs["train_features"] = train_features
    return builder(num_classes=num_classes, multi_label=multi_label, **kwargs, **config)
