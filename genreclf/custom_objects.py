"""Registers every Keras serializable of genreclf (`genreclf.register()`).

genreclf's layers, losses, metrics, schedules and functions are declared with
`keras.saving.register_keras_serializable(package="genreclf")`, which runs
when their module is imported. `import genreclf` imports none of them (so that
reading data and the command line's help load no TensorFlow); `register()`
imports every module of the package that declares one, found by that
decorator in its source, so a new module needs no list to be kept, and loads
the built-in model families. A module whose optional dependency is missing
(e.g. keras-hub for `genreclf.models.pretrained`) is skipped, as the family
registry does.

Example:

>>> from genreclf.custom_objects import register
>>> "genreclf>MaskedGlobalPooling1D" in register()
True
"""

import importlib
import pathlib

import keras

PACKAGE = "genreclf"
_DECORATOR = "register_keras_serializable"
_ROOT = pathlib.Path(__file__).resolve().parent
_registered = False


def declaring_modules():
    """Names of the genreclf modules whose source declares a Keras serializable.

    Example:

    >>> "genreclf.training.losses" in declaring_modules()
    True
    """
    names = []
    for path in sorted(_ROOT.rglob("*.py")):
        parts = path.relative_to(_ROOT).with_suffix("").parts
        if "__pycache__" in parts or parts == ("custom_objects",):
            continue
        if _DECORATOR in path.read_text(encoding="utf-8"):
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join((PACKAGE, *parts)))
    return names


def register():
    """Registers genreclf's serializables; returns them, `"genreclf>Name"` → class.

    Safe to call any number of times: the modules are imported once.
    """
    global _registered
    if not _registered:
        for name in declaring_modules():
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as e:
                if e.name is None or e.name.split(".")[0] == PACKAGE:
                    raise
                # An optional dependency is missing: its objects are unusable anyway.
        from genreclf.models import registry

        registry._load_builtins()
        _registered = True
    return {
        name: obj
        for name, obj in keras.saving.get_custom_objects().items()
        if name.startswith(PACKAGE + ">")
    }


register()
