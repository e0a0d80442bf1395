"""Every Keras serializable the project registers round-trips its config.

The registered objects are enumerated at test time from Keras' registry
(`keras.saving.get_custom_objects`) after importing every genreclf module
(and every module of the other first-party packages whose source registers
something), so a newly registered class fails `test_every_registered_class_has_a_case`
until it gets an entry in `CASES` (or, with a reason, in `SKIPPED`).

Each case builds a small instance (tests/test_serializable_configs.py runs
them); its config must be JSON-serializable, `from_config` must rebuild an
object with the same config, and `serialize_keras_object` /
`deserialize_keras_object` through JSON must find the class by its registered
name. A case that gives call arguments also checks that the clone, holding the
original's weights, computes the same output.
"""

import dataclasses
import functools
import importlib
import json
import pathlib
import pkgutil
from collections.abc import Callable

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
FIRST_PARTY = ("genreclf", "serving", "export", "augment")
# Packages scanned by source (only their modules that register are imported:
# the others pull in servers' and clients' optional dependencies).
_SCANNED = ("serving", "export", "augment")
_MARKERS = ("register_keras_serializable", "get_custom_objects")


def _is_optional_dependency(error):
    """A ModuleNotFoundError for a third-party module (an optional extra), not our own."""
    return error.name is not None and error.name.split(".")[0] not in FIRST_PARTY


