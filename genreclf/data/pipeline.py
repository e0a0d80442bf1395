"""`tf.data` pipelines: from a `TextDataset` or straight from a large file.

Both yield `({"text": tf.string [b], <feature>: [b], ...}, float32 [b, K])`
(plus `float32 [b]` sample weights when given): the raw strings go into the
model, which holds all preprocessing in its graph.
"""

import logging

import numpy as np
import tensorflow as tf

from genreclf.data.records import row_error
from genreclf.data.skip_log import MAX_LOGGED_SKIPS
from genreclf.data.streaming import iter_rows
from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.data")
CHUNK_ROWS = 256


def _check_batch_size(batch_size):
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(
            f"batch_size must be a positive integer. Received: batch_size={batch_size!r}."
        )


def _feature_tensor(column):
    column = np.asarray(column)
    if column.dtype.kind in "fiub":
        return column.astype("float32")
    return np.array([str(v) for v in column], dtype=object)


def _chunk_tensors(examples, vocabulary, features, categorical):
    targets = np.zeros((len(examples), vocabulary.num_classes), dtype="float32")
    for i, example in enumerate(examples):
        for label in example.labels:
            targets[i, vocabulary.index(label)] = 1.0
    inputs = {"text": np.array([e.text for e in examples], dtype=object)}
    for name in features:
        inputs[name] = np.array([e.features[name] for e in examples], dtype="float32")
    for name in categorical:
        inputs[name] = np.array([e.features[name] for e in examples], dtype=object)
    return inputs, targets


def make_tf_dataset(dataset, vocabulary, batch_size=32, shuffle=False, seed=0, sample_weights=None):
    """A batched, prefetched `tf.data.Dataset` of a `TextDataset`.

    Args:
        dataset: a `TextDataset`.
        vocabulary: the `LabelVocabulary` giving the target columns.
        batch_size: rows per batch.
        shuffle: reshuffle the rows each epoch (seeded by `seed`).
        seed: the shuffle seed.
        sample_weights: optional `float32 [n]` per-row weights (see
            `genreclf.data.balance.sample_weights`), yielded third.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets)` or `(inputs, targets,
        weights)`: `inputs["text"]` is `tf.string [b]`, each numeric feature
        `float32 [b]`, each categorical feature `tf.string [b]`, `targets`
        `float32 [b, K]`.

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["a heist", "a ghost"], [["crime"], ["horror"]])
    >>> batches = make_tf_dataset(ds, ds.vocabulary(), batch_size=2)
    >>> inputs, targets = next(iter(batches))
    >>> inputs["text"].shape, targets.numpy().tolist()
    (TensorShape([2]), [[1.0, 0.0], [0.0, 1.0]])
    """
    _check_batch_size(batch_size)
    if len(dataset) == 0:
        raise ConfigError("Cannot build a tf.data pipeline from an empty dataset.")
    targets = dataset.targets(vocabulary)
    inputs = {"text": np.array(dataset.texts, dtype=object)}
    for name, column in (dataset.features or {}).items():
        inputs[name] = _feature_tensor(column)
    tensors = (inputs, targets)
    if sample_weights is not None:
        sample_weights = np.asarray(sample_weights, dtype="float32")
        if sample_weights.shape != (len(dataset),):
            raise ConfigError(
                f"sample_weights must have one value per row ({len(dataset)}). "
                f"Received: shape={sample_weights.shape}."
            )
        tensors = (inputs, targets, sample_weights)
    result = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle:
        result = result.shuffle(len(dataset), seed=seed, reshuffle_each_iteration=True)
    return result.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def stream_tf_dataset(
    path,
    vocabulary,
    batch_size=32,
    *,
    shuffle_buffer=0,
    seed=0,
    features=(),
    categorical=(),
    skip_bad_rows=False,
    **reader_options,
):
    """A `tf.data.Dataset` that reads `path` again on every epoch.

    For files too large to hold as Python lists: rows are parsed by the same
    readers as `load_dataset` inside a `tf.data.Dataset.from_generator` and
    handed to TensorFlow in chunks of 256, so only a chunk and the shuffle
    buffer are in memory. A label missing from
    `vocabulary` is a `DataError` naming file, line and field (or a counted,
    logged skip with `skip_bad_rows=True`); inside `tf.data` it surfaces
    as a TensorFlow error carrying that message.

    Args:
        path: the data file (any format `load_dataset` reads).
        vocabulary: the `LabelVocabulary` (it also fixes single/multi-label).
        batch_size: rows per batch.
        shuffle_buffer: rows in the shuffle buffer; 0 keeps the file order.
        seed: the shuffle seed.
        features, categorical: numeric and string feature columns.
        skip_bad_rows: skip, count and log bad rows instead of raising.
        **reader_options: `text`, `label`, `format`, `sep`, `id_column`,
            `aclimdb_label`, `split`, as for `load_dataset`.

    Example:

    >>> import pathlib, tempfile
    >>> from genreclf.data.labels import LabelVocabulary
    >>> csv_path = pathlib.Path(tempfile.mkdtemp()) / "movies.csv"
    >>> _ = csv_path.write_text("plot,tag\\nA ghost.,horror\\nA heist.,crime\\n")
    >>> vocab = LabelVocabulary(["crime", "horror"])
    >>> inputs, targets = next(iter(stream_tf_dataset(csv_path, vocab, batch_size=2)))
    >>> targets.numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    _check_batch_size(batch_size)
    features, categorical = tuple(features), tuple(categorical)
    num_classes = vocabulary.num_classes
    options = dict(
        reader_options,
        multi_label=vocabulary.multi_label,
        features=features,
        categorical=categorical,
        skip_bad_rows=skip_bad_rows,
    )
    # Check the file and columns now, so such errors surface here rather
    # than inside tf.data (no row is read).
    iter_rows(path, **options).close()

    def rows():
        skipped_unknown = 0
        for example in iter_rows(path, **options):
            unknown = [label for label in example.labels if label not in vocabulary]
            if unknown:
                error = row_error(
                    "unknown_label",
                    f"unknown label {unknown[0]!r}: it was not seen at training "
                    f"time. Expected one of {vocabulary.labels}.",
                    path=str(path),
                    line=example.line,
                    field="label",
                )
                if not skip_bad_rows:
                    raise error
                skipped_unknown += 1
                if skipped_unknown <= MAX_LOGGED_SKIPS:
                    logger.warning("Skipped a bad row: %s", error)
                continue
            yield example
        if skipped_unknown:
            logger.warning(
                "Skipped %d row(s) with labels unseen at training time in %s.",
                skipped_unknown,
                path,
            )

    def chunks():
        # Whole chunks cross into TensorFlow at once: one call per row is slow.
        chunk = []
        for example in rows():
            chunk.append(example)
            if len(chunk) == CHUNK_ROWS:
                yield _chunk_tensors(chunk, vocabulary, features, categorical)
                chunk = []
        if chunk:
            yield _chunk_tensors(chunk, vocabulary, features, categorical)

    signature = {"text": tf.TensorSpec((None,), tf.string)}
    for name in features:
        signature[name] = tf.TensorSpec((None,), tf.float32)
    for name in categorical:
        signature[name] = tf.TensorSpec((None,), tf.string)
    result = tf.data.Dataset.from_generator(
        chunks,
        output_signature=(signature, tf.TensorSpec((None, num_classes), tf.float32)),
    ).unbatch()
    if shuffle_buffer:
        result = result.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return result.batch(batch_size).prefetch(tf.data.AUTOTUNE)
