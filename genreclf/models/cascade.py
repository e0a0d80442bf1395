"""`OneVsAllCascade`: one-vs-all scores decided by a cascade that may abstain ("unknown").

A single-label model trained with `--abstain` scores each class with its own
sigmoid (one-vs-all). The decision is a cascade: the classes are tried in
order of their validation precision, and the first whose score clears its
threshold is the answer; when none does, the answer is `"unknown"`. The
layer sits at the end of the Keras graph and passes the scores through
unchanged (so every consumer of `[batch, K]` scores keeps working); it holds
the order, the thresholds and the class names, and its `decide` method turns
scores into labels with TensorFlow ops, so the exported SavedModel returns
`"unknown"` itself (`export.signatures.ServingModule` calls it).
"""

import keras
import tensorflow as tf

from genreclf.metrics.coverage import UNKNOWN
from genreclf.metrics.coverage import cascade_decisions  # noqa: F401 (the NumPy twin)
from genreclf.metrics.coverage import precision_order  # noqa: F401 (re-exported)


@keras.saving.register_keras_serializable(package="genreclf")
class OneVsAllCascade(keras.layers.Layer):
    """Passes one-vs-all scores through; `decide` applies the abstaining cascade.

    Args:
        labels: the K class names, in score column order.
        order: the column indices in the order they are tried (a permutation
            of `0..K-1`, most precise class first).
        thresholds: per-class score thresholds (column order).
        unknown: the label answered when no class clears its threshold.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = OneVsAllCascade(["comedy", "horror"], order=[1, 0], thresholds=[0.5, 0.6])
    >>> scores = tf.constant([[0.9, 0.7], [0.9, 0.1], [0.2, 0.3]])
    >>> [label.decode() for label in layer.decide(scores).numpy()]
    ['horror', 'comedy', 'unknown']
    """

    def __init__(self, labels=(), order=(), thresholds=(), unknown=UNKNOWN, **kwargs):
        super().__init__(**kwargs)
        self.labels = [str(label) for label in labels]
        self.order = [int(i) for i in order]
        self.thresholds = [float(t) for t in thresholds]
        self.unknown = str(unknown)
        k = len(self.labels)
        if sorted(self.order) != list(range(k)) or len(self.thresholds) != k:
            raise ValueError(
                f"Expected `order` to be a permutation of 0..{k - 1} and one threshold per "
                f"class ({k}). Received: order={self.order}, thresholds={self.thresholds}."
            )
        if self.unknown in self.labels:
            raise ValueError(
                f"The abstention label {self.unknown!r} is also a class name. Received: "
                f"labels={self.labels}. Rename that class, or pick another `unknown`."
            )

    def call(self, scores):
        return scores

    def compute_output_shape(self, input_shape):
        return input_shape

    def decide(self, scores):
        """The cascade's label per row: `string [batch]` (a class name or `unknown`)."""
        scores = tf.cast(tf.convert_to_tensor(scores), tf.float32)
        ordered = tf.gather(scores, self.order, axis=-1)
        thresholds = tf.constant([self.thresholds[i] for i in self.order], tf.float32)
        cleared = ordered >= thresholds
        first = tf.argmax(tf.cast(cleared, tf.int32), axis=-1, output_type=tf.int32)
        names = tf.gather(tf.constant([self.labels[i] for i in self.order]), first)
        return tf.where(tf.reduce_any(cleared, axis=-1), names, tf.constant(self.unknown))

    def decide_labels(self, scores):
        """`decide` as a list of Python strings."""
        return [label.decode("utf-8") for label in self.decide(scores).numpy()]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "labels": list(self.labels),
                "order": list(self.order),
                "thresholds": list(self.thresholds),
                "unknown": self.unknown,
            }
        )
        return config


def with_cascade(model, layer):
    """`model` (inputs → scores) with `layer` at its end, as a new functional model.

    Example:

    >>> text = keras.Input(shape=(2,))
    >>> model = keras.Model(text, keras.layers.Dense(2, activation="sigmoid")(text))
    >>> cascade = OneVsAllCascade(["a", "b"], [0, 1], [0.5, 0.5], name="cascade")
    >>> find_cascade(with_cascade(model, cascade)) is cascade
    True
    """
    return keras.Model(model.input, layer(model.output), name=model.name)


def find_cascade(model):
    """The model's `OneVsAllCascade` layer, or None (a model that never abstains)."""
    for layer in getattr(model, "layers", ()):
        if isinstance(layer, OneVsAllCascade):
            return layer
    return None