@functools.cache
def _import_first_party():
    """Imports the modules that may register serializables; returns `{module: missing extra}`."""
    missing = {}

    def load(name):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if not _is_optional_dependency(e):
                raise
            missing[name] = e.name

    import genreclf

    for info in pkgutil.walk_packages(genreclf.__path__, "genreclf.", onerror=load):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            load(info.name)
    for package in _SCANNED:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__main__" or "__pycache__" in parts:
                continue
            source = path.read_text(encoding="utf-8")
            if any(marker in source for marker in _MARKERS):
                load(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return missing


@functools.cache
def registered_objects():
    """`{registered name: object}` of every first-party object in Keras' registry.

    Aliases (one object under a second name, e.g. a legacy name kept so old
    files load) appear once, under the object's own registered name.
    """
    _import_first_party()
    import keras

    objects = {}
    for obj in keras.saving.get_custom_objects().values():
        if getattr(obj, "__module__", "").split(".")[0] in FIRST_PARTY:
            objects[keras.saving.get_registered_name(obj)] = obj
    return dict(sorted(objects.items()))


def registered_classes():
    return {name: obj for name, obj in registered_objects().items() if isinstance(obj, type)}


# --- Cases ------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """How to build one registered class and, for a layer, what to call it on.

    make: `cls -> instance`, small arguments, non-default where possible so
        that a config key lost on the way shows up.
    call: `() -> (args, kwargs)` for a layer (both the original and the clone
        are called on them), None for no output check.
    sync: `(original, clone) -> None` copying state that is not a Keras weight
        (default: `clone.set_weights(original.get_weights())`).
    not_config: constructor arguments deliberately absent from the config
        (every other named `__init__` argument must be a config key).
    """

    make: Callable
    call: Callable | None = None
    sync: Callable | None = None
    not_config: tuple = ()


def _floats(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=shape).astype("float32")


def _texts():
    import tensorflow as tf

    return tf.constant(["A ghost ship drifts", "", "the crew of thieves plan a heist at night"])


def _tiny_vocabulary():
    from genreclf.models.pretrained.testing import tiny_vocabulary

    return tiny_vocabulary()


def _neighbours(cls):
    layer = cls(size=3, num_classes=2, k=2, temperature=5.0, name="neighbours")
    keys = _floats(3, 4, seed=1)
    layer.set_bank(keys / np.linalg.norm(keys, axis=1, keepdims=True), np.eye(3, 2))
    return layer


def _ordinal(cls):
    from genreclf.models.ordinal import mixing_matrix

    layer = cls(name="ordinal")
    layer.build((None, 3))
    layer.set_mixing(mixing_matrix([0, 1, 2], 0.2))
    return layer


def _prompts(cls):
    layer = cls(num_classes=3, name="prompts")
    layer.build((None, 4))
    layer.set_prompts(_floats(3, 4, seed=3), temperature=12.5)
    return layer


def _copy_vocabulary(original, clone):
    # The vocabulary is an asset of the inner tokenizer, not config.
    clone.tokenizer.set_vocabulary(original.tokenizer.get_vocabulary())


def _metric(cls):
    return cls(
        num_classes=3, multi_label=True, threshold=[0.3, 0.5, 0.7], name=f"my_{cls.__name__}"
    )


def _pretrained_model(cls):
    # A tiny BERT whose LoRA adapters the model enables again when rebuilt.
    import keras
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=10,
        num_layers=1,
        num_heads=2,
        hidden_dim=4,
        intermediate_dim=8,
        max_sequence_length=6,
    )
    inputs = {
        name: keras.Input((None,), dtype="int32", name=name)
        for name in ("token_ids", "segment_ids", "padding_mask")
    }
    pooled = keras.layers.GlobalAveragePooling1D()(backbone(inputs)["sequence_output"])
    return cls(inputs, keras.layers.Dense(2, name="scores")(pooled), mode="lora", lora_rank=2)


def _token_ids():
    ids = np.array([[2, 4, 5, 3], [2, 6, 3, 0]], "int32")
    return (({"token_ids": ids, "segment_ids": 0 * ids, "padding_mask": ids > 0},), {})


CASES = {
    # Layers.
    "genreclf>BertChunkPreprocessor": Case(
        make=lambda cls: cls(
            _tiny_vocabulary(), sequence_length=6, max_chunks=3, lowercase=True, name="chunks"
        ),
        call=lambda: ((_texts(),), {}),
        sync=_copy_vocabulary,
        not_config=("vocabulary",),  # an asset of the inner tokenizer
    ),
    "genreclf>BertTextPreprocessor": Case(
        make=lambda cls: cls(
            _tiny_vocabulary(),
            sequence_length=6,
            lowercase=True,
            strip_accents=True,
            truncation="head_tail",
            name="packer",
        ),
        call=lambda: ((_texts(),), {}),
        sync=_copy_vocabulary,
        not_config=("vocabulary",),  # an asset of the inner tokenizer
    ),
    "genreclf>CalibratedScores": Case(
        make=lambda cls: cls("platt", slopes=[1.5, 0.5], intercepts=[0.1, -0.2], name="calib"),
        call=lambda: ((_floats(2, 2),), {}),
    ),
    "genreclf>ChunkMeanPooling": Case(
        make=lambda cls: cls(name="chunk_mean"),
        call=lambda: ((_floats(3, 4), np.array([0, 0, 1], "int32"), _texts()[:2]), {}),
    ),
    "genreclf>FirstTokenPooling": Case(
        make=lambda cls: cls(name="cls_token"),
        call=lambda: ((_floats(2, 3, 4),), {}),
    ),
    "genreclf>InterpolationProbe": Case(
        # `baseline_layer` is a reference into a probed model, documented as not config.
        make=lambda cls: cls(name="probe"),
        call=lambda: ((_floats(2, 3), np.zeros((2, 3), "int32")), {}),
        not_config=("baseline_layer",),
    ),
    "genreclf>MaskedGlobalPooling1D": Case(
        make=lambda cls: cls("mean", name="pool"),
        call=lambda: ((_floats(2, 3, 4),), {"mask": np.array([[1, 1, 0], [0, 0, 0]], bool)}),
    ),
    "genreclf>MaskedTokenPooling": Case(
        make=lambda cls: cls("max", name="token_pool"),
        call=lambda: ((_floats(2, 3, 4), np.array([[1, 1, 0], [1, 0, 0]], "int32")), {}),
    ),
    "genreclf>NeighbourScores": Case(
        make=_neighbours,
        call=lambda: ((_floats(2, 4, seed=2),), {}),
    ),
    "genreclf>OneVsAllCascade": Case(
        make=lambda cls: cls(["comedy", "horror"], [1, 0], [0.4, 0.6], unknown="?", name="casc"),
        call=lambda: ((_floats(2, 2),), {}),
    ),
    "genreclf>OrdinalScores": Case(make=_ordinal, call=lambda: ((_floats(2, 3),), {})),
    "genreclf>PromptScores": Case(make=_prompts, call=lambda: ((_floats(2, 4, seed=4),), {})),
    "genreclf>PretrainedModel": Case(make=_pretrained_model, call=_token_ids),
    "genreclf>StackNumeric": Case(
        make=lambda cls: cls(log_scale=[False, True], name="numeric"),
        call=lambda: (([_floats(2), _floats(2, seed=1) * 100],), {}),
    ),
    "genreclf>SublinearTfIdf": Case(
        make=lambda cls: cls(idf=[1.0, 2.0, 0.5], name="tfidf"),
        call=lambda: ((np.array([[5.0, 1.0, 0.0, 2.0], [0.0, 0.0, 3.0, 1.0]], "float32"),), {}),
    ),
    "genreclf>TokenMask": Case(
        make=lambda cls: cls(name="token_mask"),
        call=lambda: ((np.array([[1, 1, 0]], "int32"),), {}),
    ),
    "genreclf>WeightedScores": Case(
        make=lambda cls: cls([0.25, 0.75], name="blend"),
        call=lambda: (([_floats(2, 3), _floats(2, 3, seed=1)],), {}),
    ),
    # Metrics.
    "genreclf>MacroF1": Case(make=_metric),
    "genreclf>MacroPrecision": Case(make=_metric),
    "genreclf>MacroRecall": Case(make=_metric),
    "genreclf>MicroF1": Case(make=_metric),
    "genreclf>WeightedF1": Case(make=_metric),
    # Losses.
    "genreclf>WeightedBinaryCrossentropy": Case(
        make=lambda cls: cls(pos_weight=[1.0, 3.0], label_smoothing=0.1, name="wbce")
    ),
    # Learning-rate schedules.
    "genreclf>StepDecay": Case(
        make=lambda cls: cls(1e-3, steps_per_epoch=10, hold_epochs=2, factor=0.25)
    ),
}

# Registered classes that cannot be built cheaply here: `{name: reason}`.
SKIPPED = {}


# --- Tests ------------------------------------------------------------------


def test_every_registered_class_has_a_case():
    registered = registered_classes()
    assert registered, "no first-party class found in Keras' registry"
    missing = sorted(set(registered) - set(CASES) - set(SKIPPED))
    assert not missing, (
        f"Registered Keras serializables without a round-trip case: {missing}. Add an entry "
        "for each to CASES in tests/test_serializable_round_trip.py (small constructor "
        "arguments, and call arguments for a layer), or to SKIPPED with the reason."
    )
    both = sorted(set(CASES) & set(SKIPPED))
    assert not both, f"{both} are in both CASES and SKIPPED; keep one."
    if not _import_first_party():  # with every module imported, no entry may be stale
        stale = sorted((set(CASES) | set(SKIPPED)) - set(registered))
        assert not stale, f"CASES or SKIPPED name classes no longer registered: {stale}."


def _json_normal(value):
    return json.loads(json.dumps(value))


def test_registered_functions_round_trip():
    import keras

    functions = {n: f for n, f in registered_objects().items() if not isinstance(f, type)}
    assert "genreclf>normalize_text" in functions  # what models saved before 2026-12-06 name
    assert "genreclf>normalize_words" in functions
    for name, function in functions.items():
        serialized = _json_normal(keras.saving.serialize_keras_object(function))
        assert serialized["config"] == name, serialized  # Keras stores a function by name
        assert keras.saving.deserialize_keras_object(serialized) is function, name


def test_legacy_aliases_resolve_to_a_covered_class():
    import keras

    registered = registered_classes()
    aliases = {
        name: obj
        for name, obj in keras.saving.get_custom_objects().items()
        if isinstance(obj, type)
        and obj in registered.values()
        and name != keras.saving.get_registered_name(obj)
    }
    for alias, cls in aliases.items():
        assert keras.saving.get_registered_object(alias) is cls
        assert keras.saving.get_registered_name(cls) in CASES, alias
