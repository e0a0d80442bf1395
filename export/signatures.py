"""`ServingModule`: a `tf.Module` with genreclf's TF Serving signatures.

The module holds the Keras model (so its variables, lookup tables and
keras-hub layers are tracked and saved) and two signatures:

* `serving_default` (method `tensorflow/serving/predict`): inputs `text`
  (`string [batch]`) plus, for hybrid models, one input per feature named after
  it; outputs `scores` (`float32 [batch, K]`), `top_labels`
  (`string [batch, k]`), `top_scores` (`float32 [batch, k]`) and, for
  multi-label models, `labels` (`string [batch, K]`): the classes whose score is
  at or above their tuned threshold, highest score first, padded with `""` to
  the fixed width K (a dense tensor, so REST, gRPC and batching all handle it).
  For single-label models trained with `--abstain` (whose graph ends in a
  `genreclf.models.cascade.OneVsAllCascade`), `labels` (`string [batch, 1]`)
  is the cascade's answer: a class name, or `"unknown"` when no class clears
  its threshold, computed inside the SavedModel.
* `classify` (method `tensorflow/serving/classify`, set after saving by
  `export.method_names`): input `inputs` (serialized `tf.Example`s,
  `string [batch]`) with a bytes feature `text` (and each hybrid feature);
  outputs `classes` (`string [batch, K]`, the class names in column order)
  and `scores` (`float32 [batch, K]`).
"""

import numpy as np
import tensorflow as tf

from genreclf.errors import ConfigError

PREDICT_SIGNATURE = "serving_default"
CLASSIFY_SIGNATURE = "classify"
CLASSIFY_INPUTS = "inputs"


def model_input_specs(model):
    """The `(name, tf.TensorSpec)` pairs of a Keras model's inputs, `text` first.

    Args:
        model: a functional `keras.Model` with an input named `text`.

    Returns:
        A list of `(name, tf.TensorSpec)` with a free batch dimension.

    Example:

    >>> [name for name, _ in model_input_specs(model)]  # doctest: +SKIP
    ['text']
    """
    inputs = getattr(model, "inputs", None) or []
    specs = []
    for tensor in inputs:
        name = getattr(tensor, "name", None) or "text"
        name = name.split(":")[0]
        shape = [None] + list(tensor.shape[1:])
        specs.append((name, tf.TensorSpec(shape, tf.as_dtype(tensor.dtype), name=name)))
    if not specs:
        specs = [("text", tf.TensorSpec([None], tf.string, name="text"))]
    names = [name for name, _ in specs]
    if "text" not in names:
        raise ConfigError(
            "A genreclf model must have an input named 'text' (string [batch]). "
            f"Received: input names={names}. Build the model with "
            "`keras.Input(shape=(), dtype='string', name='text')`."
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"Model input names must be unique. Received: {names}.")
    text_spec = dict(specs)["text"]
    if text_spec.dtype != tf.string or text_spec.shape.rank != 1:
        raise ConfigError(
            "The 'text' input must be a string tensor of shape [batch]. "
            f"Received: dtype={text_spec.dtype.name}, shape={text_spec.shape}."
        )
    return sorted(specs, key=lambda item: item[0] != "text")


def call_structure(model, inputs):
    """`inputs` (a dict by input name) in the structure `model` was built with.

    Example:

    >>> call_structure(model, {"text": texts})  # doctest: +SKIP
    """
    structure = getattr(model, "input", None)
    if isinstance(structure, dict) or len(inputs) > 1:
        return dict(inputs)
    if isinstance(structure, (list, tuple)):
        return [inputs["text"]]
    return inputs["text"]


def _example_feature(spec):
    """The `tf.io.FixedLenFeature` that parses `spec` from a `tf.Example`."""
    shape = list(spec.shape[1:])
    if spec.dtype == tf.string:
        return tf.io.FixedLenFeature(shape, tf.string)
    if spec.dtype.is_integer or spec.dtype == tf.bool:
        return tf.io.FixedLenFeature(shape, tf.int64)
    if spec.dtype.is_floating:
        return tf.io.FixedLenFeature(shape, tf.float32)
    raise ConfigError(
        f"Input {spec.name!r} has dtype {spec.dtype.name}, which a tf.Example "
        "cannot carry. Expected a string, integer, bool or float input."
    )


def abstention_card(model):
    """The abstaining cascade of `model` as JSON (`None` for a model that never abstains).

    `{"order": [class names, tried first to last], "thresholds": [per class, in
    label order], "unknown": "unknown"}`: enough for a client, the model card
    and `export verify` to restate the cascade's rule.

    Example:

    >>> abstention_card(model)  # doctest: +SKIP
    {'order': ['horror', 'comedy'], 'thresholds': [0.5, 0.6], 'unknown': 'unknown'}
    """
    from genreclf.models.cascade import find_cascade

    cascade = find_cascade(model)
    if cascade is None:
        return None
    return {
        "order": [cascade.labels[i] for i in cascade.order],
        "thresholds": list(cascade.thresholds),
        "unknown": cascade.unknown,
    }


