"""`LabelPromptScores`: what the label names themselves say, as a head of `stack`.

Each label becomes a short sentence (`"A {label} film."`), embedded once by
the model's own frozen encoder; a text's score for a label is a softmax
(single-label) or a centred sigmoid (multi-label) of its cosine similarity
to that sentence, at a fixed temperature. It needs no training rows, so it
knows the rare genres that a handful of examples cannot teach a linear head
("game-show", "biography"): blended with `stack`'s other heads at a weight
chosen out of fold, it lifted out-of-fold macro-F1 on all four benchmark sets
(bench/RESULTS.md). Where the names say little, the blend gives it no weight.

The label sentences' vectors are a non-trainable weight, so the `.keras` file
and the SavedModel carry them and answer raw text alone; `prompt_scores` is
the same computation in NumPy, used for the out-of-fold blend.

Written by hand: the zero-shot pipelines of the ecosystem (transformers' NLI
zero-shot, sentence-transformers' `util.cos_sim`) run outside a Keras graph.
"""

import keras
import numpy as np
from keras import ops

DEFAULT_PROMPT = "A {label} film."
TEMPERATURE = 0.05


def label_sentences(labels, prompt=DEFAULT_PROMPT):
    """One sentence per label: `prompt` with `{label}` filled in.

    Example:

    >>> label_sentences(["sci-fi", "war"])
    ['A sci-fi film.', 'A war film.']
    """
    from genreclf.errors import ConfigError

    if "{label}" not in str(prompt):
        raise ConfigError(
            "The label prompt must contain '{label}'. Received: "
            f"label_prompt={prompt!r}. Use e.g. 'A {{label}} film.', or '' for no label head."
        )
    return [str(prompt).replace("{label}", str(label)) for label in labels]


def prompt_scores(vectors, label_vectors, multi_label, temperature=TEMPERATURE):
    """NumPy twin of `LabelPromptScores`: `[n, K]` scores of L2-normalised `vectors`.

    Example:

    >>> prompt_scores(np.eye(2), np.eye(2), multi_label=False).round(3).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    logits = np.asarray(vectors, "float64") @ np.asarray(label_vectors, "float64").T / temperature
    if multi_label:
        return 1.0 / (1.0 + np.exp(-(logits - logits.mean(axis=1, keepdims=True))))
    logits = np.exp(logits - logits.max(axis=1, keepdims=True))
    return logits / logits.sum(axis=1, keepdims=True)


@keras.saving.register_keras_serializable(package="genreclf")
class LabelPromptScores(keras.layers.Layer):
    """Scores `[batch, K]` of sentence vectors against the K label sentences' vectors.

    Set the label sentences' vectors with `set_labels` after building (they
    start at zero: uniform scores).

    Args:
        num_classes: classes K.
        multi_label: a centred sigmoid per label instead of a softmax.
        temperature: the cosine similarities are divided by it.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = LabelPromptScores(2)
    >>> _ = layer(np.zeros((1, 2), dtype="float32"))
    >>> layer.set_labels(np.eye(2, dtype="float32"))
    >>> np.round(layer(np.asarray([[1.0, 0.0]], dtype="float32")).numpy(), 3).tolist()
    [[1.0, 0.0]]
    """

    def __init__(self, num_classes, multi_label=False, temperature=TEMPERATURE, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.multi_label = bool(multi_label)
        self.temperature = float(temperature)

    def build(self, input_shape):
        self.label_vectors = self.add_weight(
            name="label_vectors",
            shape=(self.num_classes, int(input_shape[-1])),
            initializer="zeros",
            trainable=False,
        )

    def set_labels(self, vectors):
        """Sets the `[K, dim]` vectors of the label sentences."""
        vectors = np.asarray(vectors, dtype="float32")
        if vectors.shape != tuple(self.label_vectors.shape):
            raise ValueError(
                f"Expected label vectors of shape {tuple(self.label_vectors.shape)}. "
                f"Received: vectors.shape={vectors.shape}."
            )
        self.label_vectors.assign(vectors)

    def call(self, inputs):
        logits = ops.matmul(inputs, ops.transpose(self.label_vectors)) / self.temperature
        if self.multi_label:
            return ops.sigmoid(logits - ops.mean(logits, axis=-1, keepdims=True))
        return ops.softmax(logits, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.num_classes)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "multi_label": self.multi_label,
            "temperature": self.temperature,
        }
