"""A tiny genre SavedModel with the serving contract, for tests and benchmarks.

`write_tiny_model(base, name, version)` writes `<base>/<name>/<version>/`, a
SavedModel built with plain TensorFlow (a lookup table and one weight matrix)
that has exactly the signatures `export` produces (and its `assets/labels.txt`):

* `serving_default`: `text` (string [batch]) → `scores` (float32 [batch, K]),
  `top_labels` (string [batch, k]), `top_scores` (float32 [batch, k]);
  `hybrid=True` adds a float32 input `year`, `multi_label=True` the output
  `labels` (string [batch, K]);
* `classify` (method `tensorflow/serving/classify`): `inputs` (serialized
  `tf.Example`s with feature `text`, and `year` for hybrid) → `classes`
  (string [batch, K]), `scores` (float32 [batch, K]).

Like `export`, it writes to a temporary folder beside the target and renames it
into place. Scores depend on `version` (`bias=version`), so tests can tell
versions apart.
"""

import os
import shutil
import tempfile

LABELS = ("action", "comedy", "drama", "horror", "romance", "sci-fi")
WORDS = {
    "action": ("explosion", "chase", "fight", "heist", "mission"),
    "comedy": ("funny", "hilarious", "laugh", "wacky", "prank"),
    "drama": ("family", "grief", "struggle", "life", "father"),
    "horror": ("haunted", "killer", "ghost", "blood", "demon"),
    "romance": ("love", "wedding", "kiss", "heart", "affair"),
    "sci-fi": ("space", "alien", "robot", "planet", "future"),
}
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"


def _set_method_name(path, signature, method_name):
    from tensorflow.core.protobuf import saved_model_pb2

    pb_path = os.path.join(path, "saved_model.pb")
    saved_model = saved_model_pb2.SavedModel()
    with open(pb_path, "rb") as handle:
        saved_model.ParseFromString(handle.read())
    for meta_graph in saved_model.meta_graphs:
        meta_graph.signature_def[signature].method_name = method_name
    with open(pb_path, "wb") as handle:
        handle.write(saved_model.SerializeToString())


