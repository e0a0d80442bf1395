"""Registers every Keras serializable of genreclf (`genreclf.register()`).

Importing this module imports TensorFlow, Keras and every genreclf module
that declares a layer, loss, metric or learning-rate schedule with
`keras.saving.register_keras_serializable(package="genreclf")`, and the
built-in model families; `import genreclf` alone does not, so that reading
data and the command line's help load no TensorFlow.

Example:

>>> from genreclf.custom_objects import register
>>> "genreclf>MaskedGlobalPooling1D" in register()
True
"""

import keras

from genreclf.metrics import f1  # noqa: F401
from genreclf.metrics import precision_recall  # noqa: F401
from genreclf.models import pooling  # noqa: F401
from genreclf.models import registry
from genreclf.preprocessing import text_vectorizer  # noqa: F401
from genreclf.training import losses  # noqa: F401
from genreclf.training import schedules  # noqa: F401

PACKAGE = "genreclf"


def register():
    """Registers genreclf's serializables; returns them, `"genreclf>Name"` → class.

    Safe to call any number of times. The model families (and the layers
    their modules declare, e.g. the hybrid and pretrained ones) load here too.
    """
    registry._load_builtins()
    return {
        name: obj
        for name, obj in keras.saving.get_custom_objects().items()
        if name.startswith(PACKAGE + ">")
    }


register()
