"""genreclf: raw text in, genre labels out — trained with Keras 3, served by TF Serving.

The public API, each a few lines to use:

>>> import genreclf
>>> dataset = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
>>> run = genreclf.train(dataset, model="ngram", out="runs/sample", epochs=2)  # doctest: +SKIP
>>> genreclf.load_run("runs/sample").predict(["A detective hunts a killer."])  # doctest: +SKIP

The API below is resolved on first use. Importing genreclf loads TensorFlow and
registers its Keras layers, losses, metrics and schedules, so
`keras.saving.load_model("runs/x/model.keras")` works after `import genreclf`.
"""

import importlib
import os

# Quiet TensorFlow's C++ start-up banner unless the user chose a level.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from genreclf.version import __version__  # noqa: E402
from genreclf import custom_objects  # noqa: F401,E402  (registers serializables)

_API = {
    "load_dataset": "genreclf.data",
    "TextDataset": "genreclf.data",
    "LabelVocabulary": "genreclf.data",
    "build_model": "genreclf.models",
    "train": "genreclf.training",
    "TrainConfig": "genreclf.training",
    "evaluate": "genreclf.evaluation",
    "load_run": "genreclf.run",
    "Run": "genreclf.run",
    "sample_path": "genreclf.data.sample",
}


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'genreclf' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))


__all__ = ["__version__", *_API]
