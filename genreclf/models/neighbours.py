"""`NeighbourScores`: label scores voted by the nearest training texts.

A k-nearest-neighbour head over L2-normalised sentence embeddings: the
training rows' vectors and targets are a non-trainable memory bank inside
the model, and a text's score for a class is the similarity-weighted share
of its `k` nearest training texts that carry the class. It adds what a
linear head on the same vectors misses (local structure: sequels, remakes,
texts of one franchise or one writer) — the `stack` family blends it with
its two linear heads (bench/quality.py measures the gain).

Written with Keras ops rather than scikit-learn's `KNeighborsClassifier`
because the head must live in the graph: the saved `.keras` file and the
exported SavedModel carry the bank and answer raw text with no extra
service. `neighbour_scores` is the same computation in NumPy, used for the
out-of-fold scores the blend is chosen on.
"""

import keras
import numpy as np
from keras import ops

DEFAULT_K = 25
DEFAULT_TEMPERATURE = 10.0


@keras.saving.register_keras_serializable(package="genreclf")
class NeighbourScores(keras.layers.Layer):
    """Scores `[batch, K]` from the `k` nearest rows of a memory bank.

    `scores = sum_j softmax(temperature * sim_j) * labels_j` over the `k`
    bank rows with the highest cosine similarity `sim_j` (inputs and keys
    are L2-normalised, so a dot product is the cosine). Fill the bank with
    `set_bank(keys, labels)` after building.

    Args:
        size: rows in the memory bank.
        num_classes: classes K (columns of the bank's labels).
        k: neighbours voting per text (at most `size`).
        temperature: sharpness of the similarity weights.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = NeighbourScores(size=2, num_classes=2, k=1)
    >>> layer.set_bank(np.eye(2, dtype="float32"), np.eye(2, dtype="float32"))
    >>> np.round(layer(np.asarray([[0.0, 1.0]], dtype="float32")).numpy(), 3).tolist()
    [[0.0, 1.0]]
    """

    def __init__(
        self,
        size,
        num_classes,
        k=DEFAULT_K,
        temperature=DEFAULT_TEMPERATURE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(size) < 1 or int(k) < 1:
            raise ValueError(
                "NeighbourScores needs at least one bank row and one neighbour. "
                f"Received: size={size!r}, k={k!r}."
            )
        self.size = int(size)
        self.num_classes = int(num_classes)
        self.k = int(k)
        self.temperature = float(temperature)

    def build(self, input_shape):
        self.keys = self.add_weight(
            name="keys", shape=(self.size, input_shape[-1]), initializer="zeros", trainable=False
        )
        self.labels = self.add_weight(
            name="labels", shape=(self.size, self.num_classes), initializer="zeros", trainable=False
        )

    def set_bank(self, keys, labels):
        """Stores `keys [size, dim]` (L2-normalised vectors) and `labels [size, K]`."""
        keys, labels = np.asarray(keys, "float32"), np.asarray(labels, "float32")
        if keys.shape[0] != self.size or labels.shape != (self.size, self.num_classes):
            raise ValueError(
                f"The bank holds {self.size} rows of {self.num_classes} classes. Received: "
                f"keys.shape={keys.shape}, labels.shape={labels.shape}."
            )
        if not self.built:
            self.build(keys.shape)
        self.keys.assign(keys)
        self.labels.assign(labels)

    def call(self, inputs):
        similarity = ops.matmul(inputs, ops.transpose(self.keys))
        top, index = ops.top_k(similarity, min(self.k, self.size))
        weights = ops.softmax(self.temperature * top, axis=-1)
        votes = ops.take(self.labels, index, axis=0)  # [batch, k, K]
        return ops.sum(ops.expand_dims(weights, -1) * votes, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "num_classes": self.num_classes,
            "k": self.k,
            "temperature": self.temperature,
        }


def neighbour_scores(
    keys,
    labels,
    queries,
    k=DEFAULT_K,
    temperature=DEFAULT_TEMPERATURE,
    block=1024,
):
    """`NeighbourScores` in NumPy: scores of `queries` against a bank.

    Args:
        keys: `[n, dim]` L2-normalised bank vectors.
        labels: `[n, K]` bank targets.
        queries: `[m, dim]` L2-normalised vectors to score.
        k: neighbours per query (at most `n`).
        temperature: sharpness of the similarity weights.
        block: queries per matrix product (bounds memory at `block × n`).

    Returns:
        `float32 [m, K]`.

    Example:

    >>> keys = np.eye(2, dtype="float32")
    >>> neighbour_scores(keys, keys, keys[:1], k=1).tolist()
    [[1.0, 0.0]]
    """
    keys, labels = np.asarray(keys, "float32"), np.asarray(labels, "float32")
    queries = np.asarray(queries, "float32")
    k = min(int(k), len(keys))
    out = np.zeros((len(queries), labels.shape[1]), dtype="float32")
    for start in range(0, len(queries), block):
        similarity = queries[start : start + block] @ keys.T
        index = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(similarity, index, axis=1) * temperature
        weights = np.exp(top - top.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        out[start : start + block] = np.einsum("qk,qkc->qc", weights, labels[index])
    return out


def fit_neighbours(layer, vectors, train_set, votes, seed=0, folds=5):
    """Fills the neighbours' bank; returns their out-of-fold scores `[n, K]`.

    Args:
        layer: the model's `NeighbourScores`.
        vectors: `[n, dim]` encoder vectors of `train_set`'s rows: the last
            block's. Voting on all three blocks' vectors cost the blend 0.016
            held-out macro-F1 on tmdb_genres (0.5794 against 0.5952, same
            heads otherwise; bench/RESULTS.md).
        train_set: the training `TextDataset` (its folds).
        votes: `[n, K]` what each row votes (targets, class-weighted or not).
        seed: fold seed, and the seed of the rows kept when the bank cannot
            hold them all.
        folds: out-of-fold folds.

    Out of fold, each row is scored by the bank rows of the other folds.
    """
    from genreclf.data import kfold_indices
    from genreclf.models.neighbours import neighbour_scores

    n = len(vectors)
    keep = np.arange(n)
    if layer.size < n:
        keep = np.sort(np.random.default_rng(seed).choice(n, layer.size, replace=False))
    layer.set_bank(vectors[keep], votes[keep])
    in_bank = np.zeros(n, dtype=bool)
    in_bank[keep] = True
    oof = np.zeros(votes.shape, dtype="float32")
    folds = max(2, min(folds, int(np.sum(~train_set.is_synthetic()))))
    for train_idx, val_idx in kfold_indices(train_set, k=folds, seed=seed):
        bank = train_idx[in_bank[train_idx]]
        oof[val_idx] = neighbour_scores(
            vectors[bank],
            votes[bank],
            vectors[val_idx],
            k=layer.k,
            temperature=layer.temperature,
        )
    return oof