def write_tiny_model(
    base, name="genre", version=1, *, top_k=3, hybrid=False, multi_label=False, required=False
):
    """Writes a tiny genre SavedModel to `<base>/<name>/<version>/` and returns the path.

    Args:
        base: the base path.
        name: the model name (folder).
        version: the integer version (folder); also shifts the scores.
        top_k: how many `top_labels` / `top_scores`.
        hybrid: add a float32 `year` input (a feature next to the text).
        multi_label: add the `labels` output of multi-label exports (classes
            scoring at least 0.2, highest first, padded with "").
        required: parse the classify signature's features without defaults, as
            `export` does (an example without `text` is refused); by default `text`
            defaults to "" and `year` to 2000.0.

    Example:

    >>> import tempfile
    >>> path = write_tiny_model(tempfile.mkdtemp(), "genre", 1)
    >>> sorted(os.listdir(os.path.join(path, "assets")))
    ['labels.txt']
    """
    import numpy as np
    import tensorflow as tf

    labels = list(LABELS)
    vocab = [w for label in labels for w in WORDS[label]]
    rng = np.random.default_rng(version)
    weights = np.zeros((len(vocab) + 1, len(labels)), np.float32)
    for row in range(len(vocab)):
        weights[row, row // 5] = 2.0
    weights[:-1] += rng.normal(0.0, 0.1, weights[:-1].shape).astype(np.float32)
    bias = np.linspace(-0.1, 0.1, len(labels)).astype(np.float32) * version

    class TinyGenreModel(tf.Module):
        def __init__(self):
            super().__init__()
            self.labels = tf.constant(labels)
            self.table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(vocab), tf.range(len(vocab), dtype=tf.int64)
                ),
                default_value=len(vocab),
            )
            self.weights = tf.Variable(weights, name="weights")
            self.bias = tf.Variable(bias, name="bias")
            self.year_weight = tf.Variable(
                np.linspace(-0.5, 0.5, len(labels)).astype(np.float32), name="year_weight"
            )

        def _scores(self, text, year=None):
            tokens = tf.strings.split(tf.strings.lower(text))
            ids = self.table.lookup(tokens)
            logits = tf.reduce_sum(tf.gather(self.weights, ids), axis=1) + self.bias
            if year is not None:
                logits += ((year[:, None] - 2000.0) / 20.0) * self.year_weight
            return tf.nn.softmax(logits)

        def _outputs(self, scores):
            top = tf.math.top_k(scores, k=top_k)
            outputs = {
                "scores": scores,
                "top_labels": tf.gather(self.labels, top.indices),
                "top_scores": top.values,
            }
            if multi_label:
                order = tf.argsort(scores, axis=-1, direction="DESCENDING")
                names = tf.gather(self.labels, order)
                keep = tf.gather(scores, order, batch_dims=1) >= 0.2
                outputs["labels"] = tf.where(keep, names, tf.zeros_like(names))
            return outputs

        def _classes(self, scores):
            return tf.tile(self.labels[None, :], [tf.shape(scores)[0], 1])

    model = TinyGenreModel()
    text_spec = tf.TensorSpec([None], tf.string, name="text")
    if hybrid:
        year_spec = tf.TensorSpec([None], tf.float32, name="year")

        @tf.function(input_signature=[text_spec, year_spec])
        def serve(text, year):
            return model._outputs(model._scores(text, year))

        features = {
            "text": tf.io.FixedLenFeature([], tf.string, default_value=""),
            "year": tf.io.FixedLenFeature([], tf.float32, default_value=2000.0),
        }
    else:

        @tf.function(input_signature=[text_spec])
        def serve(text):
            return model._outputs(model._scores(text))

        features = {"text": tf.io.FixedLenFeature([], tf.string, default_value="")}
    if required:
        features = {name: tf.io.FixedLenFeature([], f.dtype) for name, f in features.items()}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def classify(inputs):
        parsed = tf.io.parse_example(inputs, features)
        scores = model._scores(parsed["text"], parsed.get("year"))
        return {"classes": model._classes(scores), "scores": scores}

    model_dir = os.path.join(base, name)
    os.makedirs(model_dir, exist_ok=True)
    target = os.path.join(model_dir, str(version))
    temp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=model_dir)
    try:
        tf.saved_model.save(
            model, temp, signatures={"serving_default": serve, "classify": classify}
        )
        _set_method_name(temp, "classify", CLASSIFY_METHOD)
        os.makedirs(os.path.join(temp, "assets"), exist_ok=True)
        with open(os.path.join(temp, "assets", "labels.txt"), "w", encoding="utf-8") as handle:
            handle.write("".join(label + "\n" for label in labels))
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def write_tiny_regression_model(base, name="rating", version=1):
    """Writes a SavedModel with a regression signature to `<base>/<name>/<version>/`.

    Its `serving_default` signature has method `tensorflow/serving/regress`:
    `inputs` (serialized `tf.Example`s with a string feature `text`) →
    `outputs` (float32 [batch]): the number of words in `text` times `version`.

    Example:

    >>> import tempfile
    >>> path = write_tiny_regression_model(tempfile.mkdtemp())
    >>> os.path.basename(path)
    '1'
    """
    import tensorflow as tf

    features = {"text": tf.io.FixedLenFeature([], tf.string, default_value="")}

    class TinyRegressionModel(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def regress(self, inputs):
            text = tf.io.parse_example(inputs, features)["text"]
            words = tf.strings.split(text).row_lengths()
            return {"outputs": tf.cast(words, tf.float32) * float(version)}

    model = TinyRegressionModel()
    target = os.path.join(base, name, str(version))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=os.path.dirname(target))
    try:
        tf.saved_model.save(model, temp, signatures={"serving_default": model.regress})
        _set_method_name(temp, "serving_default", REGRESS_METHOD)
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def float32_json(value):
    """Nested JSON values with every float rounded to float32.

    TF Serving writes float32 outputs with up to 9 significant digits, so two
    answers (or an answer and the SavedModel called in-process) are equal when
    their values are equal at float32. Bytes become str, arrays lists.

    Example:

    >>> float32_json({"scores": [0.1, 0.30000001192092896]}) == float32_json({"scores": [0.100000001, 0.3]})
    True
    """
    import numpy as np

    if isinstance(value, dict):
        return {k: float32_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [float32_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return float32_json(value.tolist())
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (float, np.floating)):
        return float(np.float32(value))
    return value
