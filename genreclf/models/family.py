"""`Family` and `register_family`: one declaration per model family.

A family is one declaration: its builder, the builder's defaults, the
training defaults it works well with, its search space, and optionally its
own `fit` (families whose weights come from a convex solver rather than from
gradient descent). This module holds the declarations only and imports no
family, so a family module (built in or your own) imports it without a cycle;
`genreclf.models.registry` looks families up and builds them.
"""

import dataclasses
import inspect

from genreclf.errors import ConfigError

FAMILIES = {}


@dataclasses.dataclass(frozen=True)
class Family:
    """Everything genreclf knows about one model family.

    Args:
        name: the name users pass as `--model`.
        builder: `builder(num_classes, multi_label, [train_texts],
            [train_features], **config) -> keras.Model`.
        defaults: the builder's default configuration (JSON-serialisable).
        training_defaults: values for the training arguments the user leaves
            `"auto"` (`lr`, `schedule`, `weight_decay`, and optionally
            `epochs`, `batch_size`, `warmup_epochs`, `ema`), or a callable of the
            model configuration returning them (when they depend on it, e.g.
            a pretrained encoder's mode); see `training_defaults_for`.
        search_space: the default KerasTuner search space: builder argument →
            hyperparameter definition (see `genreclf.tuning.search_space`),
            or a callable returning that dict (so keras-tuner stays optional).
        fit: `None` to train with genreclf's Keras recipe, or
            `fit(model, train_set, vocabulary, config, *, folds, seed,
            class_weight, verbose)` (`config`: the resolved model
            configuration; `class_weight`: balance the classes), which sets
            the model's weights itself — e.g. with a convex solver — and
            returns a dict with `thresholds` (per class, or None),
            `oof_scores` (`[n, K]` out-of-fold scores of the training rows)
            and `oof_mask` (the rows that have one), and optionally `choices`
            (a JSON-able dict of what it chose out of fold, written to the
            run's `metrics.json` as `"fitted"`). Such a family trains on
            every row and reports its out-of-fold scores.
        fit_when: `fit_when(config) -> bool`: whether `fit` applies to this
            configuration (e.g. only for a linear head); default: always.
        checks: `{setting: Setting}` (`genreclf.models.setting_checks`):
            what each setting accepts, checked before the builder runs.
            Undeclared settings are passed as given.
        version: the recipe's version, raised when the same settings come to
            train another model (a new head, a default that means something
            else). A run records it (`fingerprint.json`), and a rerun
            retrains a fold or member that an older version trained rather
            than keep it beside new ones (`finished_run`).
        parts: `parts(config) -> family names` whose recipes a configuration
            builds on (`hybrid`: its encoder family), or None. A run records
            their versions beside the family's own, so raising one family's
            version retrains exactly the runs built on it.
        legacy_versions: `{recorded: {family: version}}` for a family with
            parts: the versions (its own and its parts') that a run which
            recorded one number, `recorded`, was built on — a genreclf before
            the parts' versions were recorded raised the family's one number
            whenever a part changed.
    """

    name: str
    builder: object
    defaults: dict = dataclasses.field(default_factory=dict)
    training_defaults: dict = dataclasses.field(default_factory=dict)
    search_space: object = None
    fit: object = None
    fit_when: object = None
    checks: dict = dataclasses.field(default_factory=dict)
    version: int = 1
    parts: object = None
    legacy_versions: dict = dataclasses.field(default_factory=dict)

    def fits_itself(self, config):
        """True when `fit` (not the Keras recipe) trains `config`'s model."""
        return self.fit is not None and (self.fit_when is None or bool(self.fit_when(config)))

    def training_defaults_for(self, config=None):
        """The training defaults for model configuration `config` (a dict).

        Example:

        >>> from genreclf.models import get_family
        >>> get_family("bilstm").training_defaults_for({})["schedule"]
        'cosine'
        """
        declared = self.training_defaults
        if callable(declared):
            declared = declared({**self.defaults, **(config or {})})
        return dict(declared or {})

    def parameters(self):
        """The configuration keys the builder accepts."""
        return set(inspect.signature(self.builder).parameters) - {
            "num_classes",
            "multi_label",
            "train_texts",
            "train_features",
        }


def register_family(
    name,
    defaults=None,
    *,
    training_defaults=None,
    search_space=None,
    fit=None,
    fit_when=None,
    checks=None,
    version=1,
    parts=None,
    legacy_versions=None,
    replace=False,
):
    """Registers a model builder under `name` (a decorator).

    A name already registered (a built-in family such as `"ngram"`, or one of
    your own) is refused unless `replace=True`, so a family is not replaced by
    accident. The same builder defined again (same module and qualified name:
    a module reloaded, a notebook cell run again) replaces its own
    declaration without it.

    Args:
        name: the family name users pass as `--model`.
        defaults: the builder's default configuration (JSON-serialisable).
        training_defaults: see `Family`.
        search_space: see `Family`.
        fit: see `Family`.
        fit_when: see `Family`.
        checks: see `Family`.
        version: see `Family`.
        parts: see `Family`.
        legacy_versions: see `Family`.
        replace: True to replace the family registered under `name` (e.g.
            your own `"ngram"` over the built-in one).

    Raises:
        ConfigError: `name` is registered with another builder and `replace`
            is False.

    Example:

    >>> import keras
    >>> @register_family("tiny_example", defaults={"units": 4},
    ...                  training_defaults={"lr": 1e-2, "schedule": "constant"})
    ... def build_tiny(num_classes, multi_label, train_texts=None, units=4):
    ...     text = keras.Input(shape=(), dtype="string", name="text")
    ...     ...
    >>> from genreclf.models import get_family
    >>> get_family("tiny_example").training_defaults["lr"]
    0.01
    >>> try:
    ...     register_family("ngram")(build_tiny)
    ... except ConfigError as error:
    ...     print(str(error)[:45])
    Model family 'ngram' is already registered by
    """

    def decorator(builder):
        if name in FAMILIES and not replace:
            _check_free(name, FAMILIES[name].builder, builder)
        FAMILIES[name] = Family(
            name=name,
            builder=builder,
            defaults=dict(defaults or {}),
            training_defaults=(
                training_defaults if callable(training_defaults) else dict(training_defaults or {})
            ),
            search_space=search_space,
            fit=fit,
            fit_when=fit_when,
            checks=dict(checks or {}),
            version=int(version),
            parts=parts,
            legacy_versions={int(k): dict(v) for k, v in (legacy_versions or {}).items()},
        )
        builder.family_name = name
        return builder

    return decorator


def _check_free(name, registered, builder):
    """Raises a `ConfigError` unless `builder` is `registered`, or the same definition again."""
    if builder is registered or (
        _definition(builder)[1] is not None and _definition(builder) == _definition(registered)
    ):
        return
    from genreclf.models.builder_contract import builder_name

    raise ConfigError(
        f"Model family {name!r} is already registered by {builder_name(registered)}. Expected "
        f"a name not yet registered. Received: name={name!r} (builder {builder_name(builder)}). "
        f"Choose another name, or pass `register_family({name!r}, ..., replace=True)` to "
        "replace that family."
    )


def _definition(builder):
    # A script's module is `__main__`, and `__mp_main__` in the processes it starts.
    module = getattr(builder, "__module__", None)
    module = "__main__" if module == "__mp_main__" else module
    return module, getattr(builder, "__qualname__", None)
