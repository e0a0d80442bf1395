"""Reading, splitting, balancing and batching labelled text.

Example:

>>> from genreclf.data import TextDataset, train_val_split
>>> ds = TextDataset([f"t{i}" for i in range(4)], [["a"], ["b"]] * 2)
>>> train, val = train_val_split(ds, val_fraction=0.5)
>>> len(train), len(val)
(2, 2)

The `tf.data` pipelines (`make_tf_dataset`, `stream_tf_dataset`) are imported
on first use, so reading and splitting data does not load TensorFlow.
"""

from genreclf.data.balance import class_weights
from genreclf.data.balance import oversample
from genreclf.data.balance import sample_weights
from genreclf.data.dataset import TextDataset
from genreclf.data.label_checks import check_trainable
from genreclf.data.labels import LabelVocabulary
from genreclf.data.readers import detect_format
from genreclf.data.readers import load_dataset
from genreclf.data.splits import kfold_indices
from genreclf.data.splits import train_val_split
from genreclf.data.streaming import iter_examples
from genreclf.data.unknown_labels import drop_unknown_labels


def __getattr__(name):
    # The tf.data pipelines load TensorFlow; reading files does not need it.
    if name in ("make_tf_dataset", "stream_tf_dataset"):
        from genreclf.data import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'genreclf.data' has no attribute {name!r}")


__all__ = [
    "LabelVocabulary",
    "TextDataset",
    "check_trainable",
    "class_weights",
    "detect_format",
    "drop_unknown_labels",
    "iter_examples",
    "kfold_indices",
    "load_dataset",
    "make_tf_dataset",
    "oversample",
    "sample_weights",
    "stream_tf_dataset",
    "train_val_split",
]
