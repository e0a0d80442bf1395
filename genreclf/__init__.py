"""genreclf: raw text in, genre labels out — trained with Keras 3, served by TF Serving.

The public API, each a few lines to use:

>>> import genreclf
>>> dataset = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
>>> run = genreclf.train(dataset, model="ngram", out="runs/sample", epochs=2)  # doctest: +SKIP
>>> genreclf.load_run("runs/sample").predict(["A detective hunts a killer."])  # doctest: +SKIP

The API below is resolved on first use, and `import genreclf` loads no
TensorFlow: reading data and `genreclf --help` stay fast. Models loaded
through genreclf (`genreclf.load_run(...).model`, export, serving) register
genreclf's Keras layers, losses, metrics and schedules themselves; call
`genreclf.register()` (or import `genreclf.models`) before loading a saved
`model.keras` with plain `keras.saving.load_model`.
"""

import os

from genreclf.lazy_api import lazy_api
from genreclf.retracing import quiet_predict_retracing
from genreclf.version import __version__

# Quiet TensorFlow's C++ start-up banner unless the user chose a level. Read
# when TensorFlow loads, which importing genreclf does not do.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Each model loaded traces its own predict step once; TensorFlow counts those
# traces across models and warns of "retracing" in a notebook that loads a few.
quiet_predict_retracing()

_API = {
    "load_dataset": "genreclf.data",
    "TextDataset": "genreclf.data",
    "LabelVocabulary": "genreclf.data",
    "build_model": "genreclf.models",
    "train": "genreclf.training",
    "TrainConfig": "genreclf.training",
    "evaluate": "genreclf.evaluation",
    "ensemble": "genreclf.ensembling",
    "find_label_issues": "genreclf.label_issues",
    "explain": "genreclf.explaining",
    "load_run": "genreclf.run",
    "Run": "genreclf.run",
    "sample_path": "genreclf.data.sample",
    "label": "genreclf.labelling.api",
}


def register():
    """Registers genreclf's Keras serializables so plain Keras can load its models.

    Imports TensorFlow and Keras and every module that declares a genreclf
    layer, loss, metric or learning-rate schedule (all registered under the
    package name `"genreclf"`), and the built-in model families. Idempotent
    and cheap after the first call. genreclf's own loaders (`Run.model`,
    export, serving) call it; call it yourself before
    `keras.saving.load_model` on a genreclf `model.keras`.

    Returns:
        A dict of the registered objects, `"genreclf>Name"` → class.

    Example:

    >>> import genreclf
    >>> objects = genreclf.register()
    >>> "genreclf>MacroF1" in objects
    True
    >>> model = keras.saving.load_model("runs/bilstm/model.keras")  # doctest: +SKIP
    """
    from genreclf import custom_objects

    return custom_objects.register()


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = ["__version__", "register", *_API]
