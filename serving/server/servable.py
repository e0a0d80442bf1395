"""One loaded version of one SavedModel, called the way TF Serving calls it.

`Servable.load(name, version, path)` loads a SavedModel with TensorFlow only
(plus `tensorflow_text`, so TF Text ops resolve, as in the TF Serving image),
reads its `SignatureDef`s from `saved_model.pb` (the protos TF Serving reads,
so metadata is identical) and its class names from `assets/labels.txt`,
replays `assets.extra/tf_serving_warmup_requests`, and then runs `predict`,
`classify` (method `tensorflow/serving/classify`: one `inputs` tensor of
serialized examples, `classes` and/or `scores` outputs) and `regress` (method
`tensorflow/serving/regress`: one float output `outputs`). Inputs are checked
against the signature and `Limits` before TensorFlow sees them; large
batches run in chunks.
"""

import os

import numpy as np
import tensorflow as tf

try:  # Registers TF Text ops, as the TF Serving image has them.
    import tensorflow_text  # noqa: F401
except ImportError:  # pragma: no cover - tensorflow-text is a core dependency
    tensorflow_text = None

from tensorflow.core.protobuf import error_codes_pb2
from tensorflow.core.protobuf import saved_model_pb2

from genreclf.serving.server.limits import Limits
from genreclf.serving.server.limits import check_shape
from genreclf.serving.server.limits import run_in_chunks
from genreclf.serving.server.limits import signature_shape
from genreclf.serving.server.status import HTTP_CODES
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
DEFAULT_SIGNATURE = "serving_default"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000  # TF Serving reads at most this many.


def read_signature_defs(path, tags=("serve",)):
    """The `SignatureDef` map of the meta graph tagged `serve` in a SavedModel.

    Example:

    >>> read_signature_defs("models/genre/1")  # doctest: +SKIP
    {'serving_default': ..., 'classify': ..., '__saved_model_init_op': ...}
    """
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved_model.ParseFromString(handle.read())
    for meta_graph in saved_model.meta_graphs:
        if set(tags) <= set(meta_graph.meta_info_def.tags):
            return dict(meta_graph.signature_def)
    raise ValueError(
        f"Expected a meta graph tagged {list(tags)} in {path}/saved_model.pb. "
        f"Received: tags={[list(m.meta_info_def.tags) for m in saved_model.meta_graphs]}. "
        "Export the model with tf.saved_model.save (tag 'serve')."
    )


def read_classes(path):
    """The class names of `assets/labels.txt` (the column order of `scores`), or None."""
    try:
        with open(os.path.join(path, "assets", "labels.txt"), encoding="utf-8") as handle:
            classes = handle.read().rstrip("\n").split("\n")
    except OSError:
        return None
    return classes if any(classes) else None


def _status_error(err):
    """A TensorFlow error as a `ServingStatusError` with the same code."""
    if isinstance(err, tf.errors.OpError):
        code = error_codes_pb2.Code.Name(err.error_code)
        return ServingStatusError(code if code in HTTP_CODES else "INTERNAL", err.message)
    return invalid_argument(str(err))


