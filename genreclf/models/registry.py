"""The model-family registry: `build_model("bilstm", ...)` and friends.

A family is one declaration, a `Family`: its builder, the builder's defaults,
the training defaults it works well with, its search space, and optionally
its own `fit` (families whose weights come from a convex solver rather than
from gradient descent). `genreclf.training` and `genreclf.tuning` read the
declaration, so a family registered from outside the package trains, tunes
and exports like a built-in one.

Every builder takes `num_classes`, `multi_label`, the training texts (to fit
in-graph vocabularies) and its own keyword configuration, and returns an
uncompiled `keras.Model` whose input is named `text` (`string`, shape
`[batch]`) and whose output is the per-class scores (`float32 [batch, K]`,
softmax for single-label, sigmoid for multi-label). Families with extra
inputs (hybrid) take a dict. `build_model` checks that contract when the
builder returns (`genreclf.models.builder_contract`).
"""

import inspect

from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean
from genreclf.models.builder_contract import check_built_model
from genreclf.models.family import FAMILIES as _FAMILIES
from genreclf.models.family import Family  # noqa: F401 (re-exported)
from genreclf.models.family import register_family  # noqa: F401 (re-exported)
from genreclf.models.setting_checks import check_settings

_BUILTINS_LOADED = False


def _load_builtins():
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    # Importing the modules registers their families.
    from genreclf.models import bilstm  # noqa: F401
    from genreclf.models import ngram  # noqa: F401
    from genreclf.models import stack  # noqa: F401
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


def missing_package(name):
    """The package family `name` needs and lacks, or None (installed, or no such family)."""
    _load_builtins()
    return _MISSING.get(name)


def check_family_name(name, other=None):
    """Raises a `ConfigError` when `name` is neither a family nor the `other` choice.

    Args:
        name: the model name given.
        other: `(choice, how the error names it)`, a name that is not a family
            but is accepted where this is called (e.g. `("auto", '"auto" (the
            default recipe)')`), or None.

    A family whose package is missing passes: `get_family` says which one to
    install. Cheap to call before any work starts (reading data, training
    folds), so a typo fails first.

    Example:

    >>> check_family_name("ngram")
    >>> try:
    ...     check_family_name("lstm", other=("tfidf", "'tfidf'"))
    ... except ConfigError as error:
    ...     print(str(error)[:34])
    Unknown model. Expected 'tfidf' or
    """
    families = available_families()
    if (other and name == other[0]) or name in families or missing_package(name):
        return
    also = f"{other[1]} or " if other else ""
    raise ConfigError(
        f"Unknown model. Expected {also}one of the families {families}. Received: model={name!r}."
    )


def family_defaults(name):
    """The default configuration of family `name` (a copy)."""
    return dict(get_family(name).defaults)


def get_family(name):
    """The `Family` declaration registered under `name`.

    Example:

    >>> get_family("ngram").name
    'ngram'
    """
    _load_builtins()
    if name in _FAMILIES:
        return _FAMILIES[name]
    if name in _MISSING:
        raise ConfigError(
            f"Model family {name!r} needs the package {_MISSING[name]!r}, which "
            "is not installed. Install it with `pip install genreclf[pretrained]`."
        )
    raise ConfigError(
        f"Unknown model family. Expected one of {sorted(_FAMILIES)}. Received: model={name!r}."
    )


def family_parameters(name):
    """The configuration keys family `name` accepts."""
    return get_family(name).parameters()


def check_setting_names(name, config):
    """Raises a `ConfigError` naming the keys of `config` that family `name` does not take."""
    accepted = family_parameters(name)
    unknown = sorted(set(config) - accepted)
    if unknown:
        hint = did_you_mean(unknown, accepted)
        raise ConfigError(
            f"Model family {name!r} does not take {unknown}. Expected some of "
            f"{sorted(accepted)}. Received: "
            + ", ".join(f"{key}={config[key]!r}" for key in unknown)
            + (f" ({hint})" if hint else "")
            + "."
        )


def check_setting_values(name, config):
    """Raises a `ConfigError` for a value of `config` that family `name` declares it refuses.

    See `genreclf.models.setting_checks`; undeclared settings pass.
    """
    family = get_family(name)
    check_settings(name, family.checks, config, family.defaults)


def resolve_config(name, config=None):
    """Merges `config` over the family defaults and checks every key and value.

    Example:

    >>> resolve_config("ngram", {"ngrams": 1})["ngrams"]
    1
    >>> try:
    ...     resolve_config("ngram", {"max_tokens": -5})
    ... except ConfigError as error:
    ...     print(str(error)[:62])
    Model family 'ngram': max_tokens must be a whole number of at
    """
    config = dict(config or {})
    check_setting_names(name, config)
    merged = {**get_family(name).defaults, **config}
    check_setting_values(name, merged)
    return merged


def text_list(texts):
    """A `tf.data.Dataset` of strings, batched or not (as Keras' `adapt` takes
    it), as a list of strings; anything else (a list, an array, None) as is.

    Example:

    >>> import tensorflow as tf
    >>> text_list(tf.data.Dataset.from_tensor_slices(["a heist", "a ghost"]).batch(2))
    ['a heist', 'a ghost']
    """
    if texts is None or not hasattr(texts, "element_spec"):
        return texts  # a list or an array already
    import tensorflow as tf

    spec = texts.element_spec
    if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.string:
        raise ConfigError(
            "Expected train_texts as a tf.data.Dataset of strings (batched or not). "
            f"Received: element_spec={spec}. Map it to the text column first, e.g. "
            "dataset.map(lambda x, y: x)."
        )
    for _ in range(spec.shape.rank or 0):
        texts = texts.unbatch()
    return [t.decode("utf-8", "replace") for t in texts.as_numpy_iterator()]


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

    Raises:
        ConfigError: an unknown family or setting, or a builder that returns
            something else than that model (None, no `text` input, another
            number of scores), naming the builder.

    Example:

    >>> model = build_model("ngram", num_classes=2, train_texts=["a heist", "a ghost"],
    ...                     max_tokens=100)
    >>> model.output_shape
    (None, 2)
    """
    builder = get_family(family).builder
    config = resolve_config(family, config)
    kwargs = {}
    params = inspect.signature(builder).parameters
    if "train_texts" in params:
        kwargs["train_texts"] = text_list(train_texts)
    if "train_features" in params:
        kwargs["train_features"] = train_features
    model = builder(num_classes=num_classes, multi_label=multi_label, **kwargs, **config)
    check_built_model(model, family=family, builder=builder, num_classes=num_classes)
    return model