class ServingModule(tf.Module):
    """Wraps a Keras model with genreclf's TF Serving signatures.

    Args:
        model: a `keras.Model` mapping `text` (and hybrid features) to
            per-class scores `[batch, K]`.
        labels: the K class names, in score column order.
        multi_label: whether the model is multi-label (sigmoid scores).
        thresholds: per-class thresholds (multi-label only; 0.5 if None).
        top_k: how many best classes `top_labels` / `top_scores` carry
            (capped at K).

    Example:

    >>> module = ServingModule(model, ["comedy", "drama"])  # doctest: +SKIP
    >>> tf.saved_model.save(module, path, signatures=module.signatures())  # doctest: +SKIP
    """

    def __init__(self, model, labels, *, multi_label=False, thresholds=None, top_k=3):
        super().__init__(name="genreclf_serving")
        labels = [str(label) for label in labels]
        if int(top_k) < 1:
            raise ConfigError(f"top_k must be at least 1. Received: top_k={top_k}.")
        self.model = model
        self.input_specs = model_input_specs(model)
        self.labels = labels
        self.multi_label = bool(multi_label)
        self.top_k = min(int(top_k), len(labels))
        if thresholds is None:
            thresholds = [0.5] * len(labels)
        thresholds = np.asarray(thresholds, dtype="float32").reshape(-1)
        if thresholds.shape != (len(labels),):
            raise ConfigError(
                f"Expected one threshold per class ({len(labels)}). "
                f"Received: {thresholds.shape[0]} thresholds."
            )
        self.thresholds = thresholds.tolist()
        self.abstention = abstention_card(model)
        self._predict = tf.function(
            self._predict_fn,
            input_signature=[spec for _, spec in self.input_specs],
            autograph=False,
        )
        self._classify = tf.function(
            self._classify_fn,
            input_signature=[tf.TensorSpec([None], tf.string, name=CLASSIFY_INPUTS)],
            autograph=False,
        )

    def _scores(self, inputs):
        scores = self.model(call_structure(self.model, inputs), training=False)
        return tf.cast(scores, tf.float32)

    def _outputs(self, scores):
        labels = tf.constant(self.labels, dtype=tf.string)
        top = tf.math.top_k(scores, k=self.top_k, sorted=True)
        outputs = {
            "scores": tf.identity(scores, name="scores"),
            "top_labels": tf.gather(labels, top.indices),
            "top_scores": top.values,
        }
        if self.multi_label:
            thresholds = tf.constant(self.thresholds, dtype=tf.float32)
            # Highest score first, then the selected classes before the rest
            # (two stable sorts give that lexicographic order).
            by_score = tf.argsort(scores, axis=-1, direction="DESCENDING", stable=True)
            selected = tf.gather(scores >= thresholds, by_score, batch_dims=1)
            by_selected = tf.argsort(
                tf.cast(tf.logical_not(selected), tf.int32), axis=-1, stable=True
            )
            order = tf.gather(by_score, by_selected, batch_dims=1)
            keep = tf.gather(selected, by_selected, batch_dims=1)
            names = tf.gather(labels, order)
            outputs["labels"] = tf.where(keep, names, tf.zeros_like(names))
        elif self.abstention is not None:
            from genreclf.models.cascade import find_cascade

            outputs["labels"] = find_cascade(self.model).decide(scores)[:, tf.newaxis]
        return outputs

    def _predict_fn(self, *args):
        inputs = {name: tensor for (name, _), tensor in zip(self.input_specs, args)}
        return self._outputs(self._scores(inputs))

    def _classify_fn(self, serialized):
        features = {name: _example_feature(spec) for name, spec in self.input_specs}
        parsed = tf.io.parse_example(serialized, features)
        inputs = {name: tf.cast(parsed[name], spec.dtype) for name, spec in self.input_specs}
        scores = self._scores(inputs)
        labels = tf.constant(self.labels, dtype=tf.string)
        classes = tf.tile(labels[tf.newaxis, :], [tf.shape(scores)[0], 1])
        return {"classes": classes, "scores": scores}

    def signatures(self):
        """The concrete functions to pass to `tf.saved_model.save(signatures=...)`."""
        return {
            PREDICT_SIGNATURE: self._predict.get_concrete_function(),
            CLASSIFY_SIGNATURE: self._classify.get_concrete_function(),
        }