class Servable:
    """One version of one model, loaded and ready to serve.

    Args:
        name: the model name (the folder under the base path).
        version: the integer version (the folder under the model folder).
        path: the SavedModel directory.
        loaded: the object `tf.saved_model.load` returned.
        signature_defs: signature key → `SignatureDef` (see `read_signature_defs`).

    Example:

    >>> servable = Servable.load("genre", 1, "models/genre/1")  # doctest: +SKIP
    >>> servable.predict({"text": np.array([b"A spy"], object)})[1]["top_labels"]  # doctest: +SKIP
    """

    def __init__(self, name, version, path, loaded, signature_defs):
        self.name = name
        self.version = version
        self.path = path
        self.loaded = loaded
        self.signature_defs = signature_defs
        self._functions = dict(loaded.signatures)
        self.classes = read_classes(path)

    @classmethod
    def load(cls, name, version, path, warmup=True):
        """Loads the SavedModel at `path` and replays its warmup requests."""
        servable = cls(
            name,
            version,
            path,
            tf.saved_model.load(path, tags=["serve"]),
            read_signature_defs(path),
        )
        if warmup:
            servable.warmup()
        return servable

    def signature(self, signature_name="", method=None):
        """`(key, SignatureDef)` of a signature ('' is `serving_default`).

        Raises:
            ServingStatusError: FAILED_PRECONDITION when there is no such
                signature, INVALID_ARGUMENT when its method is not `method`.
        """
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs or key not in self._functions:
            raise ServingStatusError(
                "FAILED_PRECONDITION",
                f'Serving signature "{key}" not found in model {self.name} version '
                f"{self.version}. Signatures: {sorted(self._functions)}.",
            )
        signature = self.signature_defs[key]
        if method is not None and signature.method_name != method:
            raise invalid_argument(
                f"Expected signature method_name {method} in '{key}'. Received: "
                f"{signature.method_name}. Name a matching signature with 'signature_name'."
            )
        return key, signature

    def input_specs(self, signature_name=""):
        """Signature inputs, name → `tf.TensorSpec` (declared shape and dtype)."""
        _, signature = self.signature(signature_name)
        return {
            alias: tf.TensorSpec(signature_shape(info), info.dtype, alias)
            for alias, info in signature.inputs.items()
        }

    def _run(self, key, inputs, limits):
        """Calls a signature on checked arrays, in chunks when it is batch-first."""
        limits = limits or Limits()
        limits.check_arrays(inputs)
        signature = self.signature_defs[key]
        infos = (*signature.inputs.values(), *signature.outputs.values())
        batch_major = all(s.rank and s[0] is None for s in map(signature_shape, infos))
        dtypes = {alias: signature.inputs[alias].dtype for alias in inputs}

        def call(part):
            try:
                tensors = {a: tf.constant(v, dtype=dtypes[a]) for a, v in part.items()}
                outputs = self._functions[key](**tensors)
            except (tf.errors.OpError, TypeError, ValueError) as err:
                raise _status_error(err) from None
            return {alias: value.numpy() for alias, value in outputs.items()}

        return run_in_chunks(call, inputs, limits.chunk_size, batch_major)

    def predict(self, inputs, signature_name="", output_filter=(), limits=None):
        """Runs a signature on named input arrays, as TF Serving's Predict does.

        Args:
            inputs: alias → numpy array (strings as bytes objects).
            signature_name: the signature key; empty means `serving_default`.
            output_filter: output aliases to return; empty means all.
            limits: a `Limits` (default: `Limits()`).

        Returns:
            `(signature_key, outputs)`: outputs alias → numpy array.
        """
        key, signature = self.signature(signature_name)
        if sorted(inputs) != sorted(signature.inputs):
            raise invalid_argument(
                f"Expected the inputs {sorted(signature.inputs)} of signature '{key}'. "
                f"Received: {sorted(inputs)}."
            )
        unknown = sorted(set(output_filter) - set(signature.outputs))
        if unknown:
            raise invalid_argument(
                f"Expected an output_filter out of {sorted(signature.outputs)}. "
                f"Received: {unknown}."
            )
        arrays = {alias: np.asarray(value) for alias, value in inputs.items()}
        for alias, array in arrays.items():
            check_shape(alias, list(array.shape), signature_shape(signature.inputs[alias]), key)
        outputs = self._run(key, arrays, limits)
        if output_filter:
            outputs = {alias: outputs[alias] for alias in output_filter}
        return key, outputs

    def _run_examples(self, key, examples, context, limits):
        if not examples:
            raise invalid_argument("Expected at least one example. Received: none.")
        prefix = context.SerializeToString() if context is not None else b""
        serialized = np.empty(len(examples), dtype=object)
        serialized[:] = [prefix + example.SerializeToString() for example in examples]
        return self._run(key, {"inputs": serialized}, limits)

    def classify(self, examples, context=None, signature_name="", limits=None):
        """Classifies `tf.train.Example`s, as TF Serving's Classify does.

        Args:
            examples: a list of `tf.train.Example` protos.
            context: an optional `tf.train.Example` whose features every example gets.
            signature_name: the signature key (a classify signature).
            limits: a `Limits` (default: `Limits()`).

        Returns:
            One list of `(label, score)` pairs per example (`label` is '' when the
            signature has no `classes` output, `score` 0.0 when it has no `scores`).
        """
        key, signature = self.signature(signature_name, CLASSIFY_METHOD)
        outputs = set(signature.outputs) & {"classes", "scores"}
        if list(signature.inputs) != ["inputs"] or not outputs:
            raise invalid_argument(
                f"Expected classify signature '{key}' to take 'inputs' and give 'classes' "
                f"and/or 'scores'. Received: inputs={sorted(signature.inputs)}, "
                f"outputs={sorted(signature.outputs)}."
            )
        results = self._run_examples(key, examples, context, limits)
        classes, scores = results.get("classes"), results.get("scores")
        shapes = {name: np.shape(results[name]) for name in outputs}
        shape = shapes.popitem()[1]
        if len(shape) != 2 or shape[0] != len(examples) or any(s != shape for s in shapes.values()):
            raise invalid_argument(
                f"Expected classify outputs of shape [{len(examples)}, classes]. "
                f"Received: shapes {sorted(np.shape(results[n]) for n in outputs)}."
            )
        return [
            [
                (
                    classes[row, col].decode("utf-8", "replace") if classes is not None else "",
                    float(scores[row, col]) if scores is not None else 0.0,
                )
                for col in range(shape[1])
            ]
            for row in range(shape[0])
        ]

    def regress(self, examples, context=None, signature_name="", limits=None):
        """Regresses `tf.train.Example`s, as TF Serving's Regress does.

        The signature must have method name `tensorflow/serving/regress`, one
        input `inputs` (serialized examples) and one float output `outputs` of
        shape `[batch]` or `[batch, 1]`.

        Returns:
            One float per example.
        """
        key, signature = self.signature(signature_name, REGRESS_METHOD)
        if list(signature.inputs) != ["inputs"] or list(signature.outputs) != ["outputs"]:
            raise invalid_argument(
                f"Expected regress signature '{key}' to take 'inputs' and give 'outputs'. "
                f"Received: inputs={sorted(signature.inputs)}, "
                f"outputs={sorted(signature.outputs)}."
            )
        values = self._run_examples(key, examples, context, limits)["outputs"]
        count = len(examples)
        shape_ok = values.ndim in (1, 2) and values.shape[0] == values.size == count
        if values.dtype != np.float32 or not shape_ok:
            raise invalid_argument(
                f"Expected a float output of shape [{count}] or [{count}, 1]. "
                f"Received: {values.dtype} {list(values.shape)}."
            )
        return values.reshape(-1).tolist()

    def warmup(self):
        """Replays `assets.extra/tf_serving_warmup_requests`; returns how many records."""
        from tensorflow_serving.apis import prediction_log_pb2

        path = os.path.join(self.path, WARMUP_FILE)
        if not os.path.exists(path):
            return 0
        count = 0
        for record in tf.data.TFRecordDataset(path).take(MAX_WARMUP_RECORDS):
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            if log.WhichOneof("log_type") == "predict_log":
                request = log.predict_log.request
                inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
                self.predict(inputs, request.model_spec.signature_name, request.output_filter)
            elif log.WhichOneof("log_type") == "classify_log":
                request = log.classify_log.request
                group, context = request.input.example_list, None
                if request.input.WhichOneof("kind") == "example_list_with_context":
                    group = request.input.example_list_with_context
                    context = group.context
                self.classify(list(group.examples), context, request.model_spec.signature_name)
            count += 1
        return count
